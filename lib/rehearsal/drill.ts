import { getAddress, Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { formatDuration } from "../format";
import {
  approveRecovery,
  finalizeRecovery,
  initiateRecovery,
  readRecoveryStatus,
  recoveryHash,
  recoveryProposal,
} from "../modules/recovery";
import { safeTxOf } from "../safe/prevalidated";
import { readSafeState } from "../safe/state";
import { openRehearsalChain, type RehearsalChain } from "./chain";
import { executeOnChain } from "./execute";

/** A drill's record: each step with what it showed, and the outcome a team files (markdown, or --json). */
export interface DrillReport {
  drill: "keyloss" | "signing";
  safe: string;
  chainId: bigint;
  mode: RehearsalChain["mode"];
  block: number;
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  outcome: Record<string, unknown>;
}

export function formatDrill(r: DrillReport, title: string): string {
  const lines = [
    `# ${title}: ${r.ok ? "PASSED" : "FAILED"}`,
    "",
    `- Safe: ${r.safe}`,
    `- Chain: ${r.chainId}, ${r.mode === "fork" ? "in-process fork" : "snapshot of the in-process chain"} from block ${r.block}`,
    "",
    "## Steps",
    "",
    ...r.steps.map((s) => `- [${s.ok ? "x" : " "}] ${s.name}: ${s.detail}`),
    "",
    "## Outcome",
    "",
    ...Object.entries(r.outcome).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`),
  ];
  return lines.join("\n") + "\n";
}

const noop = new Interface([]);

/** A zero-value Safe transaction to itself (Safe{Wallet}'s rejection shape) run by `owners` on the drill chain. */
async function ownersTransact(chain: RehearsalChain, safe: string, owners: string[]) {
  const { nonce } = await readSafeState(chain.provider, safe);
  return executeOnChain(chain, safe, safeTxOf({ to: safe }, nonce), owners, [noop]);
}

export interface KeyLossOptions {
  safe: string;
  lost: string[];
  /** Owners and threshold the guardians restore (default: the owners that remain, at the old threshold or fewer). */
  newOwners?: string[];
  newThreshold?: number;
  /** The RecoveryModule (default: the guard's recovery module, else the toolkit's). */
  module: string;
  blockNumber?: number;
}

/**
 * `drill:keyloss`: on a fork, proves whether the owners left after losing `lost` still reach the threshold and run
 * a transaction; if not, walks the guardian recovery with impersonated guardians (approvals, the inactivity wait,
 * the delay, finalize) and proves the restored owners transact. Reports what it took.
 */
export async function keyLossDrill(hre: HardhatRuntimeEnvironment, options: KeyLossOptions): Promise<DrillReport> {
  const chain = await openRehearsalChain(hre, { blockNumber: options.blockNumber });
  try {
    const { provider } = chain;
    const block = await provider.getBlockNumber();
    const state = await readSafeState(provider, options.safe);
    const lost = options.lost.map((a) => getAddress(a));
    const strangers = lost.filter((a) => !state.owners.includes(a));
    if (strangers.length > 0) throw new UserError(`--lost ${strangers.join(", ")}: not an owner of ${state.address}.`);
    const remaining = state.owners.filter((o) => !lost.includes(o));
    const report: DrillReport = {
      drill: "keyloss",
      safe: state.address,
      chainId: chain.chainId,
      mode: chain.mode,
      block,
      ok: false,
      steps: [],
      outcome: {},
    };
    const step = (name: string, ok: boolean, detail: string) => report.steps.push({ name, ok, detail });
    step(
      "lost-keys",
      true,
      `${lost.length} of ${state.owners.length} owners lost; ${remaining.length} remain, threshold ${state.threshold}`,
    );

    if (remaining.length >= state.threshold) {
      const run = await ownersTransact(chain, state.address, remaining.slice(0, state.threshold));
      step("owners-transact", run.success, run.success ? "the remaining owners executed a transaction" : run.error!);
      report.ok = run.success;
      report.outcome = { needsGuardians: false, ownersAfter: state.owners, thresholdAfter: state.threshold };
      return report;
    }
    step(
      "threshold-reachable",
      true,
      `no: ${remaining.length} owner(s) cannot reach ${state.threshold}: guardians needed`,
    );

    const module = getAddress(options.module);
    const status = await readRecoveryStatus(provider, module, state.address);
    if (!status.enabled || status.threshold === 0) {
      step(
        "recovery-configured",
        false,
        `the RecoveryModule ${module} is ${status.state} for this Safe: the Safe is lost`,
      );
      report.outcome = { needsGuardians: true, recoverable: false };
      return report;
    }
    const newOwners = (options.newOwners ?? remaining).map((o) => getAddress(o));
    if (newOwners.length === 0)
      throw new UserError("No owner remains: give --new-owners (and --threshold) to restore.");
    const newThreshold = options.newThreshold ?? Math.min(state.threshold, newOwners.length);
    const proposal = await recoveryProposal(provider, module, state.address, { newOwners, newThreshold });
    const hash = recoveryHash(module, chain.chainId, proposal);
    const guardians = status.guardians.slice(0, status.threshold);
    for (const guardian of guardians) {
      await approveRecovery(provider, module, chain.chainId, await chain.impersonate(guardian), proposal, hash);
    }
    step("guardian-approvals", true, `${guardians.length} of ${status.guardians.length} guardians approved ${hash}`);

    const start = await chain.now();
    const inactiveWait = status.recoverableFrom === null ? 0 : Math.max(0, status.recoverableFrom - start + 1);
    if (inactiveWait > 0) await chain.wait(inactiveWait);
    step(
      "inactivity-wait",
      true,
      status.recoverableFrom === null
        ? "none (social recovery: no inactivity period)"
        : `${formatDuration(inactiveWait)} until the Safe counts as inactive`,
    );
    const keeper = await chain.impersonate(guardians[0]);
    const { sent } = await initiateRecovery(provider, module, keeper, proposal);
    const delayWait = Math.max(0, sent.executableAt - (await chain.now()) + 1);
    await chain.wait(delayWait);
    step("recovery-delay", true, `${formatDuration(delayWait)} of recovery delay`);
    const finalized = await finalizeRecovery(provider, module, keeper, state.address, { newOwners, newThreshold });
    step("finalize", true, `owners now ${finalized.owners.join(", ")} (threshold ${finalized.threshold})`);

    const run = await ownersTransact(chain, state.address, finalized.owners.slice(0, finalized.threshold));
    step("new-owners-transact", run.success, run.success ? "the restored owners executed a transaction" : run.error!);
    report.ok = run.success;
    report.outcome = {
      needsGuardians: true,
      guardiansNeeded: status.threshold,
      guardians: status.guardians.length,
      waitedSeconds: inactiveWait + delayWait,
      waited: formatDuration(inactiveWait + delayWait),
      ownersAfter: finalized.owners,
      thresholdAfter: finalized.threshold,
    };
    return report;
  } finally {
    await chain.close();
  }
}
