// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IOwnerManager} from "@safe-global/safe-smart-account/contracts/interfaces/IOwnerManager.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IActivityRecorder} from "../interfaces/IActivityRecorder.sol";
import {IRecoveryModule} from "../interfaces/IRecoveryModule.sol";

/**
 * @title RecoveryModule - inactivity switch and guardian recovery for Safes (1.4.1 and 1.5.0)
 * @notice See IRecoveryModule and docs/modules.md.
 * @dev State machine per Safe: None -> (guardian threshold [+ inactivity]) -> Pending -> (delay) -> Ready -> finalized
 *      (None). Pending/Ready -> None on cancelRecovery, setGuardians or (inactivity recoveries) a heartbeat;
 *      -> CancelledByActivity when the Safe's nonce moved (a derived state: nothing needs to be written for a Safe
 *      transaction to cancel a recovery).
 */
contract RecoveryModule is IRecoveryModule, EIP712 {
    using EnumerableSet for EnumerableSet.AddressSet;

    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice EIP-712 type of a recovery proposal. `newOwners` is hashed as keccak256(abi.encodePacked(newOwners)).
    bytes32 public constant RECOVERY_TYPEHASH =
        keccak256("Recovery(address safe,address[] newOwners,uint256 newThreshold,uint256 nonce)");

    uint256 public constant MAX_GUARDIANS = 32;
    /// @notice Bounds the owner-list rewrite in finalizeRecovery (each owner costs a few module calls).
    uint256 public constant MAX_OWNERS = 32;
    uint32 public constant MIN_INACTIVITY_PERIOD = 1 days;
    uint32 public constant MAX_INACTIVITY_PERIOD = 3650 days;
    uint32 public constant MIN_RECOVERY_DELAY = 1 hours;
    uint32 public constant MAX_RECOVERY_DELAY = 365 days;

    /// @dev Safe's owner linked list head (OwnerManager.SENTINEL_OWNERS).
    address internal constant SENTINEL = address(0x1);
    /// @dev keccak256("guard_manager.guard.address"): where Safe 1.3.0+ stores its transaction guard.
    uint256 internal constant GUARD_STORAGE_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;
    /// @dev keccak256("module_manager.module_guard.address"): Safe 1.5.0's module guard (zero on older Safes).
    uint256 internal constant MODULE_GUARD_STORAGE_SLOT =
        0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947;
    /// @dev keccak256("fallback_manager.handler.address"): Safe 1.1.1+ fallback handler.
    uint256 internal constant FALLBACK_HANDLER_STORAGE_SLOT =
        0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev Last observed owner activity, one slot (40 + 64 + 32 + 8 bits). uint40 seconds last until year 36812;
    ///      the Safe nonce is stored as uint64 through SafeCast (one nonce per executed transaction: 2^64 is out of
    ///      reach). `watched`: the activity recorder was the Safe's guard at the observation, in `recorderEpoch`.
    struct Activity {
        uint40 observedAt;
        uint64 safeNonce;
        uint32 recorderEpoch;
        bool watched;
    }

    /// @dev Approvals of one recovery hash. The hash binds the Safe and the nonce, and the nonce changes with the
    ///      guardian set, so every counted approval comes from a current guardian.
    struct Approvals {
        uint256 count;
        mapping(address guardian => bool) approved;
    }

    // safe -> config (one slot: 16 + 32 + 32 + 64 bits)
    mapping(address safe => Config) private _configs;
    // safe -> guardian set
    mapping(address safe => EnumerableSet.AddressSet) private _guardians;
    // safe -> activity recorder (TreasuryGuard), address(0) if none
    mapping(address safe => address) private _recorders;
    // safe -> last observed activity
    mapping(address safe => Activity) private _activity;
    // safe -> recovery hash -> approvals
    mapping(address safe => mapping(bytes32 recoveryHash => Approvals)) private _approvals;
    // safe -> pending recovery (two slots)
    mapping(address safe => PendingRecovery) private _pending;

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

    /**
     * @dev Configuration is per `msg.sender`, so a guardian, another module or any other contract calling a setter
     *      could only ever write its own (unused) entry; refusing callers that are not Safes with this module enabled
     *      makes that explicit. The low-level call also handles EOAs (no code, empty return).
     */
    function _requireEnabledSafe() private view {
        (bool ok, bytes memory ret) = msg.sender.staticcall(
            abi.encodeCall(IModuleManager.isModuleEnabled, (address(this)))
        );
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert ModuleNotEnabled(msg.sender);
    }

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

    /**
     * @dev New owners must be strictly ascending addresses above the sentinel, and not the Safe: this refuses
     *      address(0), SENTINEL and duplicates in one pass, and gives each owner set exactly one proposal hash (so
     *      approvals for the same set cannot be split across orderings). None may be this module, or a contract
     *      of the Safe's own set-up (a module, a guard, the fallback handler, the activity recorder), which can never
     *      produce a signature for it (OwnerCannotSign): a recovery must leave owners who can sign. An address without
     *      code can always sign, whatever role the Safe gave it.
     */
    function _validateOwners(address safe, address[] calldata newOwners, uint256 newThreshold) private view {
        uint256 count = newOwners.length;
        if (count > MAX_OWNERS) revert TooManyOwners(count, MAX_OWNERS);
        if (newThreshold == 0 || newThreshold > count) revert InvalidThreshold(newThreshold, count);
        address guard = _slotAddress(safe, GUARD_STORAGE_SLOT);
        address moduleGuard = _slotAddress(safe, MODULE_GUARD_STORAGE_SLOT);
        address handler = _slotAddress(safe, FALLBACK_HANDLER_STORAGE_SLOT);
        address recorder = _recorders[safe];
        address previous = SENTINEL;
        for (uint256 i; i < count; ++i) {
            address owner = newOwners[i];
            if (owner == address(0) || owner == SENTINEL || owner == safe) revert InvalidOwner(owner);
            if (owner == previous) revert DuplicateOwner(owner);
            if (owner < previous) revert OwnersNotSorted(previous, owner);
            if (
                owner == address(this) ||
                (owner.code.length != 0 &&
                    (owner == guard ||
                        owner == moduleGuard ||
                        owner == handler ||
                        owner == recorder ||
                        IModuleManager(safe).isModuleEnabled(owner)))
            ) revert OwnerCannotSign(owner);
            previous = owner;
        }
    }

    function _hashRecovery(
        address safe,
        address[] calldata newOwners,
        uint256 newThreshold,
        uint256 nonce
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(RECOVERY_TYPEHASH, safe, keccak256(abi.encodePacked(newOwners)), newThreshold, nonce)
                )
            );
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

    /// @dev Records activity now at the Safe's current nonce, and whether the recorder is watching the Safe now.
    function _observe(address safe, address by) private {
        uint256 safeNonce = _safeNonce(safe);
        (bool watched, uint32 epoch) = _recorderEpoch(safe);
        _activity[safe] = Activity({
            observedAt: uint40(block.timestamp),
            safeNonce: SafeCast.toUint64(safeNonce),
            recorderEpoch: epoch,
            watched: watched
        });
        emit ActivityObserved(safe, by, safeNonce, block.timestamp);
    }

    /**
     * @dev Whether the Safe's activity recorder is watching it now: it is both its transaction guard and its module
     *      guard (Safe 1.5.0), so it sees every owner transaction and no other module can remove it unseen. On Safes
     *      without module guards (1.4.1) any module can remove the guard, so the record is never trusted there.
     *      Also returns the recorder's epoch. A recorder that reverts or answers anything but one word is not
     *      watching.
     */
    function _recorderEpoch(address safe) private view returns (bool watching, uint32 epoch) {
        address recorder = _recorders[safe];
        if (
            recorder == address(0) ||
            _slotAddress(safe, GUARD_STORAGE_SLOT) != recorder ||
            _slotAddress(safe, MODULE_GUARD_STORAGE_SLOT) != recorder
        ) return (false, 0);
        (bool ok, uint256 answer) = _askRecorder(recorder, abi.encodeCall(IActivityRecorder.activityEpoch, (safe)));
        if (!ok || answer > type(uint32).max) return (false, 0);
        return (true, uint32(answer));
    }

    /**
     * @dev A bounded static call to the recorder that must answer exactly one word. try/catch would not do: it does
     *      not catch an answer that fails to decode (e.g. the empty answer of a no-op fallback), which would make
     *      every observation revert and so block heartbeats, pokes and finalization.
     */
    function _askRecorder(address recorder, bytes memory call) private view returns (bool ok, uint256 answer) {
        bytes memory data;
        (ok, data) = recorder.staticcall{gas: 100_000}(call);
        ok = ok && data.length == 32;
        if (ok) answer = abi.decode(data, (uint256));
    }

    /**
     * @dev The owners' last activity: the last observation (heartbeat, configuration, poke, finalization), raised to
     *      the recorder's time if the record is complete since that observation: the recorder was the Safe's guard
     *      then, is now, and was never removed in between (same epoch), so it saw every owner transaction since.
     *      (A recorder installed after the observation missed the transaction that installed it and maybe others.)
     *      Otherwise (no recorder, not watching, removed since, or failing) a nonce that moved since the observation
     *      means "active at an unknown time since": the current time (poke to start the clock).
     */
    function _lastActivity(address safe, uint256 safeNonce) private view returns (uint256 last) {
        Activity memory activity = _activity[safe];
        last = activity.observedAt;
        if (activity.watched) {
            (bool watching, uint32 epoch) = _recorderEpoch(safe);
            if (watching && epoch == activity.recorderEpoch) {
                // A recorder that fails must not block recovery: fall back to the nonce rule.
                (bool ok, uint256 recorded) = _askRecorder(
                    _recorders[safe],
                    abi.encodeCall(IActivityRecorder.lastActivity, (safe))
                );
                if (ok) return recorded > last ? recorded : last;
            }
        }
        if (safeNonce != activity.safeNonce) last = block.timestamp;
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

    function _safeNonce(address safe) private view returns (uint256) {
        return ISafe(payable(safe)).nonce();
    }

    /// @dev An address the Safe keeps in `slot`, read through StorageAccessible (Safe 1.3.0 to 1.5.0).
    function _slotAddress(address safe, uint256 slot) private view returns (address) {
        return abi.decode(ISafe(payable(safe)).getStorageAt(slot, 1), (address));
    }

    /**
     * @dev Makes the Safe's owners exactly `newOwners` (validated, strictly ascending) with `newThreshold`:
     *      1. add every new owner that is not an owner yet (threshold 1 keeps every intermediate state valid);
     *      2. walk the resulting linked list from the sentinel and remove every owner not in `newOwners`, passing the
     *         predecessor that is still in the list (it only advances past owners that stay);
     *      3. set the threshold.
     *      Each step is an ordinary OwnerManager call, so Safe itself keeps its list consistent and emits its events.
     */
    function _replaceOwners(address safe, address[] calldata newOwners, uint256 newThreshold) private {
        IOwnerManager owners = IOwnerManager(safe);
        uint256 count = newOwners.length;
        for (uint256 i; i < count; ++i) {
            if (!owners.isOwner(newOwners[i])) {
                _exec(safe, abi.encodeCall(IOwnerManager.addOwnerWithThreshold, (newOwners[i], 1)));
            }
        }
        address[] memory current = owners.getOwners();
        address prev = SENTINEL;
        for (uint256 i; i < current.length; ++i) {
            address owner = current[i];
            if (_containsSorted(newOwners, owner)) {
                prev = owner;
            } else {
                _exec(safe, abi.encodeCall(IOwnerManager.removeOwner, (prev, owner, 1)));
            }
        }
        if (owners.getThreshold() != newThreshold) {
            _exec(safe, abi.encodeCall(IOwnerManager.changeThreshold, (newThreshold)));
        }
    }

    function _exec(address safe, bytes memory data) private {
        if (!IModuleManager(safe).execTransactionFromModule(safe, 0, data, Enum.Operation.Call)) {
            revert ModuleTransactionFailed(safe, bytes4(data));
        }
    }

    /// @dev Binary search in a strictly ascending array (at most MAX_OWNERS entries).
    function _containsSorted(address[] calldata sorted, address account) private pure returns (bool) {
        uint256 low;
        uint256 high = sorted.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            address value = sorted[mid];
            if (value == account) return true;
            if (value < account) low = mid + 1;
            else high = mid;
        }
        return false;
    }
}
