import { getAddress } from "ethers";
import type { Interface, Log, Provider, TransactionReceipt } from "ethers";

import { explainRevert } from "../revert";
import { safeInterface } from "../safe/create";
import { prevalidatedSignatures, safeTxFields } from "../safe/prevalidated";
import type { SafeTxFields } from "../summary/types";
import type { RehearsalChain } from "./chain";
import { guardQueueInterface, treasuryGuardErrors, treasuryGuardQueueEvents } from "../abi";

/** How one Safe transaction ran on the rehearsal chain. */
export interface Execution {
  /** The hash the Safe itself computes for the transaction (getTransactionHash), before it ran. */
  safeTxHash: string;
  success: boolean;
  /** The decoded revert, the Safe's ExecutionFailure, or why it could not be run. */
  error?: string;
  /** Gas of execTransaction, plus guard.execute when it went through the queue. */
  gasUsed: bigint;
  logs: Log[];
  /** The Safe's refund to the relayer (ExecutionSuccess payment), in the transaction's gas token. */
  payment: bigint;
  /** Set when the Safe transaction queued its call in the TreasuryGuard and the rehearsal then ran it. */
  queue?: { guard: string; id: number; waited: number };
}

const safe150 = safeInterface("1.5.0");

/** The Safe transaction hash as the Safe computes it on `provider` (its own domain: address and chain id). */
export async function onChainSafeTxHash(provider: Provider, safe: string, tx: SafeTxFields): Promise<string> {
  const data = safe150.encodeFunctionData("getTransactionHash", [...safeTxFields(tx), tx.nonce]);
  return (
    safe150.decodeFunctionResult("getTransactionHash", await provider.call({ to: safe, data })) as unknown as [string]
  )[0];
}

/**
 * Makes `tx` executable without real signatures (the threshold's owners approve its hash on chain; the first sends
 * it with Safe's pre-validated signatures) and executes it. A call the Safe queues in its TreasuryGuard is then run
 * as it would be: the clock moves past its delay and `guard.execute` sends it, so the report covers what it does.
 */
export async function executeOnChain(
  chain: RehearsalChain,
  safe: string,
  tx: SafeTxFields,
  owners: string[],
  decoders: Interface[],
): Promise<Execution> {
  const fields = safeTxFields(tx);
  const hash = await onChainSafeTxHash(chain.provider, safe, tx);
  const result: Execution = { safeTxHash: hash, success: false, gasUsed: 0n, logs: [], payment: 0n };
  const [nonce] = safe150.decodeFunctionResult(
    "nonce",
    await chain.provider.call({ to: safe, data: safe150.encodeFunctionData("nonce") }),
  ) as unknown as [bigint];
  if (nonce !== tx.nonce) {
    return { ...result, error: `its nonce is ${tx.nonce} but the Safe is at nonce ${nonce}` };
  }
  let receipt: TransactionReceipt;
  try {
    for (const owner of owners.slice(1)) {
      await chain.send(owner, { to: safe, data: safe150.encodeFunctionData("approveHash", [hash]) });
    }
    receipt = await chain.send(owners[0], {
      to: safe,
      data: safe150.encodeFunctionData("execTransaction", [...fields, prevalidatedSignatures(owners)]),
    });
  } catch (error) {
    return { ...result, error: explainRevert(error, decoders) };
  }
  result.gasUsed = receipt.gasUsed;
  result.logs.push(...receipt.logs);
  const ours = receipt.logs.filter((l) => getAddress(l.address) === getAddress(safe));
  const outcome = ours.map((l) => safe150.parseLog(l)).find((p) => p?.name.startsWith("Execution"));
  if (outcome?.name === "ExecutionFailure") {
    return { ...result, error: "the Safe's call failed (ExecutionFailure): nothing it did took effect" };
  }
  result.payment = outcome ? (outcome.args.payment as bigint) : 0n;

  const queued = receipt.logs
    .filter((l) => getAddress(l.address) === getAddress(tx.to))
    .map((l) => ({ log: l, parsed: tryParse(l) }))
    .find((q) => q.parsed?.name === "TransactionQueued" && getAddress(q.parsed.args.safe) === getAddress(safe));
  if (queued) {
    const id = Number(queued.parsed!.args.id);
    const eta = Number(queued.parsed!.args.eta);
    const waited = Math.max(0, eta - (await chain.now()) + 1);
    await chain.wait(waited);
    result.queue = { guard: getAddress(tx.to), id, waited };
    try {
      const run = await chain.send(owners[0], {
        to: tx.to,
        data: guardQueueInterface.encodeFunctionData("execute", [safe, id]),
      });
      result.gasUsed += run.gasUsed;
      result.logs.push(...run.logs);
    } catch (error) {
      return {
        ...result,
        error: `queue item ${id} did not run: ${explainRevert(error, [treasuryGuardErrors, ...decoders])}`,
      };
    }
  }
  return { ...result, success: true };
}

function tryParse(log: Log) {
  try {
    return treasuryGuardQueueEvents.parseLog(log);
  } catch {
    return null;
  }
}
