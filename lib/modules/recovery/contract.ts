import { Contract, ZeroAddress } from "ethers";
import type { Provider, Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { addressArg } from "../../args";
import { UserError } from "../../errors";
import { guardOf } from "../../guard/queue";
import { isoTime } from "../../format";
import { explainRevert, revertData } from "../../revert";
import { toolkitAddress } from "../../toolkit";
import { recoveryModuleInterface } from "../../abi";

/** The RecoveryModule contract: which one, its errors in sentences, and the calls sent to it directly. */

/** IRecoveryModule.RecoveryState, in enum order. */
export const RECOVERY_STATES = ["none", "pending", "ready", "cancelled-by-activity"] as const;
export type RecoveryStateName = (typeof RECOVERY_STATES)[number];

/** The RecoveryModule to use: `given`, or the toolkit's singleton; a UserError if it has no code on this chain. */
export async function recoveryModuleAddress(hre: HardhatRuntimeEnvironment, given?: string): Promise<string> {
  const module = given !== undefined ? addressArg(given, "module") : await toolkitAddress(hre, "RecoveryModule");
  if ((await hre.ethers.provider.getCode(module)) === "0x") {
    throw new UserError(
      `No RecoveryModule at ${module} on this chain: pass --module, or deploy the toolkit (treasury:deploy).`,
    );
  }
  return module;
}

/** The Safe's RecoveryModule: `given`, else the one its TreasuryGuard's policy names, else the toolkit's. */
export async function safeRecoveryModule(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  given?: string,
): Promise<string> {
  if (given === undefined) {
    const named = await guardOf(hre.ethers.provider, safe)
      .then(async (g) => (await g.policy(safe)).recoveryModule as string)
      .catch(() => ZeroAddress);
    if (named !== ZeroAddress) return recoveryModuleAddress(hre, named);
  }
  return recoveryModuleAddress(hre, given);
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
