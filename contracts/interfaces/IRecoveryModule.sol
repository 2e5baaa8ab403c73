// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ISafeModule} from "./ISafeModule.sol";

/**
 * @title IRecoveryModule - inactivity switch and guardian (social) recovery for Safes
 * @notice One singleton serves many Safes; configuration is keyed by the Safe (`msg.sender`) and is accepted only
 *         from a Safe that has this module enabled, i.e. from a multisig transaction of that Safe.
 *
 *         Guardians (EOAs or EIP-1271 contracts such as other Safes) approve a recovery {new owners, new threshold,
 *         nonce}. Once the guardian threshold is reached (and, if an inactivity period is set, the Safe has been
 *         inactive for that period) anyone initiates it; after the recovery delay anyone finalizes it and the module
 *         replaces the Safe's owners and threshold through execTransactionFromModule.
 *
 *         ⚠️ An enabled module can change a Safe's owners. Only enable this module with guardians you trust to the
 *         guardian threshold; the recovery delay is the owners' window to cancel a malicious recovery.
 *
 *         Activity (see docs/modules.md): an inactivity recovery is refused, or cancelled while pending, when the
 *         owners acted: a heartbeat by an owner, any executed Safe transaction (detected by a changed Safe nonce;
 *         every execTransaction increments it, on every Safe version, with or without a guard), or a transaction
 *         recorded by the Safe's activity recorder (the TreasuryGuard). The record is trusted only if the recorder
 *         was already the Safe's guard at the module's last observation and has stayed its guard since (same
 *         activityEpoch): a record that may have missed an owner transaction is never used.
 */
