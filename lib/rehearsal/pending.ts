import type SafeApiKit from "@safe-global/api-kit";
import type { SafeMultisigTransactionResponse } from "@safe-global/types-kit";

import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { apiKit } from "../safe/kit";
import { serviceRead } from "../safe/service";
import { readSafeState } from "../safe/state";
import { fieldsOf } from "../safe/workflow";
import { openRehearsalChain } from "./chain";
import type { Expectations } from "./expect";
import { rehearse, type RehearsalInput, type RehearsalReport } from "./rehearse";

/**
 * The Safe's pending proposals as they would run: one per nonce from the Safe's current one, with no gap. Where
 * several compete for a nonce, the one with the most confirmations (then the earliest) is rehearsed and the others
 * are reported as skipped; so is everything after a missing nonce, which cannot run until that nonce is used.
 */
export async function pendingInOrder(
  api: SafeApiKit,
  safe: string,
  currentNonce: bigint,
  upTo?: bigint,
): Promise<{ inputs: RehearsalInput[]; skipped: RehearsalReport["skipped"]; later: RehearsalInput[] }> {
  const pending = await serviceRead("list pending transactions", () =>
    api.getPendingTransactions(safe, { currentNonce: Number(currentNonce), limit: 100 }),
  );
  const byNonce = new Map<bigint, SafeMultisigTransactionResponse[]>();
  for (const tx of pending.results) {
    const nonce = BigInt(tx.nonce);
    if (nonce < currentNonce) continue;
    byNonce.set(nonce, [...(byNonce.get(nonce) ?? []), tx]);
  }
  const inputs: RehearsalInput[] = [];
  const later: RehearsalInput[] = [];
  const skipped: RehearsalReport["skipped"] = [];
  const nonces = [...byNonce.keys()].sort((a, b) => (a < b ? -1 : 1));
  let expected = currentNonce;
  for (const nonce of nonces) {
    const [chosen, ...others] = [...byNonce.get(nonce)!].sort(
      (a, b) =>
        (b.confirmations?.length ?? 0) - (a.confirmations?.length ?? 0) ||
        Date.parse(a.submissionDate) - Date.parse(b.submissionDate),
    );
    for (const o of others) {
      skipped.push({
        safeTxHash: o.safeTxHash,
        nonce: Number(nonce),
        reason: `${chosen.safeTxHash} has more confirmations at this nonce`,
      });
    }
    const input = { tx: fieldsOf(chosen), safeTxHash: chosen.safeTxHash, origin: "service" };
    if (nonce !== expected) {
      skipped.push({
        safeTxHash: chosen.safeTxHash,
        nonce: Number(nonce),
        reason: `nonce ${expected} has no proposal`,
      });
      continue;
    }
    if (upTo === undefined || nonce <= upTo) inputs.push(input);
    else later.push(input);
    expected = nonce + 1n;
  }
  if (upTo !== undefined && !inputs.some((i) => i.tx.nonce === upTo)) {
    throw new UserError(
      `No pending proposal at nonce ${upTo} can run: the Safe is at nonce ${currentNonce} and the proposals pending ` +
        `are at ${nonces.join(", ") || "no nonce"}.`,
    );
  }
  return { inputs, skipped, later };
}

export interface PendingSelection {
  /** Rehearse this proposal (and the pending ones before it, in order). */
  safeTxHash?: string;
  safe?: string;
  /** Rehearse the proposal at this nonce (and the ones before it). */
  nonce?: number;
  /** Rehearse every pending proposal, in nonce order. */
  all?: boolean;
  blockNumber?: number;
  expect?: Expectations;
}

/**
 * `safe:rehearse`: loads the pending proposals from the service (hosted or embedded), opens the rehearsal chain and
 * rehearses them in order; the chain is closed again before this returns.
 */
export async function rehearsePending(
  hre: HardhatRuntimeEnvironment,
  selection: PendingSelection,
): Promise<RehearsalReport> {
  const chosen = [selection.safeTxHash !== undefined, selection.nonce !== undefined, !!selection.all].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UserError("Say what to rehearse: a safeTxHash, or --safe with --nonce N, or --safe with --all-pending.");
  }
  const api = await apiKit(hre);
  let safe = selection.safe;
  let target: SafeMultisigTransactionResponse | undefined;
  if (selection.safeTxHash) {
    target = await serviceRead(`find ${selection.safeTxHash}`, () => api.getTransaction(selection.safeTxHash!));
    if (target.isExecuted)
      throw new UserError(`${selection.safeTxHash} was already executed in ${target.transactionHash}.`);
    safe = target.safe;
  }
  if (!safe) throw new UserError("--safe is required with --nonce and --all-pending.");
  const chain = await openRehearsalChain(hre, { blockNumber: selection.blockNumber });
  try {
    const current = (await readSafeState(chain.provider, safe)).nonce;
    const upTo = target ? BigInt(target.nonce) : selection.nonce !== undefined ? BigInt(selection.nonce) : undefined;
    if (upTo !== undefined && upTo < current) {
      throw new UserError(`Nonce ${upTo} is already used: the Safe is at nonce ${current} on the rehearsal chain.`);
    }
    const { inputs, skipped, later } = await pendingInOrder(api, safe, current, upTo);
    if (target) {
      // The named proposal, even where another one at its nonce has more confirmations.
      const at = inputs.findIndex((i) => i.tx.nonce === BigInt(target.nonce));
      if (inputs[at].safeTxHash !== target.safeTxHash) {
        skipped.push({
          safeTxHash: inputs[at].safeTxHash!,
          nonce: Number(target.nonce),
          reason: "another proposal at this nonce was named",
        });
        inputs[at] = { tx: fieldsOf(target), safeTxHash: target.safeTxHash, origin: "service" };
      }
    }
    if (inputs.length === 0)
      throw new UserError(`${safe} has no pending proposal at its nonce ${current}: nothing to rehearse.`);
    return await rehearse(hre, chain, safe, inputs, {
      expect: selection.expect,
      later: later.map((l) => ({ safeTxHash: l.safeTxHash!, tx: l.tx })),
      skipped,
    });
  } finally {
    await chain.close();
  }
}
