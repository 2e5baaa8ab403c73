import { getAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { openRehearsalChain, type RehearsalChain } from "../rehearsal/chain";
import type { Check } from "../rehearsal/invariants";
import { pendingInOrder } from "../rehearsal/pending";
import { rehearse, type RehearsalInput, type RehearsalReport } from "../rehearsal/rehearse";
import { apiKit } from "../safe/kit";
import { safeTxOf } from "../safe/prevalidated";
import { readSafeState } from "../safe/state";
import type { OwnerSigner } from "../signer";
import type { SafeTxLike } from "../summary/decode";
import { proposeTransaction, type Approve, type Proposed } from "../safe/workflow";
import { guardQueueInterface } from "../abi";

/**
 * Upgrades are proposed only after a rehearsal: the Safe's pending proposals, then the upgrade's own transactions at
 * the nonces they will take, run on a fork in order; only when every invariant and the upgrade's own checks hold are
 * the transactions proposed, each as it was rehearsed.
 */

export interface UpgradePlan {
  safe: string;
  /** One proposal each, in order. Calls the guard delays are given already wrapped (queueWrapped). */
  transactions: SafeTxLike[];
  origin: string;
  /** The upgrade's own checks, on the chain after the last transaction. */
  checks(chain: RehearsalChain, report: RehearsalReport): Promise<Check[]>;
}

/** The Safe's call queueing `tx` in its TreasuryGuard `guard` (what runs after the delay is `tx`). */
export function queueWrapped(guard: string, tx: SafeTxLike): SafeTxLike {
  return {
    to: getAddress(guard),
    value: 0n,
    data: guardQueueInterface.encodeFunctionData("queue", [tx.to, tx.value, tx.data, tx.operation]),
    operation: 0,
  };
}

export async function rehearsePlan(
  hre: HardhatRuntimeEnvironment,
  plan: UpgradePlan,
  blockNumber?: number,
): Promise<{ report: RehearsalReport; nonces: number[] }> {
  const api = await apiKit(hre);
  const chain = await openRehearsalChain(hre, { blockNumber });
  try {
    const { nonce } = await readSafeState(chain.provider, plan.safe);
    const pending = await pendingInOrder(api, plan.safe, nonce);
    const first = nonce + BigInt(pending.inputs.length);
    const own: RehearsalInput[] = plan.transactions.map((tx, i) => ({
      tx: safeTxOf(tx, first + BigInt(i)),
      origin: plan.origin,
    }));
    const report = await rehearse(hre, chain, plan.safe, [...pending.inputs, ...own], {
      later: pending.inputs.map((p) => ({ safeTxHash: p.safeTxHash!, tx: p.tx })),
      skipped: pending.skipped,
    });
    report.checks.push(...(await plan.checks(chain, report)));
    report.ok = report.ok && report.checks.every((c) => c.ok);
    return { report, nonces: own.map((o) => Number(o.tx.nonce)) };
  } finally {
    await chain.close();
  }
}

/**
 * Rehearses `plan`; when it passes, proposes its transactions at the rehearsed nonces (each through the one propose
 * path, so each signer still sees the summary). Nothing is proposed when the rehearsal fails.
 */
export async function rehearseThenPropose(
  hre: HardhatRuntimeEnvironment,
  plan: UpgradePlan,
  options: { signer: OwnerSigner; blockNumber?: number },
  approve: Approve,
): Promise<{ report: RehearsalReport; proposed: Proposed[] }> {
  const { report, nonces } = await rehearsePlan(hre, plan, options.blockNumber);
  const proposed: Proposed[] = [];
  if (!report.ok) return { report, proposed };
  for (const [i, tx] of plan.transactions.entries()) {
    proposed.push(
      await proposeTransaction(
        hre,
        {
          safe: plan.safe,
          transactions: [{ to: tx.to, value: tx.value.toString(), data: tx.data, operation: tx.operation }],
          signer: options.signer,
          nonce: nonces[i],
          origin: plan.origin,
        },
        approve,
      ),
    );
  }
  return { report, proposed };
}