interface IRecoveryModule is ISafeModule {
    /*//////////////////////////////////////////////////////////////
                                  TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The state of a Safe's recovery slot.
    enum RecoveryState {
        None, // nothing pending
        Pending, // initiated, recovery delay not over
        Ready, // finalizable now
        CancelledByActivity // an inactivity recovery the owners' activity cancelled (replaceable, not finalizable)
    }

    /// @notice A Safe's recovery parameters, as returned by config().
    struct Config {
        uint16 threshold; // guardian approvals needed (0: no guardians, recovery disabled)
        uint32 inactivityPeriod; // seconds without owner activity before recovery may start (0: any time)
        uint32 recoveryDelay; // seconds between initiation and finalization
        uint64 nonce; // proposal nonce: approvals and signatures are only valid for the current one
    }

    /// @notice An initiated recovery, as returned by pendingRecovery().
    struct PendingRecovery {
        bytes32 recoveryHash; // EIP-712 hash of the Recovery struct
        uint40 initiatedAt;
        uint40 executableAt; // finalizable from (inclusive)
        bool inactivity; // started under an inactivity period: owner activity cancels it
        uint64 safeNonce; // the Safe's nonce at initiation (a different nonce means an executed Safe transaction)
    }

    /// @notice A guardian's signature over a recovery hash (65-byte ECDSA, or EIP-1271 data for contracts).
    struct GuardianSignature {
        address guardian;
        bytes signature;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice `safe` replaced its guardian set and threshold; approvals under the old set are void (the nonce
     *         changes with it) and a pending recovery is cancelled.
     */
    event GuardiansChanged(
        address indexed safe,
        address[] oldGuardians,
        address[] newGuardians,
        uint256 oldThreshold,
        uint256 newThreshold
    );
    /// @notice `safe` changed its inactivity period (0: recovery at any time) and its recovery delay (seconds).
    event PeriodsChanged(
        address indexed safe,
        uint32 oldInactivityPeriod,
        uint32 newInactivityPeriod,
        uint32 oldRecoveryDelay,
        uint32 newRecoveryDelay
    );
    /// @notice `safe` named (or cleared, address(0)) the activity recorder (TreasuryGuard) whose record counts as
    ///         owner activity.
    event ActivityRecorderChanged(address indexed safe, address oldRecorder, address newRecorder);
    /// @notice The proposal nonce changed: every approval and signature for the old nonce is void.
    event NonceChanged(address indexed safe, uint64 oldNonce, uint64 newNonce);
    /// @notice Owner activity observed: a heartbeat, a Safe configuration call, or a changed Safe nonce.
    event ActivityObserved(address indexed safe, address indexed by, uint256 safeNonce, uint256 timestamp);
    /// @notice `guardian` approved recovery `recoveryHash` of `safe`; `approvals` is the count including this one.
    event RecoveryApproved(
        address indexed safe,
        bytes32 indexed recoveryHash,
        address indexed guardian,
        uint256 approvals
    );
    /**
     * @notice A recovery of `safe` to `newOwners` with `newThreshold` started with `approvals` guardian approvals at
     *         proposal nonce `nonce`; it is finalizable from `executableAt`. `inactivity`: it started under an
     *         inactivity period, so owner activity cancels it.
     */
    event RecoveryInitiated(
        address indexed safe,
        bytes32 indexed recoveryHash,
        address[] newOwners,
        uint256 newThreshold,
        uint256 nonce,
        uint256 approvals,
        uint256 executableAt,
        bool inactivity
    );
    /// @notice The pending recovery `recoveryHash` of `safe` was cancelled `by` the Safe (cancelRecovery, a new
    ///         guardian set) or by an owner's heartbeat.
    event RecoveryCancelled(address indexed safe, bytes32 indexed recoveryHash, address indexed by);
    /// @notice The recovery `recoveryHash` ran: `safe`'s owners are now exactly `newOwners`, with `newThreshold`.
    event RecoveryFinalized(
        address indexed safe,
        bytes32 indexed recoveryHash,
        address[] newOwners,
        uint256 newThreshold
    );

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    // ModuleNotEnabled(account): ISafeModule.
    /// @notice A guardian is address(0) or the Safe itself.
    error InvalidGuardian(address guardian);
    /// @notice `guardian` appears twice in the new guardian set.
    error DuplicateGuardian(address guardian);
    /// @notice The guardian set has `count` members, more than MAX_GUARDIANS (`max`).
    error TooManyGuardians(uint256 count, uint256 max);
    /// @notice The threshold must be 0 with no guardians, else between 1 and `guardianCount`.
    error InvalidGuardianThreshold(uint256 threshold, uint256 guardianCount);
    /// @notice A non-zero inactivity period must lie in [`min`, `max`] seconds.
    error InvalidInactivityPeriod(uint256 period, uint256 min, uint256 max);
    /// @notice The recovery delay must lie in [`min`, `max`] seconds.
    error InvalidRecoveryDelay(uint256 delay, uint256 min, uint256 max);
    /// @notice `account` is not a guardian of `safe`.
    error NotGuardian(address safe, address account);
    /// @notice `account` is not an owner of `safe` (only owners send heartbeats).
    error NotSafeOwner(address safe, address account);
    /// @notice The proposal names `nonce`, but `safe`'s proposal nonce is `currentNonce`.
    error InvalidNonce(address safe, uint256 nonce, uint256 currentNonce);
    /// @notice `guardian`'s signature over the recovery hash is invalid (ECDSA for EOAs, EIP-1271 for contracts).
    error InvalidGuardianSignature(address safe, address guardian);
    /// @notice `guardian` already approved `recoveryHash` (direct approvals only; relayed batches skip it).
    error AlreadyApproved(address safe, bytes32 recoveryHash, address guardian);
    /// @notice A new owner is address(0), the sentinel address(1) or the Safe itself.
    error InvalidOwner(address owner);
    /**
     * @notice A new owner can never sign for the Safe: it is this module, or a contract of the Safe's own set-up (one
     *         of its enabled modules, its transaction guard, module guard, fallback handler or activity recorder).
     *         Checked at approval and initiation.
     */
    error OwnerCannotSign(address owner);
    /// @notice `owner` appears twice in the new owners.
    error DuplicateOwner(address owner);
    /// @notice New owners must be strictly ascending (one canonical proposal per owner set).
    error OwnersNotSorted(address previous, address owner);
    /// @notice The proposal has `count` new owners, more than MAX_OWNERS (`max`).
    error TooManyOwners(uint256 count, uint256 max);
    /// @notice The new threshold must lie in [1, `ownerCount`].
    error InvalidThreshold(uint256 threshold, uint256 ownerCount);
    /// @notice `recoveryHash` has `approvals` guardian approvals, fewer than the threshold (0: recovery disabled).
    error NotEnoughApprovals(address safe, bytes32 recoveryHash, uint256 approvals, uint256 threshold);
    /// @notice The Safe counts as inactive only from `inactiveFrom` (its last observed activity plus the period).
    error SafeNotInactive(address safe, uint256 lastActivity, uint256 inactiveFrom);
    /// @notice This very recovery is already pending for `safe`.
    error RecoveryAlreadyPending(address safe, bytes32 recoveryHash);
    /// @notice A live pending recovery can only be replaced by one with more approvals.
    error RecoveryNotReplaceable(address safe, bytes32 pendingHash, uint256 pendingApprovals, uint256 approvals);
    /// @notice Nothing `safe` could finalize: no recovery is pending, or activity cancelled it (`state`).
    error NoPendingRecovery(address safe, RecoveryState state);
    /// @notice The owners and threshold given hash to `recoveryHash`, not to the pending `pendingHash`.
    error RecoveryMismatch(address safe, bytes32 pendingHash, bytes32 recoveryHash);
    /// @notice The pending recovery is finalizable only from `executableAt`.
    error RecoveryNotReady(address safe, uint256 executableAt);
    /// @notice The Safe refused an owner-management call made by the module (`selector`).
    error ModuleTransactionFailed(address safe, bytes4 selector);

    /*//////////////////////////////////////////////////////////////
                          CONFIGURATION (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Sets the caller Safe's whole configuration (guardians, threshold, periods, activity recorder) in one
     *         call, e.g. in the Safe's creation batch.
     */
    function configure(
        address[] calldata guardians,
        uint256 threshold,
        uint32 inactivityPeriod,
        uint32 recoveryDelay,
        address activityRecorder
    ) external;

