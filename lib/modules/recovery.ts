import { readFileSync } from "node:fs";

import { Contract, getAddress, isAddress, TypedDataEncoder, verifyTypedData, ZeroAddress, ZeroHash } from "ethers";
import type { EventLog, Provider, Signer, TypedDataDomain } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { keyValues, table } from "../format";
import { treasuryGuardInterface } from "../guard/install";
import { guardQueueInterface } from "../guard/queue";
import { explainRevert, revertData } from "../revert";
import type { SafeCall } from "../safe/install";
import { readSafeState } from "../safe/state";
import { toolkitAddress } from "../toolkit";
import { recoveryCalls, recoveryInterface, recoveryModuleInterface } from "./install";

/**
 * The RecoveryModule from the tasks' side: input checks, the Safe calls that configure or cancel (proposed through
 * the one propose path), the calls guardians and anyone send directly, the status reader and the EIP-712 approval
 * guardians sign. The module's rules are in IRecoveryModule and docs/modules.md; the bounds below mirror its
 * constants so bad input is refused before anything is signed.
 */

const DAY = 86_400;
export const RECOVERY_BOUNDS = {
  maxGuardians: 32,
  maxOwners: 32,
  minInactivityPeriod: DAY,
  maxInactivityPeriod: 3650 * DAY,
  minRecoveryDelay: 3600,
  maxRecoveryDelay: 365 * DAY,
} as const;

