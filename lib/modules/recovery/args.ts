import { readFileSync } from "node:fs";

import { getAddress, isAddress } from "ethers";

import { addressListArg, durationArg, listArg, sortAddresses } from "../../args";
import { UserError } from "../../errors";
import { RECOVERY_LIMITS } from "../../limits";
import { formatDuration } from "../../format";
import type { RecoveryApproval } from "./approvals";
import type { RecoveryConfigInput } from "./plan";

/**
 * Recovery input checks: the bounds mirror the RecoveryModule's constants (IRecoveryModule, docs/modules.md) so bad
 * input is refused before anything is signed.
 */

export const RECOVERY_BOUNDS = RECOVERY_LIMITS;

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
  const items = listArg(value);
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

/** `recovery:configure`'s arguments as the plan takes them: only what is given changes. */
export function recoveryConfigArgs(args: {
  guardians?: string;
  threshold?: number;
  inactivity?: string;
  delay?: string;
  recorder?: string;
}): RecoveryConfigInput {
  return {
    guardians: args.guardians === undefined ? undefined : addressListArg(args.guardians, "guardians", true),
    threshold: args.threshold,
    inactivityPeriod: args.inactivity === undefined ? undefined : durationArg(args.inactivity, "inactivity"),
    recoveryDelay: args.delay === undefined ? undefined : durationArg(args.delay, "delay"),
    recorder: args.recorder,
  };
}

/** `recovery:approve`'s modes: --sign, --export and --signatures exclude each other; --out writes a signed or exported one. */
export function checkApproveModes(args: { sign: boolean; export: boolean; out?: string; signatures?: string }): void {
  if ([args.sign, args.export, args.signatures !== undefined].filter(Boolean).length > 1) {
    throw new UserError("--sign, --export and --signatures exclude each other.");
  }
  if (args.out && !args.sign && !args.export) throw new UserError("--out goes with --sign or --export.");
}