    /**
     * @notice Replaces the caller Safe's guardians and guardian threshold. Bumps the nonce: approvals collected
     *         under the old set are void and a pending recovery is cancelled. An empty set with threshold 0 disables
     *         recovery.
     */
    function setGuardians(address[] calldata guardians, uint256 threshold) external;

    /**
     * @notice Sets the inactivity period (0, or MIN_INACTIVITY_PERIOD..MAX_INACTIVITY_PERIOD; 0 means guardians may
     *         recover at any time) and the recovery delay (MIN_RECOVERY_DELAY..MAX_RECOVERY_DELAY). A pending
     *         recovery keeps the delay it started with.
     */
    function setPeriods(uint32 inactivityPeriod, uint32 recoveryDelay) external;

    /**
     * @notice Names the contract (the TreasuryGuard) whose lastActivity(safe) also counts as owner activity.
     *         It is only consulted while it is the caller Safe's transaction guard and module guard (so never on Safes
     *         before 1.5.0), was both already at the last observation, and reports the same activityEpoch as then.
     *         address(0) disables it.
     */
    function setActivityRecorder(address recorder) external;

    /// @notice Cancels the caller Safe's pending recovery (if any) and bumps the nonce, voiding every approval.
    function cancelRecovery() external;

    /*//////////////////////////////////////////////////////////////
                                 ACTIVITY
    //////////////////////////////////////////////////////////////*/

    /// @notice An owner of `safe` proves liveness: restarts the inactivity clock and cancels an inactivity recovery.
    function heartbeat(address safe) external;

    /**
     * @notice Anyone records that `safe` executed transactions since the last observation (its nonce changed),
     *         which restarts the inactivity clock at the current time (and, with the recorder installed as guard,
     *         starts trusting its record from now). No-op if the nonce did not change.
     */
    function poke(address safe) external;

    /*//////////////////////////////////////////////////////////////
                                 RECOVERY
    //////////////////////////////////////////////////////////////*/

    /// @notice A guardian (msg.sender) approves {newOwners, newThreshold} at proposal `nonce` of `safe`.
    function approveRecovery(address safe, address[] calldata newOwners, uint256 newThreshold, uint256 nonce) external;

    /**
     * @notice Records the EIP-712 signatures of guardians over the Recovery struct (chain id, this module and the
     *         Safe bound). EOA signatures are checked with ECDSA, contract guardians with EIP-1271. Guardians that
     *         already approved are skipped; any invalid signature or non-guardian reverts.
     */
    function approveRecoveryWithSignatures(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce,
        GuardianSignature[] calldata signatures
    ) external;

    /**
     * @notice Anyone starts the recovery delay for an approved proposal at the current nonce: needs the guardian
     *         threshold, the inactivity period elapsed (if set), and either no live pending recovery or more
     *         approvals than it has.
     */
    function initiateRecovery(address safe, address[] calldata newOwners, uint256 newThreshold) external;

    /**
     * @notice Anyone finalizes the pending recovery once its delay is over: the Safe's owners become exactly
     *         `newOwners` and its threshold `newThreshold`. Bumps the nonce and restarts the inactivity clock.
     */
    function finalizeRecovery(address safe, address[] calldata newOwners, uint256 newThreshold) external;

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The guardian threshold, periods and proposal nonce of `safe`.
    function config(address safe) external view returns (Config memory);

    /// @notice The guardians of `safe` (unordered).
    function getGuardians(address safe) external view returns (address[] memory);

    /// @notice Whether `account` is a guardian of `safe`.
    function isGuardian(address safe, address account) external view returns (bool);

    /// @notice The activity recorder `safe` named (trusted only while it is the Safe's guard).
    function getActivityRecorder(address safe) external view returns (address);

    /// @notice The EIP-712 digest guardians sign (and approvals are recorded under).
    function getRecoveryHash(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce
    ) external view returns (bytes32);

    /// @notice How many guardians approved `recoveryHash` for `safe`.
    function approvalCount(address safe, bytes32 recoveryHash) external view returns (uint256);

    /// @notice Whether `guardian` approved `recoveryHash` for `safe`.
    function hasApproved(address safe, bytes32 recoveryHash, address guardian) external view returns (bool);

    /// @notice The recovery `safe` has initiated (zero if none); see recoveryState for whether it still stands.
    function pendingRecovery(address safe) external view returns (PendingRecovery memory);

    /// @notice The state of `safe`'s recovery slot now.
    function recoveryState(address safe) external view returns (RecoveryState);

    /**
     * @notice The owners' last activity as this module sees it now: the latest of heartbeats, observations and the
     *         activity recorder (when trusted, see setActivityRecorder); the current time if the Safe's nonce changed
     *         since the last observation and no trusted recorder says when.
     */
    function lastActivity(address safe) external view returns (uint256);
}
