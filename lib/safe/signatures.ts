import { concat, getAddress, getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";
import secp256k1 from "secp256k1";

import { UserError } from "../errors";

/**
 * Safe's signature format, parsed and encoded once: the embedded service checks confirmations with it, and the tasks
 * rebuild execution signatures from a service's confirmations with it (protocol-kit concatenates a contract
 * signature's standalone form among the others, which the Safe rejects with GS021: safe-global/safe-core-sdk#1300).
 *
 * A Safe signature blob is a list of 65-byte static parts `{32 r}{32 s}{1 v}` sorted by owner, followed by the
 * dynamic data of contract signatures. By v:
 *   v = 0       contract (EIP-1271) signature: r = owner, s = offset of `{32 length}{data}` in the blob
 *   v = 1       approved hash: r = owner, valid if the owner sent approveHash or executes the transaction
 *   v = 27/28   ECDSA over the hash
 *   v = 31/32   ECDSA over eth_sign's "\x19Ethereum Signed Message:\n32" + hash, with v + 4
 */

export type SignatureType = "CONTRACT_SIGNATURE" | "APPROVED_HASH" | "EOA" | "ETH_SIGN";

export interface SignaturePart {
  type: SignatureType;
  /** Checksummed owner: recovered (EOA, ETH_SIGN) or read from r (contract, approved hash). */
  owner: string;
  /**
   * The part on its own, as services store and return it: 65 bytes, or for a contract signature
   * `{r = owner}{s = 65}{v = 0}{32 length}{data}`.
   */
  signature: string;
  /** A contract signature's data, passed to the owner's isValidSignature. */
  data?: string;
}

export class SignatureError extends UserError {}

/** The longest signature blob accepted (the hosted service's limit). */
export const MAX_SIGNATURE_BYTES = 5_000;

const STATIC = 65;

/** keccak256("\x19Ethereum Signed Message:\n32" + hash): what an eth_sign (v > 30) signature signs. */
export function ethSignDigest(hash: string): string {
  return keccak256(concat([new TextEncoder().encode("\x19Ethereum Signed Message:\n32"), hash]));
}

/**
 * ecrecover with libsecp256k1 (the `secp256k1` package's prebuilt binary: about 0.09 ms, against 2.4 ms for the
 * JS implementations). Returns undefined for a signature no key produced; `v` is 27 or 28.
 */
export function recoverSigner(digest: Uint8Array, rs: Uint8Array, v: number): string | undefined {
  if (v !== 27 && v !== 28) return undefined;
  try {
    const publicKey = secp256k1.ecdsaRecover(rs, v - 27, digest, false);
    return getAddress("0x" + keccak256(publicKey.subarray(1)).slice(-40));
  } catch {
    return undefined;
  }
}

function word(bytes: Uint8Array, at: number): bigint {
  return BigInt(hexlify(bytes.subarray(at, at + 32)));
}

function ownerFromWord(bytes: Uint8Array, at: number, index: number): string {
  const value = word(bytes, at);
  if (value >> 160n !== 0n) {
    throw new SignatureError(`Signature ${index + 1}: r must hold an owner address (left-padded to 32 bytes).`);
  }
  return getAddress(toBeHex(value, 20));
}

/**
 * Splits a Safe signature blob into its parts and recovers each ECDSA signer of `hash`. Like Safe's
 * checkSignatures and the hosted service, the static parts end where the first contract signature's data starts,
 * so trailing bytes after them are ignored. Throws SignatureError with a sentence for anything malformed.
 */
export function parseSignatures(blob: string, hash: string): SignaturePart[] {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(blob)) throw new SignatureError("Signature must be 0x-prefixed hex bytes.");
  const bytes = getBytes(blob);
  if (bytes.length < STATIC) {
    throw new SignatureError(`Signature is ${bytes.length} bytes: a Safe signature has at least 65 (r, s, v).`);
  }
  if (bytes.length > MAX_SIGNATURE_BYTES) {
    throw new SignatureError(`Signature is ${bytes.length} bytes, more than the ${MAX_SIGNATURE_BYTES} accepted.`);
  }
  const digest = getBytes(hash);
  const parts: SignaturePart[] = [];
  let end = bytes.length;
  for (let i = 0; (i + 1) * STATIC <= end; i++) {
    const at = i * STATIC;
    const v = bytes[at + 64];
    const rs = bytes.subarray(at, at + 64);
    if (v === 0) {
      const owner = ownerFromWord(bytes, at, i);
      const offset = word(bytes, at + 32);
      if (offset < BigInt((i + 1) * STATIC) || offset + 32n > BigInt(bytes.length)) {
        throw new SignatureError(
          `Signature ${i + 1} (contract signature of ${owner}): its data offset ${offset} points outside the signature.`,
        );
      }
      const length = word(bytes, Number(offset));
      const start = Number(offset) + 32;
      if (BigInt(start) + length > BigInt(bytes.length)) {
        throw new SignatureError(
          `Signature ${i + 1} (contract signature of ${owner}): its data is ${length} bytes long but the signature ` +
            `ends ${bytes.length - start} bytes after the length.`,
        );
      }
      const data = hexlify(bytes.subarray(start, start + Number(length)));
      end = Math.min(end, Number(offset));
      parts.push({ type: "CONTRACT_SIGNATURE", owner, data, signature: contractStandalone(owner, data) });
    } else if (v === 1) {
      const owner = ownerFromWord(bytes, at, i);
      parts.push({ type: "APPROVED_HASH", owner, signature: hexlify(bytes.subarray(at, at + STATIC)) });
    } else if (v === 27 || v === 28 || v === 31 || v === 32) {
      const ethSign = v > 30;
      const owner = recoverSigner(ethSign ? getBytes(ethSignDigest(hash)) : digest, rs, ethSign ? v - 4 : v);
      if (!owner) throw new SignatureError(`Signature ${i + 1} is not a valid ECDSA signature (no signer recovers).`);
      parts.push({ type: ethSign ? "ETH_SIGN" : "EOA", owner, signature: hexlify(bytes.subarray(at, at + STATIC)) });
    } else {
      throw new SignatureError(
        `Signature ${i + 1} has v = ${v}: Safe accepts 0 (contract), 1 (approved hash), 27/28 (EIP-712) or ` +
          "31/32 (eth_sign). Re-sign, or adjust v (0/1 from some wallets means 27/28).",
      );
    }
  }
  const seen = new Set<string>();
  for (const part of parts) {
    if (seen.has(part.owner)) throw new SignatureError(`Signature for owner ${part.owner} is duplicated.`);
    seen.add(part.owner);
  }
  return parts;
}

