// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title IActivityRecorder - a source of "when did the owners of this Safe last act"
 * @notice Implemented by the TreasuryGuard. A recorder sees only the owner transactions that run while it is the
 *         Safe's transaction guard: not those before it was installed, not the one that installs it (Safe reads its
 *         guard before running a transaction), and none while it is removed. The RecoveryModule therefore trusts a
 *         record only while the recorder is the Safe's transaction guard and module guard (Safe 1.5.0: no other
 *         module can then remove it), was already both when the module last observed the Safe itself, and has not
 *         been removed since (same activityEpoch); otherwise it falls back to the Safe's nonce. See docs/modules.md.
 */
interface IActivityRecorder {
    /**
     * @notice The time of `safe`'s last executed owner-signed transaction (checkTransaction), 0 if none. Module
     *         transactions and queued executions are not owner activity. The value is never earlier than the
     *         activity, at most 59 seconds later (a payment records its minute only and reads as the end of that
     *         minute, or as now if that is earlier), and never in the future.
     */
    function lastActivity(address safe) external view returns (uint64);

    /**
     * @notice How many times the recorder has seen a queued execution remove it as `safe`'s transaction guard or
     *         module guard, or run a Safe transaction inside it. A record taken in one epoch is complete for the
     *         owner transactions of that epoch after the recorder was installed; a change of epoch means owner
     *         transactions may have run unrecorded.
     */
    function activityEpoch(address safe) external view returns (uint32);
}
