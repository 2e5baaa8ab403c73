import { generateTypedData } from "@safe-global/protocol-kit";
import type { EIP712TypedData } from "@safe-global/types-kit";
import { concat, keccak256, TypedDataEncoder } from "ethers";
import type { TypedDataField } from "ethers";

import type { SafeTxFields } from "../summary/types";

/**
 * The EIP-712 hashes of a SafeTx or a SafeMessage, from protocol-kit's typed data (the types are never re-declared
 * here): the hash owners sign, the two halves a hardware wallet shows, and the preimage the legacy EIP-1271 form
 * receives.
 */
export interface Eip712Hashes {
  /** safeTxHash, or the SafeMessage hash. */
  hash: string;
  domainHash: string;
  messageHash: string;
  /** 0x1901 || domainHash || messageHash, whose keccak256 is `hash`. */
  preimage: string;
}

// Encoders and domain separators are built once per type set and domain: building them is most of the cost.
const encoders = new Map<string, TypedDataEncoder>();
const domains = new Map<string, string>();

function hashesOfTyped(typed: {
  domain: unknown;
  types: unknown;
  message: unknown;
  primaryType?: string;
}): Eip712Hashes {
  const { EIP712Domain: _domain, ...types } = typed.types as Record<string, TypedDataField[]>;
  void _domain;
  const domain = typed.domain as Record<string, unknown>;
  const message = typed.message as Record<string, unknown>;
  const typesKey = JSON.stringify(types);
  let encoder = encoders.get(typesKey);
  if (!encoder) {
    encoder = TypedDataEncoder.from(types);
    encoders.set(typesKey, encoder);
  }
  const domainKey = JSON.stringify(domain, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  let domainHash = domains.get(domainKey);
  if (!domainHash) {
    domainHash = TypedDataEncoder.hashDomain(domain);
    domains.set(domainKey, domainHash);
  }
  const messageHash = encoder.hash(message);
  const preimage = concat(["0x1901", domainHash, messageHash]);
  return { hash: keccak256(preimage), domainHash, messageHash, preimage };
}

/** A SafeTx as protocol-kit and the services take it: integers as decimal strings, the nonce a number. */
export function safeTxData(tx: SafeTxFields) {
  return {
    to: tx.to,
    value: tx.value.toString(),
    data: tx.data,
    operation: tx.operation,
    safeTxGas: tx.safeTxGas.toString(),
    baseGas: tx.baseGas.toString(),
    gasPrice: tx.gasPrice.toString(),
    gasToken: tx.gasToken,
    refundReceiver: tx.refundReceiver,
    nonce: Number(tx.nonce),
  };
}

export function safeTxHashes(safe: string, version: string, chainId: bigint, tx: SafeTxFields): Eip712Hashes {
  return hashesOfTyped(
    generateTypedData({
      safeAddress: safe,
      safeVersion: version,
      chainId,
      data: safeTxData(tx),
    }),
  );
}

/** The SafeMessage hashes of a message (a string, hashed with EIP-191, or EIP-712 typed data), as Safe's handler computes them. */
export function safeMessageHashes(
  safe: string,
  version: string,
  chainId: bigint,
  message: string | EIP712TypedData,
): Eip712Hashes {
  return hashesOfTyped(generateTypedData({ safeAddress: safe, safeVersion: version, chainId, data: message }));
}