/** IRecoveryModule.RecoveryState, in enum order. */
export const RECOVERY_STATES = ["none", "pending", "ready", "cancelled-by-activity"] as const;
export type RecoveryStateName = (typeof RECOVERY_STATES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------------------------

/**
 * Comma-separated addresses from a task argument (checksummed, no duplicates), or a UserError naming the argument.
 * `none` is the empty list (no guardians: recovery disabled).
 */
export function addressListArg(value: string, name: string, allowNone = false): string[] {
  if (allowNone && value.trim().toLowerCase() === "none") return [];
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UserError(`--${name} is empty: give comma-separated addresses.`);
  const seen = new Set<string>();
  return items.map((item, i) => {
    if (!isAddress(item)) {
      throw new UserError(`--${name}: item ${i + 1} "${item}" is not an address (0x + 40 hex digits).`);
    }
    const address = getAddress(item);
    if (seen.has(address)) throw new UserError(`--${name} lists ${address} twice.`);
    seen.add(address);
    return address;
  });
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY };

/** Seconds from "3600", "90d", "12h", "30m" or "45s", or a UserError naming the argument. */
export function durationArg(value: string, name: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new UserError(`--${name} ${value} is not a duration: give seconds, or a number with s, m, h or d.`);
  return Number(match[1]) * UNITS[match[2] || "s"];
}

/** "90d", "7d 12h", "1h 30m", "45s": durations as people read them. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ["d", DAY],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

export const isoTime = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

/** Addresses in ascending order, as the module's proposals require (one canonical proposal per owner set). */
export function sortAddresses(addresses: string[]): string[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

export function checkGuardians(guardians: string[], threshold: number, safe: string): void {
  if (guardians.length > RECOVERY_BOUNDS.maxGuardians) {
    throw new UserError(`--guardians: at most ${RECOVERY_BOUNDS.maxGuardians} guardians, got ${guardians.length}.`);
  }
  if (guardians.includes(getAddress(safe))) throw new UserError(`--guardians: the Safe cannot be its own guardian.`);
  if (guardians.length === 0) {
    if (threshold !== 0) throw new UserError(`--threshold ${threshold}: with no guardians it must be 0.`);
    return;
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > guardians.length) {
    throw new UserError(
      `--threshold ${threshold}: must be between 1 and the number of guardians (${guardians.length}); ` +
        "to disable recovery, give --guardians none --threshold 0.",
    );
  }
}

export function checkPeriods(inactivityPeriod: number, recoveryDelay: number): void {
  const b = RECOVERY_BOUNDS;
  if (
    inactivityPeriod !== 0 &&
    (inactivityPeriod < b.minInactivityPeriod || inactivityPeriod > b.maxInactivityPeriod)
  ) {
    throw new UserError(
      `--inactivity ${formatDuration(inactivityPeriod)}: must be 0 (guardians may recover at any time) or ` +
        `${formatDuration(b.minInactivityPeriod)} .. ${formatDuration(b.maxInactivityPeriod)}.`,
    );
  }
  if (recoveryDelay < b.minRecoveryDelay || recoveryDelay > b.maxRecoveryDelay) {
    throw new UserError(
      `--delay ${formatDuration(recoveryDelay)}: must be ${formatDuration(b.minRecoveryDelay)} .. ` +
        `${formatDuration(b.maxRecoveryDelay)} (the owners' window to cancel a recovery).`,
    );
  }
}

/** A recovery proposal: the Safe's new owners (sorted) and threshold at the module's proposal nonce. */
export interface RecoveryProposal {
  safe: string;
  newOwners: string[];
  newThreshold: number;
  nonce: bigint;
}

/** The new owners (sorted ascending) and threshold from task arguments, checked as the module checks them. */
export function newOwnersArg(owners: string, threshold: number): { newOwners: string[]; newThreshold: number } {
  const newOwners = sortAddresses(addressListArg(owners, "owners"));
  if (newOwners.length > RECOVERY_BOUNDS.maxOwners) {
    throw new UserError(`--owners: at most ${RECOVERY_BOUNDS.maxOwners} owners, got ${newOwners.length}.`);
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > newOwners.length) {
    throw new UserError(
      `--threshold ${threshold}: the new threshold must be between 1 and the number of new owners (${newOwners.length}).`,
    );
  }
  return { newOwners, newThreshold: threshold };
}

// ---------------------------------------------------------------------------------------------------------------
// The module and its errors
// ---------------------------------------------------------------------------------------------------------------

/** The RecoveryModule to use: `given`, or the toolkit's singleton; a UserError if it has no code on this chain. */
export async function recoveryModuleAddress(hre: HardhatRuntimeEnvironment, given?: string): Promise<string> {
  if (given !== undefined && !isAddress(given)) {
    throw new UserError(`--module ${given} is not an address (0x + 40 hex digits).`);
  }
  const module = given ? getAddress(given) : await toolkitAddress(hre, "RecoveryModule");
  if ((await hre.ethers.provider.getCode(module)) === "0x") {
    throw new UserError(
      `No RecoveryModule at ${module} on this chain: pass --module, or deploy the toolkit (treasury:deploy).`,
    );
  }
  return module;
}

export function recoveryContract(module: string, runner: Provider | Signer): Contract {
  return new Contract(module, recoveryModuleInterface, runner);
}

/**
 * A sentence for a RecoveryModule revert, starting with the error's name; other reverts (the guard's errors, Safe's
 * GS codes) as lib/revert explains them. The module's errors are decoded first: NotSafeOwner shares its selector
 * with the guard's.
 */
export function explainRecoveryRevert(error: unknown): string {
  const data = revertData(error);
  let parsed;
  try {
    parsed = data ? recoveryModuleInterface.parseError(data) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || parsed.name === "Error" || parsed.name === "Panic") return explainRevert(error, []);
  const a = parsed.args;
  const sentence = ((): string => {
    switch (parsed.name) {
      case "RecoveryNotReady":
        return `the recovery of ${a.safe} can be finalized from ${isoTime(Number(a.executableAt))}: wait until then.`;
      case "NoPendingRecovery":
        return `${a.safe} has no recovery to finalize (state ${RECOVERY_STATES[Number(a.state)] ?? a.state}): initiate one first.`;
      case "NotGuardian":
        return `${a.account} is not a guardian of ${a.safe}.`;
      case "NotSafeOwner":
        return `${a.account} is not an owner of ${a.safe}: only owners can send a heartbeat.`;
      case "InvalidNonce":
        return `the proposal is for nonce ${a.nonce}, the current one is ${a.currentNonce}: approvals of other nonces are void, sign again.`;
      case "InvalidGuardianSignature":
        return `the signature of guardian ${a.guardian} is not valid for this proposal.`;
      case "AlreadyApproved":
        return `guardian ${a.guardian} already approved this recovery (${a.recoveryHash}).`;
      case "NotEnoughApprovals":
        return `the recovery has ${a.approvals} of the ${a.threshold} guardian approvals it needs.`;
      case "SafeNotInactive":
        return `the owners were last active at ${isoTime(Number(a.lastActivity))}; recovery can start from ${isoTime(Number(a.inactiveFrom))}.`;
      case "RecoveryAlreadyPending":
        return `this recovery is already pending: finalize it after its delay.`;
      case "RecoveryNotReplaceable":
        return `a recovery with ${a.pendingApprovals} approvals is pending; only one with more (this has ${a.approvals}) replaces it.`;
      case "RecoveryMismatch":
        return `these owners and threshold are not the pending recovery's (${a.pendingHash}).`;
      case "ModuleNotEnabled":
        return `${a.account} does not have the RecoveryModule enabled.`;
      case "OwnerCannotSign":
        return `${a.owner} is a contract of the Safe's own set-up (a module, guard or handler) and could never sign for it.`;
      case "InvalidOwner":
        return `${a.owner} cannot be an owner (zero, the sentinel or the Safe itself).`;
      case "InvalidThreshold":
        return `threshold ${a.threshold} must be between 1 and the number of owners (${a.ownerCount}).`;
      case "ModuleTransactionFailed":
        return `the Safe refused the module's owner change (${a.selector}): is the module still enabled and named as the guard's recovery module?`;
      default:
        return `${parsed.args.map(String).join(", ")}.`;
    }
  })();
  return `${parsed.name}: ${sentence}`;
}

export interface SentCall {
  transactionHash: string;
  from: string;
  gasUsed?: bigint;
}

type DirectMethod =
  "heartbeat" | "poke" | "approveRecovery" | "approveRecoveryWithSignatures" | "initiateRecovery" | "finalizeRecovery";

/** Sends one of the module's direct calls from `sender`; a revert becomes a UserError that names the module's error. */
export async function sendRecoveryCall(
  module: string,
  sender: Signer,
  method: DirectMethod,
  args: unknown[],
  what: string,
): Promise<SentCall> {
  const contract = recoveryContract(module, sender);
  try {
    const tx = await contract[method](...args);
    const receipt = await tx.wait();
    return { transactionHash: tx.hash, from: await sender.getAddress(), gasUsed: receipt?.gasUsed };
  } catch (error) {
    throw new UserError(`${what}: ${explainRecoveryRevert(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Safe calls (proposed through the one propose path)
// ---------------------------------------------------------------------------------------------------------------

/** The Safe's TreasuryGuard (if its guard is one) and the recovery module the guard lets change owners. */
async function treasuryGuardOf(
  provider: Provider,
  safe: string,
  guard: string,
): Promise<{ address: string; recoveryModule: string } | undefined> {
  if (guard === ZeroAddress) return undefined;
  try {
    const policy = await new Contract(guard, guardQueueInterface, provider).policy(safe);
    return { address: guard, recoveryModule: getAddress(policy.recoveryModule as string) };
  } catch {
    return undefined;
  }
}

export interface RecoveryConfigInput {
  guardians?: string[];
  threshold?: number;
  inactivityPeriod?: number;
  recoveryDelay?: number;
  /** The activity recorder (the TreasuryGuard); address(0) for none. */
  recorder?: string;
}

export interface RecoveryConfigPlan {
  calls: SafeCall[];
  /** The configuration once the calls ran. */
  next: Required<RecoveryConfigInput>;
  /** What changes, in words. */
  changes: string[];
}

/**
 * The Safe calls that give `safe` the configuration `input` asks for. A Safe without the module gets it enabled and
 * configured in one batch (and, with the TreasuryGuard, the guard learns it is the recovery module, whose
 * cancelRecovery stays instant), which needs every setting; a configured one gets only the setters of what changes
 * (a new guardian set voids collected approvals; new periods do not).
 */
export async function configurePlan(
  provider: Provider,
  module: string,
  safe: string,
  input: RecoveryConfigInput,
): Promise<RecoveryConfigPlan> {
  const state = await readSafeState(provider, safe);
  const contract = recoveryContract(module, provider);
  const enabled = state.modules.includes(getAddress(module));
  const [cfg, guardians, recorder] = await Promise.all([
    contract.config(safe),
    contract.getGuardians(safe) as Promise<string[]>,
    contract.getActivityRecorder(safe) as Promise<string>,
  ]);
  const guard = await treasuryGuardOf(provider, safe, state.guard);
  // The minimum recovery delay is 1 hour, so a delay of 0 means the Safe never configured the module.
  const configured = enabled && Number(cfg.recoveryDelay) !== 0;
  if (input.recorder !== undefined && input.recorder !== ZeroAddress && !isAddress(input.recorder)) {
    throw new UserError(`--recorder ${input.recorder} is not an address (0x + 40 hex digits).`);
  }
  if (!configured) {
    const missing = [
      input.guardians === undefined && "--guardians",
      input.threshold === undefined && "--threshold",
      input.recoveryDelay === undefined && "--delay",
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new UserError(
        `The RecoveryModule is not configured for ${safe} yet: give ${missing.join(", ")} (and --inactivity, 0 by default).`,
      );
    }
  }
  const next = {
    guardians: input.guardians ?? guardians.map((g) => getAddress(g)),
    threshold: input.threshold ?? Number(cfg.threshold),
    inactivityPeriod: input.inactivityPeriod ?? (configured ? Number(cfg.inactivityPeriod) : 0),
    recoveryDelay: input.recoveryDelay ?? Number(cfg.recoveryDelay),
    recorder: getAddress(input.recorder ?? (configured ? recorder : (guard?.address ?? ZeroAddress))),
  };
  checkGuardians(next.guardians, next.threshold, safe);
  checkPeriods(next.inactivityPeriod, next.recoveryDelay);

  const r = recoveryInterface;
  const describe = () => [
    `guardians ${next.guardians.join(", ") || "none"} (${next.threshold} of ${next.guardians.length} to recover)`,
    `inactivity period ${next.inactivityPeriod === 0 ? "none (recovery at any time)" : formatDuration(next.inactivityPeriod)}`,
    `recovery delay ${formatDuration(next.recoveryDelay)}`,
    `activity recorder ${next.recorder === ZeroAddress ? "none" : next.recorder}`,
  ];
  if (!configured) {
    const calls: SafeCall[] = enabled
      ? [
          {
            to: module,
            data: r.encodeFunctionData("configure", [
              next.guardians,
              next.threshold,
              next.inactivityPeriod,
              next.recoveryDelay,
              next.recorder,
            ]),
          },
        ]
      : recoveryCalls(module, next, next.recorder === ZeroAddress ? undefined : next.recorder);
    const changes = [enabled ? "configure the RecoveryModule" : "enable the RecoveryModule and configure it"];
    if (guard && guard.recoveryModule !== getAddress(module)) {
      // Without this the guard's module guard refuses the module's owner changes at finalization (Safe 1.5.0).
      const g = treasuryGuardInterface;
      calls.push(
        { to: guard.address, data: g.encodeFunctionData("setRecoveryModule", [module]) },
        {
          to: guard.address,
          data: g.encodeFunctionData("setTrustedSelector", [module, r.getFunction("cancelRecovery")!.selector, true]),
        },
      );
      changes.push(
        "name it the TreasuryGuard's recovery module (its cancelRecovery stays instant)" +
          (guard.recoveryModule === ZeroAddress ? "" : `, replacing ${guard.recoveryModule}`),
      );
    }
    return { calls, next, changes: [...changes, ...describe()] };
  }

  const calls: SafeCall[] = [];
  const changes: string[] = [];
  const sameSet = (a: string[], b: string[]) =>
    a.length === b.length && sortAddresses(a).every((x, i) => x === getAddress(sortAddresses(b)[i]));
  if (!sameSet(next.guardians, guardians) || next.threshold !== Number(cfg.threshold)) {
    calls.push({ to: module, data: r.encodeFunctionData("setGuardians", [next.guardians, next.threshold]) });
    changes.push("new guardians: every collected approval is void and a pending recovery is cancelled");
  }
  if (next.inactivityPeriod !== Number(cfg.inactivityPeriod) || next.recoveryDelay !== Number(cfg.recoveryDelay)) {
    calls.push({
      to: module,
      data: r.encodeFunctionData("setPeriods", [next.inactivityPeriod, next.recoveryDelay]),
    });
    changes.push("new periods (a pending recovery keeps the delay it started with)");
  }
  if (next.recorder !== getAddress(recorder)) {
    calls.push({ to: module, data: r.encodeFunctionData("setActivityRecorder", [next.recorder]) });
    changes.push("new activity recorder");
  }
  if (calls.length === 0) {
    throw new UserError(`Nothing to change: ${safe}'s recovery configuration is already ${describe().join("; ")}.`);
  }
  return { calls, next, changes: [...changes, ...describe()] };
}

/** The Safe's call that cancels its pending recovery and voids every approval (bumps the proposal nonce). */
export function cancelCalls(module: string): SafeCall[] {
  return [{ to: module, data: recoveryInterface.encodeFunctionData("cancelRecovery") }];
}

// ---------------------------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// EIP-712 approvals
// ---------------------------------------------------------------------------------------------------------------

/** RecoveryModule's EIP-712 `Recovery` (RECOVERY_TYPEHASH); `address[]` hashes as the module's encodePacked does. */
export const RECOVERY_TYPES = {
  Recovery: [
    { name: "safe", type: "address" },
    { name: "newOwners", type: "address[]" },
    { name: "newThreshold", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

export function recoveryDomain(module: string, chainId: bigint): TypedDataDomain {
  return { name: "RecoveryModule", version: "1", chainId, verifyingContract: getAddress(module) };
}

/** The digest guardians sign, as getRecoveryHash computes it. */
export function recoveryHash(module: string, chainId: bigint, proposal: RecoveryProposal): string {
  return TypedDataEncoder.hash(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal);
}

/** The typed data as any wallet's eth_signTypedData_v4 takes it (numbers as decimal strings). */
export function recoveryTypedData(module: string, chainId: bigint, proposal: RecoveryProposal) {
  return {
    domain: {
      name: "RecoveryModule",
      version: "1",
      chainId: chainId.toString(),
      verifyingContract: getAddress(module),
    },
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      ...RECOVERY_TYPES,
    },
    primaryType: "Recovery",
    message: {
      safe: proposal.safe,
      newOwners: proposal.newOwners,
      newThreshold: proposal.newThreshold.toString(),
      nonce: proposal.nonce.toString(),
    },
  };
}

/** A guardian's approval signature, as `recovery:approve --sign` writes it and `--signatures` reads it. */
export interface RecoveryApproval {
  module: string;
  chainId: string;
  safe: string;
  newOwners: string[];
  newThreshold: number;
  nonce: string;
  recoveryHash: string;
  guardian: string;
  signature: string;
  typedData: ReturnType<typeof recoveryTypedData>;
}

/** The guardian's EIP-712 signature of the proposal (checked against getRecoveryHash before it is handed out). */
export async function signRecoveryApproval(
  guardian: Signer,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
): Promise<RecoveryApproval> {
  const signature = await guardian.signTypedData(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal);
  return {
    module: getAddress(module),
    chainId: chainId.toString(),
    safe: proposal.safe,
    newOwners: proposal.newOwners,
    newThreshold: proposal.newThreshold,
    nonce: proposal.nonce.toString(),
    recoveryHash: recoveryHash(module, chainId, proposal),
    guardian: await guardian.getAddress(),
    signature,
    typedData: recoveryTypedData(module, chainId, proposal),
  };
}

export interface GuardianSignatureInput {
  guardian: string;
  signature: string;
  /** The hash a signature file says it signs (checked against the proposal's). */
  recoveryHash?: string;
  source: string;
}

/**
 * `--signatures`: comma-separated items, each `guardian:0xsignature` or the path of a file `recovery:approve --sign
 * --out` wrote.
 */
export function signaturesArg(value: string): GuardianSignatureInput[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UserError("--signatures is empty: give guardian:0xsignature items or files.");
  return items.map((item) => {
    const pair = /^(0x[0-9a-fA-F]{40}):(0x(?:[0-9a-fA-F]{2})+)$/.exec(item);
    if (pair) return { guardian: getAddress(pair[1]), signature: pair[2], source: item.slice(0, 12) + "…" };
    let parsed: Partial<RecoveryApproval>;
    try {
      parsed = JSON.parse(readFileSync(item, "utf8")) as Partial<RecoveryApproval>;
    } catch (error) {
      throw new UserError(
        `--signatures: "${item}" is neither guardian:0xsignature nor a readable approval file (${(error as Error).message}).`,
      );
    }
    if (!parsed.guardian || !isAddress(parsed.guardian) || !/^0x([0-9a-fA-F]{2})+$/.test(parsed.signature ?? "")) {
      throw new UserError(
        `--signatures: ${item} has no guardian and signature (write it with recovery:approve --sign).`,
      );
    }
    return {
      guardian: getAddress(parsed.guardian),
      signature: parsed.signature!,
      recoveryHash: parsed.recoveryHash,
      source: item,
    };
  });
}

/**
 * Refuses signatures that cannot count before anything is sent: a file for another proposal (owners, threshold or
 * nonce), a guardian twice, an EOA guardian whose signature recovers to someone else. Contract guardians (EIP-1271)
 * are left to the module.
 */
export async function checkSignatures(
  provider: Provider,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
  inputs: GuardianSignatureInput[],
): Promise<{ guardian: string; signature: string }[]> {
  const hash = recoveryHash(module, chainId, proposal);
  const seen = new Set<string>();
  for (const input of inputs) {
    if (input.recoveryHash !== undefined && input.recoveryHash.toLowerCase() !== hash.toLowerCase()) {
      throw new UserError(
        `--signatures: ${input.source} signs recovery ${input.recoveryHash}, not this one (${hash}): its owners, ` +
          "threshold or nonce differ (approvals of an older nonce are void: sign again).",
      );
    }
    if (seen.has(input.guardian)) throw new UserError(`--signatures: two signatures of ${input.guardian}.`);
    seen.add(input.guardian);
    if ((await provider.getCode(input.guardian)) === "0x") {
      let recovered: string;
      try {
        recovered = verifyTypedData(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal, input.signature);
      } catch {
        throw new UserError(`--signatures: the signature given for ${input.guardian} is not a valid ECDSA signature.`);
      }
      if (recovered !== input.guardian) {
        throw new UserError(
          `--signatures: the signature given for ${input.guardian} was made by ${recovered}, for other data or by another key.`,
        );
      }
    }
  }
  return inputs.map(({ guardian, signature }) => ({ guardian, signature }));
}

// ---------------------------------------------------------------------------------------------------------------
// Human layout
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// safe:info
// ---------------------------------------------------------------------------------------------------------------

/**
 * The recovery part of `safe:info` (lib/info InfoPart), for Safes with the toolkit's RecoveryModule enabled:
 * the configuration (compared by --check; guardians sorted, since the module keeps them unordered) and the state
 * that moves by itself (activity, pending recovery, proposal nonce).
 */
export async function recoveryInfo(
  hre: HardhatRuntimeEnvironment,
  info: { configuration: { safe: string; modules: string[] } },
): Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }> {
  const module = await toolkitAddress(hre, "RecoveryModule");
  if (!info.configuration.modules.includes(module)) return {};
  const s = await readRecoveryStatus(hre.ethers.provider, module, info.configuration.safe);
  return {
    configuration: {
      recovery: {
        module: s.module,
        guardians: sortAddresses(s.guardians),
        threshold: s.threshold,
        inactivityPeriod: s.inactivityPeriod,
        recoveryDelay: s.recoveryDelay,
        activityRecorder: s.activityRecorder,
      },
    },
    state: {
      recovery: {
        state: s.state,
        nonce: s.nonce.toString(),
        lastActivity: isoTime(s.lastActivity),
        recoverableFrom: s.recoverableFrom === null ? "any time" : isoTime(s.recoverableFrom),
        recoverableNow: s.recoverableNow,
        pending: s.pending ?? null,
      },
    },
  };
}
