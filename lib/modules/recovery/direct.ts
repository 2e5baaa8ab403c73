import type { Provider, Signer } from "ethers";

import { UserError } from "../../errors";
import { isoTime } from "../../format";
import { readSafeState } from "../../safe/state";
import { newOwnersArg, type GuardianSignatureInput, type RecoveryProposal } from "./args";
import { checkSignatures } from "./approvals";
import { recoveryContract, sendRecoveryCall, type SentCall } from "./contract";
import { readRecoveryStatus } from "./status";

/**
 * The recovery steps guardians, owners and anyone send to the module directly (not Safe transactions): each sends
 * one call and reads back what it changed.
 */

/** The proposal of `newOwners` at the module's current proposal nonce for `safe`. */
export async function recoveryProposal(
  provider: Provider,
  module: string,
  safe: string,
  owners: { newOwners: string[]; newThreshold: number },
): Promise<RecoveryProposal> {
  const nonce = (await recoveryContract(module, provider).config(safe)).nonce as bigint;
  return { safe, ...owners, nonce };
}

/**
 * Records guardian approvals of `proposal`: the sender's own, or the collected `signatures` (checked first; anyone
 * may send them). Returns the approvals the proposal has now and the number it needs.
 */
export async function approveRecovery(
  provider: Provider,
  module: string,
  chainId: bigint,
  sender: Signer,
  proposal: RecoveryProposal,
  hash: string,
  signatures?: GuardianSignatureInput[],
): Promise<SentCall & { recoveryHash: string; approvals: number; threshold: number }> {
  const { safe, newOwners, newThreshold, nonce } = proposal;
  const sent = signatures
    ? await sendRecoveryCall(
        module,
        sender,
        "approveRecoveryWithSignatures",
        [safe, newOwners, newThreshold, nonce, await checkSignatures(provider, module, chainId, proposal, signatures)],
        "The approvals were not recorded",
      )
    : await sendRecoveryCall(
        module,
        sender,
        "approveRecovery",
        [safe, newOwners, newThreshold, nonce],
        "The approval was not recorded",
      );
  const contract = recoveryContract(module, provider);
  const approvals = Number(await contract.approvalCount(safe, hash));
  const threshold = Number((await contract.config(safe)).threshold);
  return { ...sent, recoveryHash: hash, approvals, threshold };
}

/** Starts the recovery delay of `proposal`; returns when it can be finalized and whether activity cancels it. */
export async function initiateRecovery(
  provider: Provider,
  module: string,
  sender: Signer,
  proposal: RecoveryProposal,
): Promise<{ sent: SentCall & { recoveryHash: string; executableAt: number }; inactivity: boolean }> {
  const { safe, newOwners, newThreshold } = proposal;
  const sent = await sendRecoveryCall(
    module,
    sender,
    "initiateRecovery",
    [safe, newOwners, newThreshold],
    "The recovery was not initiated",
  );
  const pending = await recoveryContract(module, provider).pendingRecovery(safe);
  return {
    sent: { ...sent, recoveryHash: pending.recoveryHash as string, executableAt: Number(pending.executableAt) },
    inactivity: pending.inactivity as boolean,
  };
}

/**
 * The owners and threshold `recovery:finalize` finalizes: `--owners` and `--threshold` (checked), or with neither the
 * pending recovery's, from the module's events.
 */
export async function finalizeOwners(
  provider: Provider,
  module: string,
  safe: string,
  owners?: string,
  threshold?: number,
): Promise<{ newOwners: string[]; newThreshold: number }> {
  if ((owners === undefined) !== (threshold === undefined)) {
    throw new UserError("--owners and --threshold go together (or give neither to use the pending recovery's).");
  }
  if (owners !== undefined && threshold !== undefined) return newOwnersArg(owners, threshold);
  const { pending } = await readRecoveryStatus(provider, module, safe);
  if (!pending) throw new UserError(`${safe} has no pending recovery to finalize (recovery:status).`);
  if (!pending.newOwners || pending.newThreshold === undefined) {
    throw new UserError("The pending recovery's owners are not in this node's logs: give --owners and --threshold.");
  }
  return { newOwners: pending.newOwners, newThreshold: pending.newThreshold };
}

/** Finalizes the pending recovery (`owners`: its owners and threshold); returns the Safe's owners and threshold now. */
export async function finalizeRecovery(
  provider: Provider,
  module: string,
  sender: Signer,
  safe: string,
  owners: { newOwners: string[]; newThreshold: number },
): Promise<SentCall & { owners: string[]; threshold: number }> {
  const sent = await sendRecoveryCall(
    module,
    sender,
    "finalizeRecovery",
    [safe, owners.newOwners, owners.newThreshold],
    "The recovery was not finalized",
  );
  const after = await readSafeState(provider, safe);
  return { ...sent, owners: after.owners, threshold: after.threshold };
}

/** An owner's heartbeat, or (`poke`) anyone's record that the Safe's nonce moved; returns the last activity now. */
export async function recordActivity(
  provider: Provider,
  module: string,
  sender: Signer,
  safe: string,
  poke: boolean,
): Promise<SentCall & { lastActivity: number }> {
  const sent = await sendRecoveryCall(
    module,
    sender,
    poke ? "poke" : "heartbeat",
    [safe],
    poke ? "The poke was not recorded" : "The heartbeat was not recorded",
  );
  return { ...sent, lastActivity: Number(await recoveryContract(module, provider).lastActivity(safe)) };
}

/** The human lines after `approveRecovery`: where the approvals stand and what comes next. */
export function approvedLines(r: { recoveryHash: string; approvals: number; threshold: number }): [string, unknown][] {
  return [
    ["recovery", r.recoveryHash],
    ["approvals", `${r.approvals} of ${r.threshold}`],
    [
      "then",
      r.approvals >= r.threshold
        ? "recovery:initiate (anyone), once the Safe is recoverable"
        : `${r.threshold - r.approvals} more guardian approval(s) needed`,
    ],
  ];
}

/** The human lines after `initiateRecovery`: when it can be finalized and what cancels it before then. */
export function initiatedLines(sent: { executableAt: number }, inactivity: boolean): [string, unknown][] {
  return [
    ["finalize from", `${isoTime(sent.executableAt)} (recovery:finalize, anyone)`],
    ["cancelled by", inactivity ? "any owner transaction or heartbeat before then" : "recovery:cancel"],
  ];
}