function contractStandalone(owner: string, data: string): string {
  return hexlify(
    concat([zeroPadValue(owner, 32), toBeHex(STATIC, 32), "0x00", toBeHex(getBytes(data).length, 32), data]),
  );
}

/** A part rebuilt from a service confirmation (owner, stored signature, signatureType). */
export function partFromConfirmation(c: { owner: string; signature: string; signatureType: string }): SignaturePart {
  const owner = getAddress(c.owner);
  if (c.signatureType === "CONTRACT_SIGNATURE") {
    const bytes = getBytes(c.signature);
    if (bytes.length < STATIC + 32) {
      throw new SignatureError(`The contract signature of ${owner} from the service is truncated.`);
    }
    const length = Number(word(bytes, STATIC));
    const data = hexlify(bytes.subarray(STATIC + 32, STATIC + 32 + length));
    return { type: "CONTRACT_SIGNATURE", owner, data, signature: contractStandalone(owner, data) };
  }
  const type = c.signatureType as SignatureType;
  if (!["APPROVED_HASH", "EOA", "ETH_SIGN"].includes(type)) {
    throw new SignatureError(`Unknown signature type ${c.signatureType} for owner ${owner}.`);
  }
  return { type, owner, signature: hexlify(getBytes(c.signature).subarray(0, STATIC)) };
}

/**
 * Encodes parts into the blob execTransaction takes: static parts sorted by owner, then each contract signature's
 * `{length}{data}` with its static part's s pointing at it.
 */
export function encodeSignatures(parts: SignaturePart[]): string {
  const sorted = [...parts].sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : 1));
  let offset = sorted.length * STATIC;
  const statics: string[] = [];
  const dynamics: string[] = [];
  for (const part of sorted) {
    if (part.type === "CONTRACT_SIGNATURE") {
      const data = part.data ?? "0x";
      statics.push(concat([zeroPadValue(part.owner, 32), toBeHex(offset, 32), "0x00"]));
      const dynamic = concat([toBeHex(getBytes(data).length, 32), data]);
      dynamics.push(dynamic);
      offset += getBytes(dynamic).length;
    } else {
      statics.push(part.signature);
    }
  }
  return hexlify(concat([...statics, ...dynamics]));
}
