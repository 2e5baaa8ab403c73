import { getAddress, ZeroAddress, ZeroHash } from "ethers";
import type { EventLog, Provider } from "ethers";

import { isoTime, formatDuration, keyValues, table } from "../../format";
import { readSafeState } from "../../safe/state";
import { RECOVERY_STATES, recoveryContract, type RecoveryStateName } from "./contract";
import { recoveryModuleInterface } from "../../abi";

/** A Safe's recovery as the chain has it now, and its human layout (the --json form is the object). */

export interface ProposalStatus {
  recoveryHash: string;
  /** Undefined when the approvals came through a contract the status cannot decode. */
  newOwners?: string[];
  newThreshold?: number;
  approvals: number;
  approvedBy: string[];
}

export interface PendingStatus {
  recoveryHash: string;
  newOwners?: string[];
  newThreshold?: number;
  approvals: number;
  initiatedAt: number;
  executableAt: number;
  /** Started under an inactivity period: an owner transaction or heartbeat cancels it. */
  inactivity: boolean;
}

export interface RecoveryStatus {
  module: string;
  safe: string;
  enabled: boolean;
  /** One word: not-enabled, disabled (no guardians), none, pending, ready or cancelled-by-activity. */
  state: RecoveryStateName | "not-enabled" | "disabled";
  owners: string[];
  ownerThreshold: number;
  guardians: string[];
  threshold: number;
  inactivityPeriod: number;
  recoveryDelay: number;
  nonce: bigint;
  activityRecorder: string;
  now: number;
  lastActivity: number;
  /** When guardians may start a recovery: last activity + inactivity period (null: any time, no period). */
  recoverableFrom: number | null;
  recoverableNow: boolean;
  pending?: PendingStatus;
  /** Proposals with approvals at the current nonce (from the module's events); undefined if the logs are unreadable. */
  proposals?: ProposalStatus[];
}

type Log = EventLog;
const after = (a: Log, b: Log) =>
  a.blockNumber > b.blockNumber || (a.blockNumber === b.blockNumber && a.index > b.index);

/** Owners and threshold of the approveRecovery* call that emitted `log` (when the guardian called the module itself). */
async function decodedProposal(
  provider: Provider,
  module: string,
  log: Log,
): Promise<{ newOwners: string[]; newThreshold: number } | undefined> {
  const tx = await provider.getTransaction(log.transactionHash);
  if (!tx || tx.to === null || getAddress(tx.to) !== getAddress(module)) return undefined;
  const parsed = recoveryModuleInterface.parseTransaction({ data: tx.data });
  if (!parsed || !parsed.name.startsWith("approveRecovery")) return undefined;
  return {
    newOwners: (parsed.args.newOwners as string[]).map((o) => getAddress(o)),
    newThreshold: Number(parsed.args.newThreshold),
  };
}

