import { Contract, getAddress, ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { addressArg, sortAddresses } from "../../args";
import { UserError } from "../../errors";
import { formatDuration } from "../../format";
import type { SafeCall } from "../../safe/install";
import { readSafeState } from "../../safe/state";
import { recoveryCalls } from "../install";
import { checkGuardians, checkPeriods } from "./args";
import { recoveryContract } from "./contract";
import { guardQueueInterface, recoveryInterface, treasuryGuardInterface } from "../../abi";

/** The Safe calls that configure or cancel recovery; they are proposed through the one propose path. */

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
  if (input.recorder !== undefined) addressArg(input.recorder, "recorder");
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
