// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IOwnerManager} from "@safe-global/safe-smart-account/contracts/interfaces/IOwnerManager.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IRecoveryModule} from "../interfaces/IRecoveryModule.sol";

import {RecoveryOwners} from "./base/RecoveryOwners.sol";

/**
 * @title RecoveryModule - inactivity switch and guardian recovery for Safes (1.4.1 and 1.5.0)
 * @notice See IRecoveryModule and docs/modules.md.
 * @dev State machine per Safe: None -> (guardian threshold [+ inactivity]) -> Pending -> (delay) -> Ready -> finalized
 *      (None). Pending/Ready -> None on cancelRecovery, setGuardians or (inactivity recoveries) a heartbeat;
 *      -> CancelledByActivity when the Safe's nonce moved (a derived state: nothing needs to be written for a Safe
 *      transaction to cancel a recovery).
 */
contract RecoveryModule is RecoveryOwners {
    using EnumerableSet for EnumerableSet.AddressSet;

    constructor() EIP712("RecoveryModule", "1") {}

    /*//////////////////////////////////////////////////////////////
                          CONFIGURATION (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRecoveryModule
    function configure(
        address[] calldata newGuardians,
        uint256 threshold,
        uint32 inactivityPeriod,
        uint32 recoveryDelay,
        address recorder
    ) external override {
        _requireEnabledSafe();
        _setGuardians(newGuardians, threshold);
        _setPeriods(inactivityPeriod, recoveryDelay);
        _setActivityRecorder(recorder);
        _observe(msg.sender, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function setGuardians(address[] calldata newGuardians, uint256 threshold) external override {
        _requireEnabledSafe();
        _setGuardians(newGuardians, threshold);
        _observe(msg.sender, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function setPeriods(uint32 inactivityPeriod, uint32 recoveryDelay) external override {
        _requireEnabledSafe();
        _setPeriods(inactivityPeriod, recoveryDelay);
        _observe(msg.sender, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function setActivityRecorder(address recorder) external override {
        _requireEnabledSafe();
        _setActivityRecorder(recorder);
        _observe(msg.sender, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function cancelRecovery() external override {
        _requireEnabledSafe();
        _cancelPending(msg.sender, msg.sender);
        _bumpNonce(msg.sender);
        _observe(msg.sender, msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 ACTIVITY
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRecoveryModule
    function heartbeat(address safe) external override {
        if (!IOwnerManager(safe).isOwner(msg.sender)) revert NotSafeOwner(safe, msg.sender);
        PendingRecovery storage pending = _pending[safe];
        if (pending.inactivity) _cancelPending(safe, msg.sender);
        _observe(safe, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function poke(address safe) external override {
        if (_safeNonce(safe) != _activity[safe].safeNonce) _observe(safe, msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 RECOVERY
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRecoveryModule
    function approveRecovery(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce
    ) external override {
        bytes32 hash = _proposalHash(safe, newOwners, newThreshold, nonce);
        if (!_guardians[safe].contains(msg.sender)) revert NotGuardian(safe, msg.sender);
        Approvals storage approvals = _approvals[safe][hash];
        if (approvals.approved[msg.sender]) revert AlreadyApproved(safe, hash, msg.sender);
        _approve(safe, hash, approvals, msg.sender);
    }

    /// @inheritdoc IRecoveryModule
    function approveRecoveryWithSignatures(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce,
        GuardianSignature[] calldata signatures
    ) external override {
        bytes32 hash = _proposalHash(safe, newOwners, newThreshold, nonce);
        EnumerableSet.AddressSet storage guardianSet = _guardians[safe];
        Approvals storage approvals = _approvals[safe][hash];
        for (uint256 i; i < signatures.length; ++i) {
            address guardian = signatures[i].guardian;
            if (!guardianSet.contains(guardian)) revert NotGuardian(safe, guardian);
            // Skipping (rather than reverting on) known approvals keeps a relayed batch from being griefed by a
            // guardian who approves directly first. Counting happens once per guardian either way.
            if (approvals.approved[guardian]) continue;
            // ECDSA for EOAs (malleable and zero-address recoveries refused by OpenZeppelin's ECDSA.tryRecover),
            // EIP-1271 for contracts (e.g. a guardian Safe's CompatibilityFallbackHandler).
            if (!SignatureChecker.isValidSignatureNowCalldata(guardian, hash, signatures[i].signature)) {
                revert InvalidGuardianSignature(safe, guardian);
            }
            _approve(safe, hash, approvals, guardian);
        }
    }

    /// @inheritdoc IRecoveryModule
    function initiateRecovery(address safe, address[] calldata newOwners, uint256 newThreshold) external override {
        Config memory cfg = _configs[safe];
        bytes32 hash = _proposalHash(safe, newOwners, newThreshold, cfg.nonce);
        uint256 count = _approvals[safe][hash].count;
        // cfg.threshold == 0 means recovery is disabled: never enough approvals.
        if (cfg.threshold == 0 || count < cfg.threshold) revert NotEnoughApprovals(safe, hash, count, cfg.threshold);

        uint256 safeNonce = _safeNonce(safe);
        PendingRecovery memory pending = _pending[safe];
        if (_isLive(pending, safeNonce)) {
            if (pending.recoveryHash == hash) revert RecoveryAlreadyPending(safe, hash);
            uint256 pendingCount = _approvals[safe][pending.recoveryHash].count;
            if (count <= pendingCount) revert RecoveryNotReplaceable(safe, pending.recoveryHash, pendingCount, count);
        }

        bool inactivity = cfg.inactivityPeriod != 0;
        if (inactivity) {
            uint256 last = _lastActivity(safe, safeNonce);
            uint256 inactiveFrom = last + cfg.inactivityPeriod;
            if (block.timestamp < inactiveFrom) revert SafeNotInactive(safe, last, inactiveFrom);
        }

        uint256 executableAt = block.timestamp + cfg.recoveryDelay;
        _pending[safe] = PendingRecovery({
            recoveryHash: hash,
            initiatedAt: uint40(block.timestamp),
            executableAt: SafeCast.toUint40(executableAt),
            inactivity: inactivity,
            safeNonce: SafeCast.toUint64(safeNonce)
        });
        emit RecoveryInitiated(safe, hash, newOwners, newThreshold, cfg.nonce, count, executableAt, inactivity);
    }

    /// @inheritdoc IRecoveryModule
    function finalizeRecovery(address safe, address[] calldata newOwners, uint256 newThreshold) external override {
        PendingRecovery memory pending = _pending[safe];
        RecoveryState state = _state(pending, _safeNonce(safe));
        if (state != RecoveryState.Ready) {
            if (state == RecoveryState.Pending) revert RecoveryNotReady(safe, pending.executableAt);
            revert NoPendingRecovery(safe, state);
        }
        uint64 nonce = _configs[safe].nonce;
        // The pending hash was computed at the current nonce (every nonce bump deletes the pending recovery), and the
        // owners were validated when it was initiated. They are not checked against the Safe's set-up again: whether
        // an address can sign does not depend on it, and the owners being recovered from must not gain a hidden veto
        // (e.g. by enabling a proposed EOA owner as a module during the delay).
        bytes32 hash = _hashRecovery(safe, newOwners, newThreshold, nonce);
        if (hash != pending.recoveryHash) revert RecoveryMismatch(safe, pending.recoveryHash, hash);

        // Effects first: the recovery and every approval for this nonce are spent before the Safe is called, and the
        // new owners start with a fresh inactivity clock.
        delete _pending[safe];
        _bumpNonce(safe);
        _observe(safe, msg.sender);

        _replaceOwners(safe, newOwners, newThreshold);
        emit RecoveryFinalized(safe, hash, newOwners, newThreshold);
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRecoveryModule
    function config(address safe) external view override returns (Config memory) {
        return _configs[safe];
    }

    /// @inheritdoc IRecoveryModule
    function getGuardians(address safe) external view override returns (address[] memory) {
        return _guardians[safe].values();
    }

    /// @inheritdoc IRecoveryModule
    function isGuardian(address safe, address account) external view override returns (bool) {
        return _guardians[safe].contains(account);
    }

    /// @inheritdoc IRecoveryModule
    function getActivityRecorder(address safe) external view override returns (address) {
        return _recorders[safe];
    }

    /// @inheritdoc IRecoveryModule
    function getRecoveryHash(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce
    ) external view override returns (bytes32) {
        return _hashRecovery(safe, newOwners, newThreshold, nonce);
    }

    /// @inheritdoc IRecoveryModule
    function approvalCount(address safe, bytes32 hash) external view override returns (uint256) {
        return _approvals[safe][hash].count;
    }

    /// @inheritdoc IRecoveryModule
    function hasApproved(address safe, bytes32 hash, address guardian) external view override returns (bool) {
        return _approvals[safe][hash].approved[guardian];
    }

    /// @inheritdoc IRecoveryModule
    function pendingRecovery(address safe) external view override returns (PendingRecovery memory) {
        return _pending[safe];
    }

    /// @inheritdoc IRecoveryModule
    function recoveryState(address safe) external view override returns (RecoveryState) {
        PendingRecovery memory pending = _pending[safe];
        if (pending.recoveryHash == bytes32(0)) return RecoveryState.None;
        return _state(pending, _safeNonce(safe));
    }

    /// @inheritdoc IRecoveryModule
    function lastActivity(address safe) external view override returns (uint256) {
        return _lastActivity(safe, _safeNonce(safe));
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    function _setGuardians(address[] calldata newGuardians, uint256 threshold) private {
        address safe = msg.sender;
        uint256 count = newGuardians.length;
        if (count > MAX_GUARDIANS) revert TooManyGuardians(count, MAX_GUARDIANS);
        if (count == 0 ? threshold != 0 : threshold == 0 || threshold > count) {
            revert InvalidGuardianThreshold(threshold, count);
        }
        EnumerableSet.AddressSet storage set = _guardians[safe];
        address[] memory oldGuardians = set.values();
        set.clear();
        for (uint256 i; i < count; ++i) {
            address guardian = newGuardians[i];
            if (guardian == address(0) || guardian == safe) revert InvalidGuardian(guardian);
            if (!set.add(guardian)) revert DuplicateGuardian(guardian);
        }
        Config storage cfg = _configs[safe];
        uint256 oldThreshold = cfg.threshold;
        // threshold <= count <= MAX_GUARDIANS fits in 16 bits.
        cfg.threshold = uint16(threshold);
        emit GuardiansChanged(safe, oldGuardians, newGuardians, oldThreshold, threshold);
        // Approvals collected under the old set are void, and so is a recovery they started.
        _cancelPending(safe, safe);
        _bumpNonce(safe);
    }

    function _setPeriods(uint32 inactivityPeriod, uint32 recoveryDelay) private {
        if (
            inactivityPeriod != 0 &&
            (inactivityPeriod < MIN_INACTIVITY_PERIOD || inactivityPeriod > MAX_INACTIVITY_PERIOD)
        ) revert InvalidInactivityPeriod(inactivityPeriod, MIN_INACTIVITY_PERIOD, MAX_INACTIVITY_PERIOD);
        if (recoveryDelay < MIN_RECOVERY_DELAY || recoveryDelay > MAX_RECOVERY_DELAY) {
            revert InvalidRecoveryDelay(recoveryDelay, MIN_RECOVERY_DELAY, MAX_RECOVERY_DELAY);
        }
        Config storage cfg = _configs[msg.sender];
        (uint32 oldInactivity, uint32 oldDelay) = (cfg.inactivityPeriod, cfg.recoveryDelay);
        (cfg.inactivityPeriod, cfg.recoveryDelay) = (inactivityPeriod, recoveryDelay);
        emit PeriodsChanged(msg.sender, oldInactivity, inactivityPeriod, oldDelay, recoveryDelay);
    }

    function _setActivityRecorder(address recorder) private {
        address old = _recorders[msg.sender];
        _recorders[msg.sender] = recorder;
        emit ActivityRecorderChanged(msg.sender, old, recorder);
    }

    function _approve(address safe, bytes32 hash, Approvals storage approvals, address guardian) private {
        approvals.approved[guardian] = true;
        uint256 count = ++approvals.count;
        emit RecoveryApproved(safe, hash, guardian, count);
    }

    /// @dev Validates a proposal for the current nonce and returns its hash.
    function _proposalHash(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce
    ) private view returns (bytes32) {
        uint64 current = _configs[safe].nonce;
        if (nonce != current) revert InvalidNonce(safe, nonce, current);
        _validateOwners(safe, newOwners, newThreshold);
        return _hashRecovery(safe, newOwners, newThreshold, nonce);
    }

    function _bumpNonce(address safe) private {
        Config storage cfg = _configs[safe];
        uint64 old = cfg.nonce;
        // One bump per Safe transaction or recovery: 2^64 is out of reach.
        unchecked {
            cfg.nonce = old + 1;
        }
        emit NonceChanged(safe, old, old + 1);
    }

    function _cancelPending(address safe, address by) private {
        bytes32 hash = _pending[safe].recoveryHash;
        if (hash == bytes32(0)) return;
        delete _pending[safe];
        emit RecoveryCancelled(safe, hash, by);
    }

    function _isLive(PendingRecovery memory pending, uint256 safeNonce) private pure returns (bool) {
        if (pending.recoveryHash == bytes32(0)) return false;
        // Every executed Safe transaction increments the nonce; module transactions do not.
        return !(pending.inactivity && safeNonce != pending.safeNonce);
    }

    function _state(PendingRecovery memory pending, uint256 safeNonce) private view returns (RecoveryState) {
        if (pending.recoveryHash == bytes32(0)) return RecoveryState.None;
        if (!_isLive(pending, safeNonce)) return RecoveryState.CancelledByActivity;
        return block.timestamp < pending.executableAt ? RecoveryState.Pending : RecoveryState.Ready;
    }
}