/** Everything about a Safe's recovery, read from the chain now. */
export async function readRecoveryStatus(provider: Provider, module: string, safe: string): Promise<RecoveryStatus> {
  const state = await readSafeState(provider, safe);
  const contract = recoveryContract(module, provider);
  const [cfg, guardians, recorder, lastActivity, pendingRaw, slot, block] = await Promise.all([
    contract.config(safe),
    contract.getGuardians(safe) as Promise<string[]>,
    contract.getActivityRecorder(safe) as Promise<string>,
    contract.lastActivity(safe) as Promise<bigint>,
    contract.pendingRecovery(safe),
    contract.recoveryState(safe) as Promise<bigint>,
    provider.getBlock("latest"),
  ]);
  const enabled = state.modules.includes(getAddress(module));
  const threshold = Number(cfg.threshold);
  const inactivityPeriod = Number(cfg.inactivityPeriod);
  const now = block!.timestamp;
  const last = Number(lastActivity);
  const recoverableFrom = inactivityPeriod === 0 ? null : last + inactivityPeriod;
  const slotState = RECOVERY_STATES[Number(slot)];
  const status: RecoveryStatus = {
    module: getAddress(module),
    safe: getAddress(safe),
    enabled,
    state: !enabled ? "not-enabled" : threshold === 0 ? "disabled" : slotState,
    owners: state.owners,
    ownerThreshold: state.threshold,
    guardians: guardians.map((g) => getAddress(g)),
    threshold,
    inactivityPeriod,
    recoveryDelay: Number(cfg.recoveryDelay),
    nonce: cfg.nonce as bigint,
    activityRecorder: getAddress(recorder),
    now,
    lastActivity: last,
    recoverableFrom,
    recoverableNow: enabled && threshold > 0 && (recoverableFrom === null || now >= recoverableFrom),
  };

  let initiated: Log[] | undefined;
  try {
    const [nonceChanges, approvals] = (await Promise.all([
      contract.queryFilter(contract.filters.NonceChanged(safe)),
      contract.queryFilter(contract.filters.RecoveryApproved(safe)),
    ])) as [Log[], Log[]];
    const since = nonceChanges.at(-1);
    const current = approvals.filter((l) => !since || after(l, since));
    const byHash = new Map<string, Log[]>();
    for (const l of current) byHash.set(l.args.recoveryHash, [...(byHash.get(l.args.recoveryHash) ?? []), l]);
    status.proposals = await Promise.all(
      [...byHash.entries()].map(async ([recoveryHash, logs]) => ({
        recoveryHash,
        ...(await decodedProposal(provider, module, logs[0])),
        approvals: Number(await contract.approvalCount(safe, recoveryHash)),
        approvedBy: logs.map((l) => getAddress(l.args.guardian)),
      })),
    );
    if (pendingRaw.recoveryHash !== ZeroHash) {
      initiated = (await contract.queryFilter(
        contract.filters.RecoveryInitiated(safe, pendingRaw.recoveryHash),
      )) as Log[];
    }
  } catch {
    // A node that refuses log queries over the whole chain: the status goes without the proposals' history.
  }
  if (pendingRaw.recoveryHash !== ZeroHash) {
    const event = initiated?.at(-1);
    status.pending = {
      recoveryHash: pendingRaw.recoveryHash,
      ...(event
        ? {
            newOwners: (event.args.newOwners as string[]).map((o) => getAddress(o)),
            newThreshold: Number(event.args.newThreshold),
          }
        : {}),
      approvals: Number(await contract.approvalCount(safe, pendingRaw.recoveryHash)),
      initiatedAt: Number(pendingRaw.initiatedAt),
      executableAt: Number(pendingRaw.executableAt),
      inactivity: pendingRaw.inactivity as boolean,
    };
  }
  return status;
}

/** The status as "key: value" lines and a table of the proposals with approvals (the --json form is the object). */
export function formatRecoveryStatus(s: RecoveryStatus): string {
  const owners = (o?: string[], t?: number) => (o ? `${o.join(", ")} (threshold ${t})` : "(not in the logs)");
  const entries: [string, unknown][] = [
    ["safe", s.safe],
    ["module", `${s.module}${s.enabled ? "" : " (not enabled on this Safe)"}`],
    ["state", s.state],
    ["owners now", owners(s.owners, s.ownerThreshold)],
    ["guardians", s.guardians.length ? s.guardians.join(", ") : "none"],
    ["guardian threshold", `${s.threshold} of ${s.guardians.length}`],
    [
      "inactivity period",
      s.inactivityPeriod === 0 ? "none (guardians may recover at any time)" : formatDuration(s.inactivityPeriod),
    ],
    ["recovery delay", formatDuration(s.recoveryDelay)],
    ["activity recorder", s.activityRecorder === ZeroAddress ? "none" : s.activityRecorder],
    ["proposal nonce", s.nonce],
    ["last activity", isoTime(s.lastActivity)],
    [
      "recoverable",
      `${s.recoverableNow ? "yes, now" : "no"}` +
        (s.recoverableFrom === null ? "" : ` (inactive from ${isoTime(s.recoverableFrom)})`),
    ],
  ];
  if (s.pending) {
    const p = s.pending;
    entries.push(
      ["pending recovery", p.recoveryHash],
      ["  new owners", owners(p.newOwners, p.newThreshold)],
      ["  approvals", `${p.approvals} of ${s.threshold}`],
      ["  initiated", isoTime(p.initiatedAt)],
      [
        "  finalize from",
        `${isoTime(p.executableAt)}${s.state === "ready" ? " (now: recovery:finalize)" : ""}` +
          (p.inactivity ? "; any owner transaction or heartbeat cancels it" : ""),
      ],
    );
  }
  const lines = [keyValues(entries)];
  if (s.proposals && s.proposals.length > 0) {
    lines.push(
      "",
      "Proposals approved at the current nonce:",
      table(
        s.proposals.map((p) => ({
          "new owners": p.newOwners ? p.newOwners.join(", ") : "(approved through a contract)",
          threshold: p.newThreshold ?? "?",
          approvals: `${p.approvals} of ${s.threshold}`,
          "approved by": p.approvedBy.join(", "),
        })),
      ),
    );
  }
  return lines.join("\n");
}
