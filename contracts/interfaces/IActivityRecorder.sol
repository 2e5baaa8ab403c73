// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title IActivityRecorder - a source of "when did the owners of this Safe last act"
 * @notice Implemented by the TreasuryGuard (ITreasuryGuard.lastActivity). The RecoveryModule only trusts it while it
 *         is the Safe's current transaction guard; otherwise it falls back to the Safe's nonce.
 */
interface IActivityRecorder {
    /// @notice The time of `safe`'s last executed owner-signed transaction, 0 if none was recorded.
    function lastActivity(address safe) external view returns (uint64);
}
