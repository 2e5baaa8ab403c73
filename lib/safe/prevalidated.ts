import { Contract, ZeroAddress, zeroPadValue } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";

import type { SafeTxFields } from "../summary/types";
import { safeInterface } from "./create";

/**
 * Execution with Safe's pre-validated (approved-hash) signatures: for tests, benchmarks and rehearsals where the
 * owners are local signers. People sign EIP-712 through lib/safe/transactions.ts instead.
 */

export interface SafeTxInput {
  to: string;
  value?: bigint;
  data?: string;
  /** 0 = CALL, 1 = DELEGATECALL */
  operation?: number;
  safeTxGas?: bigint;
  baseGas?: bigint;
  gasPrice?: bigint;
  gasToken?: string;
  refundReceiver?: string;
}

/**
 * Executes a Safe transaction signed by `owners` using Safe's pre-validated signatures: the executor signs by
 * sending, the other owners by approveHash. No EIP-712 types are re-declared: the Safe computes the hash.
 * Returns the execTransaction response, so reverts can be asserted with the chai matchers. `nonce` defaults to the
 * Safe's current one; `overrides` go to execTransaction (e.g. a gas limit).
 */
export async function execSafeTx(
  safeAddress: string,
  input: SafeTxInput,
  owners: Signer[],
  executor?: Signer,
  options: { nonce?: bigint; overrides?: { gasLimit?: bigint } } = {},
): Promise<ContractTransactionResponse> {
  const safe = new Contract(safeAddress, safeInterface("1.5.0"), owners[0]);
  const fields = safeTxFields(input);
  const sender = executor ?? owners[0];
  const senderAddress = await sender.getAddress();
  const nonce: bigint = options.nonce ?? (await safe.nonce());
  const hash: string = await safe.getTransactionHash(...fields, nonce);
  const addresses = await Promise.all(owners.map((o) => o.getAddress()));
  for (const [i, owner] of owners.entries()) {
    if (addresses[i].toLowerCase() !== senderAddress.toLowerCase()) {
      await (await (safe.connect(owner) as Contract).approveHash(hash)).wait();
    }
  }
  return (safe.connect(sender) as Contract).execTransaction(
    ...fields,
    prevalidatedSignatures(addresses),
    options.overrides ?? {},
  );
}

/** The SafeTx fields in Safe's parameter order, shared by getTransactionHash and execTransaction (no nonce). */
export function safeTxFields(input: SafeTxInput) {
  return [
    input.to,
    input.value ?? 0n,
    input.data ?? "0x",
    input.operation ?? 0,
    input.safeTxGas ?? 0n,
    input.baseGas ?? 0n,
    input.gasPrice ?? 0n,
    input.gasToken ?? ZeroAddress,
    input.refundReceiver ?? ZeroAddress,
  ] as const;
}

/** Safe's pre-validated signatures (r = owner, s = 0, v = 1) of `owners`, sorted as Safe requires. */
export function prevalidatedSignatures(owners: string[]): string {
  return (
    "0x" +
    [...owners]
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      .map((a) => zeroPadValue(a, 32).slice(2) + "0".repeat(64) + "01")
      .join("")
  );
}

/** A SafeTx with every field not given at its default (a plain CALL, no refund), at `nonce`. */
export function safeTxOf(input: SafeTxInput, nonce: bigint): SafeTxFields {
  const [to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver] = safeTxFields(input);
  return { to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce };
}
