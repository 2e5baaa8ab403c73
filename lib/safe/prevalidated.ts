import { Contract, ZeroAddress, zeroPadValue } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";

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
 * Returns the execTransaction response, so reverts can be asserted with the chai matchers.
 */
export async function execSafeTx(
  safeAddress: string,
  input: SafeTxInput,
  owners: Signer[],
  executor?: Signer,
): Promise<ContractTransactionResponse> {
  const safe = new Contract(safeAddress, safeInterface("1.5.0"), owners[0]);
  const tx = {
    to: input.to,
    value: input.value ?? 0n,
    data: input.data ?? "0x",
    operation: input.operation ?? 0,
    safeTxGas: input.safeTxGas ?? 0n,
    baseGas: input.baseGas ?? 0n,
    gasPrice: input.gasPrice ?? 0n,
    gasToken: input.gasToken ?? ZeroAddress,
    refundReceiver: input.refundReceiver ?? ZeroAddress,
  };
  const sender = executor ?? owners[0];
  const senderAddress = await sender.getAddress();
  const nonce: bigint = await safe.nonce();
  // The SafeTx fields in Safe's parameter order, shared by getTransactionHash and execTransaction.
  const fields = [
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
  ] as const;
  const hash: string = await safe.getTransactionHash(...fields, nonce);
  const addresses = await Promise.all(owners.map((o) => o.getAddress()));
  for (const [i, owner] of owners.entries()) {
    if (addresses[i].toLowerCase() !== senderAddress.toLowerCase()) {
      await (await (safe.connect(owner) as Contract).approveHash(hash)).wait();
    }
  }
  const signatures =
    "0x" +
    [...addresses]
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      .map((a) => zeroPadValue(a, 32).slice(2) + "0".repeat(64) + "01")
      .join("");
  return (safe.connect(sender) as Contract).execTransaction(...fields, signatures);
}
