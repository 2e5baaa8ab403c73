import type Safe from "@safe-global/protocol-kit";
import type { MetaTransactionData, SafeTransaction } from "@safe-global/types-kit";
import { Contract, Wallet } from "ethers";
import type { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { explainRevert } from "../revert";
import { decodeLog } from "../summary/simulate";
import { safeInterface } from "./create";
import { protocolKit } from "./kit";
import { tokenEvents, treasuryGuardQueueEvents } from "../abi";

/**
 * The single propose -> sign -> execute path. protocol-kit builds, hashes and signs (EIP-712); nothing here
 * re-declares SafeTx types.
 */

export interface SignedSafeTransaction {
  safeTx: SafeTransaction;
  safeTxHash: string;
  signers: string[];
}

/** Builds a Safe transaction at the Safe's current nonce (batches go through MultiSendCallOnly). */
export async function buildSafeTransaction(kit: Safe, transactions: MetaTransactionData[]): Promise<SafeTransaction> {
  if (transactions.length === 0) throw new UserError("Nothing to propose: give at least one transaction.");
  return kit.createTransaction({ transactions, onlyCalls: true });
}

/** Adds each owner's EIP-712 signature; refuses signers who are not owners before anyone signs. */
export async function signByOwners(
  hre: HardhatRuntimeEnvironment,
  safeAddress: string,
  safeTx: SafeTransaction,
  owners: string[],
): Promise<SignedSafeTransaction> {
  const base = await protocolKit(hre, safeAddress);
  const current = (await base.getOwners()).map((o) => o.toLowerCase());
  const strangers = owners.filter((o) => !current.includes(o.toLowerCase()));
  if (strangers.length > 0) {
    throw new UserError(
      `Not owners of Safe ${safeAddress}: ${strangers.join(", ")}. Owners are ${current.join(", ")}.`,
    );
  }
  let signed = safeTx;
  for (const owner of owners) {
    const kit = await base.connect({ signer: owner });
    signed = await kit.signTransaction(signed);
  }
  return { safeTx: signed, safeTxHash: await base.getTransactionHash(signed), signers: owners };
}

export interface ExecutionResult {
  hash: string;
  gasUsed: bigint;
  success: boolean;
  events: ReturnType<typeof decodeLog>[];
}

/**
 * Executes once the threshold is met; refuses (without sending) when it is not, and when an eth_call of the same
 * execTransaction from the executor reverts (the guard's custom errors, Safe's GSxxx codes and token errors in words).
 */
export async function executeSigned(
  hre: HardhatRuntimeEnvironment,
  safeAddress: string,
  safeTx: SafeTransaction,
  executor: string,
): Promise<ExecutionResult> {
  const kit = await protocolKit(hre, safeAddress, { signer: executor });
  const threshold = await kit.getThreshold();
  if (safeTx.signatures.size < threshold) {
    throw new UserError(
      `Safe ${safeAddress} needs ${threshold} signatures, this transaction has ${safeTx.signatures.size}: ` +
        "collect more confirmations before executing.",
    );
  }
  const nonce = await kit.getNonce();
  if (safeTx.data.nonce !== nonce) {
    throw new UserError(
      `Stale transaction: it was signed for nonce ${safeTx.data.nonce} but the Safe is at nonce ${nonce}.`,
    );
  }
  const decoders = [safeInterface("1.5.0"), treasuryGuardQueueEvents, tokenEvents];
  await preflight(hre, safeAddress, safeTx, executor, decoders);
  const result = await kit.executeTransaction(safeTx);
  const receipt = await (await hre.ethers.provider.getTransaction(result.hash))?.wait();
  if (!receipt) throw new Error(`Execution transaction ${result.hash} has no receipt.`);
  const success = receipt.logs.some(
    (log) =>
      log.address.toLowerCase() === safeAddress.toLowerCase() &&
      log.topics[0] === hre.ethers.id("ExecutionSuccess(bytes32,uint256)"),
  );
  const events = receipt.logs.map((log) => decodeLog(log, decoders));
  return { hash: result.hash, gasUsed: receipt.gasUsed, success, events };
}

async function preflight(
  hre: HardhatRuntimeEnvironment,
  safeAddress: string,
  safeTx: SafeTransaction,
  executor: string,
  decoders: Interface[],
): Promise<void> {
  const d = safeTx.data;
  const safe = new Contract(safeAddress, safeInterface("1.5.0"), hre.ethers.provider);
  try {
    await safe.execTransaction.staticCall(
      d.to,
      d.value,
      d.data,
      d.operation,
      d.safeTxGas,
      d.baseGas,
      d.gasPrice,
      d.gasToken,
      d.refundReceiver,
      safeTx.encodedSignatures(),
      // The executor is an address (an unlocked or Ledger account) or, for PRIVATE_KEY/MNEMONIC, the key itself.
      { from: /^0x[0-9a-fA-F]{64}$/.test(executor) ? new Wallet(executor).address : executor },
    );
  } catch (error) {
    throw new UserError(
      `Not sent: executing it now would revert (${explainRevert(error, decoders)}). Nothing changed on chain.`,
    );
  }
}
