// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ITransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";
import {IModuleGuard} from "@safe-global/safe-smart-account/contracts/base/ModuleManager.sol";
import {IERC165} from "@safe-global/safe-smart-account/contracts/interfaces/IERC165.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IOwnerManager} from "@safe-global/safe-smart-account/contracts/interfaces/IOwnerManager.sol";
import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {StorageAccessible} from "@safe-global/safe-smart-account/contracts/common/StorageAccessible.sol";

import {IActivityRecorder} from "../interfaces/IActivityRecorder.sol";
import {ITreasuryGuard} from "../interfaces/ITreasuryGuard.sol";
import {RollingWindow} from "../libraries/RollingWindow.sol";

/**
 * @title TreasuryGuard - rolling caps, whitelists, a timelock queue and a DELEGATECALL policy for Safes
 * @notice Singleton: transaction guard, module guard (Safe 1.5.0) and module of many Safes, state keyed by the Safe.
 * @dev Prepare/commit: checkTransaction classifies the transaction against the state before it runs and counts its
 *      outflows at once (commit early); the counted amounts are kept in transient storage, on a per-Safe stack so
 *      nested Safe transactions pair correctly, and checkAfterExecution refunds them if the Safe transaction failed.
 */
contract TreasuryGuard is ITreasuryGuard, ITransactionGuard, IModuleGuard {
    using RollingWindow for RollingWindow.Window;

    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint32 public constant MIN_DELAY = 1 hours;
    uint32 public constant MAX_DELAY = 30 days;
    /// @notice Delay of a Safe that never set one.
    uint32 public constant DEFAULT_DELAY = 2 days;
    uint32 public constant MIN_EXPIRY = 1 hours;
    uint32 public constant MAX_EXPIRY = 30 days;
    /// @notice Expiry of a Safe that never set one.
    uint32 public constant DEFAULT_EXPIRY = 7 days;

    // Canonical Safe contracts (same address on every chain).
    address internal constant MULTI_SEND_CALL_ONLY_130 = 0x40A2aCCbd92BCA938b02010E17A5b8929b49130D;
    address internal constant MULTI_SEND_CALL_ONLY_141 = 0x9641d764fc13c8B624c04430C7356C1C7C8102e2;
    address internal constant MULTI_SEND_CALL_ONLY_150 = 0xA83c336B20401Af773B6219BA5027174338D1836;
    address internal constant MULTI_SEND_130 = 0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761;
    address internal constant MULTI_SEND_141 = 0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526;
    address internal constant MULTI_SEND_150 = 0x218543288004CD07832472D464648173c77D7eB7;
    address internal constant SAFE_MIGRATION_150 = 0x6439e7ABD8Bb915A5263094784C5CF561c4172AC;
    address internal constant SIGN_MESSAGE_LIB_141 = 0xd53cd0aB83D845Ac265BE939c57F53AD838012c9;
    address internal constant SIGN_MESSAGE_LIB_150 = 0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa;

    // Selectors decoded as outflows, allowances or operators.
    bytes4 internal constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256) (ERC20 and ERC721)
    bytes4 internal constant APPROVE = 0x095ea7b3; // approve(address,uint256) (ERC20 and ERC721)
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)
    bytes4 internal constant DECREASE_ALLOWANCE = 0xa457c2d7; // decreaseAllowance(address,uint256)
    bytes4 internal constant SAFE_TRANSFER_FROM_721 = 0x42842e0e; // safeTransferFrom(address,address,uint256)
    // safeTransferFrom(address,address,uint256,bytes)
    bytes4 internal constant SAFE_TRANSFER_FROM_721_DATA = 0xb88d4fde;
    // safeTransferFrom(address,address,uint256,uint256,bytes)
    bytes4 internal constant SAFE_TRANSFER_FROM_1155 = 0xf242432a;
    // safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)
    bytes4 internal constant SAFE_BATCH_TRANSFER_FROM_1155 = 0x2eb2c2d6;
    bytes4 internal constant SET_APPROVAL_FOR_ALL = 0xa22cb465; // setApprovalForAll(address,bool)
    bytes4 internal constant OWNER_OF = 0x6352211e; // ownerOf(uint256)
    bytes4 internal constant SEND_777 = 0x9bd9bbc6; // send(address,uint256,bytes)
    bytes4 internal constant OPERATOR_SEND_777 = 0x62ad1b83; // operatorSend(address,address,uint256,bytes,bytes)
    bytes4 internal constant AUTHORIZE_OPERATOR_777 = 0x959b8c3f; // authorizeOperator(address)
    bytes4 internal constant REVOKE_OPERATOR_777 = 0xfad8b32a; // revokeOperator(address)
    bytes4 internal constant TRANSFER_AND_CALL = 0x1296ee62; // transferAndCall(address,uint256)
    bytes4 internal constant TRANSFER_AND_CALL_DATA = 0x4000aea0; // transferAndCall(address,uint256,bytes)
    bytes4 internal constant TRANSFER_FROM_AND_CALL = 0xd8fbe994; // transferFromAndCall(address,address,uint256)
    // transferFromAndCall(address,address,uint256,bytes)
    bytes4 internal constant TRANSFER_FROM_AND_CALL_DATA = 0xc1d34b89;
    bytes4 internal constant APPROVE_AND_CALL = 0x3177029f; // approveAndCall(address,uint256)
    bytes4 internal constant APPROVE_AND_CALL_DATA = 0xcae9ca51; // approveAndCall(address,uint256,bytes)

    bytes4 internal constant MULTI_SEND = 0x8d80ff0a; // multiSend(bytes)

    // Safe owner management (what the recovery module may do).
    bytes4 internal constant ADD_OWNER_WITH_THRESHOLD = 0x0d582f13;
    bytes4 internal constant REMOVE_OWNER = 0xf8dc5dd9;
    bytes4 internal constant SWAP_OWNER = 0xe318b52b;
    bytes4 internal constant CHANGE_THRESHOLD = 0x694e80c3;

    /// @notice Most assets a Safe can ever give a cap (bounds the lastActivity view, see _assets).
    uint256 public constant MAX_ASSETS = 32;

    // Layout of the 35-bit `extra` field of each rolling window header (hot: read with the window, one slot):
    // cap mantissa (21 bits) | cap exponent (5 bits) << 21 | activity mark valid (1 bit) << 26 | activity minute
    // within the header's hour (6 bits) << 27. The effective cap is mantissa * 10^exponent: the cap set by the Safe
    // rounded down to 21 bits of decimal mantissa (exact for every cap with at most 6 significant digits).
    uint256 private constant _MANTISSA_BITS = 21;
    uint256 private constant _MANTISSA_MAX = (1 << 21) - 1;
    uint256 private constant _EXPONENT_MASK = (1 << 5) - 1;
    uint256 private constant _CAP_MASK = (1 << 26) - 1;
    uint256 private constant _MARK_VALID = 1 << 26;
    uint256 private constant _MARK_SHIFT = 27;
    uint256 private constant _MARK_MASK = (1 << 6) - 1;
    /// @dev Encodes "at least RollingWindow.MAX_AMOUNT" (about 7.9e28): 1 * 10^29.
    uint256 private constant _CAP_UNBOUNDED = (29 << 21) | 1;

    /// @dev Safe's transaction guard slot: keccak256("guard_manager.guard.address") (Safe 1.3.0 to 1.5.0).
    uint256 private constant _GUARD_STORAGE_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;
    /// @dev Safe 1.5.0's module guard slot: keccak256("module_manager.module_guard.address").
    uint256 private constant _MODULE_GUARD_STORAGE_SLOT =
        0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947;

    /// @dev Transient storage namespace of the per-Safe context stacks: keccak256("TreasuryGuard.context") - 1.
    bytes32 private constant _CONTEXT_NAMESPACE = bytes32(uint256(keccak256("TreasuryGuard.context")) - 1);

    // Stored queue states (Waiting/Ready/Expired are derived from time).
    uint8 private constant _QUEUED = 1;
    uint8 private constant _EXECUTED = 2;
    uint8 private constant _CANCELLED = 3;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev Per-Safe state, one slot (40 + 32 + 32 + 16 + 64 + 32 + 8 = 224 bits). lastActivity is a timestamp
    ///      (uint40 lasts 34,000 years); delay/expiry are bounded by 30 days; cancelStreak saturates at
    ///      type(uint16).max; queued counts transactions, one per Safe transaction, so it cannot reach 2^64;
    ///      activityEpoch grows once per queued execution that removes the guard (each needs a delay): not 2^32.
    ///      Owner activity is recorded here only by transactions that count no outflow; a transaction that counts
    ///      outflows marks the windows it writes anyway (see the `extra` layout), which keeps the hot path at one
    ///      storage write. A mark keeps the minute only and stands for the end of that minute (capped at now), so
    ///      lastActivity(safe), the latest of both, is never earlier than the activity and at most 59 s later.
    struct SafeState {
        uint40 lastActivity;
        uint32 delay; // 0: DEFAULT_DELAY
        uint32 expiry; // 0: DEFAULT_EXPIRY
        uint16 cancelStreak;
        uint64 queued;
        uint32 activityEpoch;
        bool offchainSignatures;
    }

    /// @dev A queued transaction. First slot: to (160) + eta (40) + expiresAt (40) + operation (8) + state (8).
    struct Item {
        address to;
        uint40 eta;
        uint40 expiresAt;
        uint8 operation;
        uint8 state;
        uint256 value;
        bytes data;
        uint16 vetoes;
    }

    /// @dev Outflows of one transaction, summed per asset (memory only).
    struct Classification {
        Verdict verdict;
        Reason reason;
        // A module transaction (not the owners'): it may not call the guard or the recovery module at all.
        bool byModule;
        uint256 count;
        address[] assets;
        uint256[] amounts;
    }

    // safe -> hot state
    mapping(address safe => SafeState) private _safes;
    // safe -> recovery module
    mapping(address safe => address) private _recoveryModules;
    // safe -> asset -> cap as set (exact; the hot copy used for checks lives in the window's extra field)
    mapping(address safe => mapping(address asset => uint256)) private _caps;
    // safe -> assets with a non-zero cap (at most MAX_ASSETS; their window headers may hold activity marks)
    mapping(address safe => address[]) private _assets;
    // safe -> asset -> 1 + its index in _assets, 0 if not listed
    mapping(address safe => mapping(address asset => uint256)) private _assetSlots;
    // safe -> asset -> rolling window
    mapping(address safe => mapping(address asset => RollingWindow.Window)) private _windows;
    // safe -> recipient -> allowed
    mapping(address safe => mapping(address recipient => bool)) private _recipients;
    // safe -> target -> trusted with any data
    mapping(address safe => mapping(address target => bool)) private _trustedTargets;
    // safe -> target -> selector -> trusted
    mapping(address safe => mapping(address target => mapping(bytes4 selector => bool))) private _trustedSelectors;
    // safe -> id -> queued transaction
    mapping(address safe => mapping(uint256 id => Item)) private _queue;
    // safe -> id -> owner -> vetoed
    mapping(address safe => mapping(uint256 id => mapping(address owner => bool))) private _vetoed;

    /*//////////////////////////////////////////////////////////////
                          TRANSACTION GUARD HOOKS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITransactionGuard
    function checkTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256,
        uint256,
        uint256 gasPrice,
        address,
        address payable,
        bytes memory, // calldata would not fit the stack with the other ten parameters
        address
    ) external override {
        if (gasPrice != 0) revert TransactionForbidden(Reason.GasRefund);
        // Owner activity is recorded even if the Safe's call later fails: an owner-signed transaction executes.
        if (!_fastPath(msg.sender, to, value, data, operation)) {
            _checkAndCount(msg.sender, to, value, data, operation, true);
        }
    }

    /// @inheritdoc ITransactionGuard
    function checkAfterExecution(bytes32, bool success) external override {
        _popContext(msg.sender, success);
    }

    /*//////////////////////////////////////////////////////////////
                            MODULE GUARD HOOKS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModuleGuard
    function checkModuleTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        address module
    ) external override returns (bytes32) {
        address safe = msg.sender;
        if (
            module == address(this) ||
            (module == _recoveryModules[safe] &&
                module != address(0) &&
                _isOwnerManagement(safe, to, value, data, operation))
        ) {
            // Our own queued executions (they waited the delay) and recovery owner changes pass uncounted.
            _pushContext(safe, _emptyClassification());
        } else {
            _checkAndCount(safe, to, value, data, operation, false);
        }
        return bytes32(0);
    }

    /// @inheritdoc IModuleGuard
    function checkAfterModuleExecution(bytes32, bool success) external override {
        _popContext(msg.sender, success);
    }

    /// @notice ERC-165: transaction guard, module guard.
    function supportsInterface(bytes4 interfaceId) external pure override returns (bool) {
        return
            interfaceId == type(ITransactionGuard).interfaceId || // 0xe6d7a83a
            interfaceId == type(IModuleGuard).interfaceId || // 0x58401ed8
            interfaceId == type(IERC165).interfaceId; // 0x01ffc9a7
    }

    /// @dev Never reverts: a Safe calling an unknown function on its guard (e.g. a future hook) is not bricked.
    ///      Not payable: the guard holds no ETH.
    // solhint-disable-next-line payable-fallback
    fallback() external {}

    /*//////////////////////////////////////////////////////////////
                             POLICY (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/
    // No setter checks whether the change is tightening: the guard hooks classify every call to these setters
    // before it runs (loosening needs the queue). Each setter only writes the caller's own state.

    /// @inheritdoc ITreasuryGuard
    function setCap(address asset, uint256 cap) external override {
        address safe = msg.sender;
        RollingWindow.Window storage window = _windows[safe][asset];
        uint256 extra = window.extra();
        uint256 slot = _assetSlots[safe][asset];
        if (cap == 0) {
            // An uncapped asset takes no slot: its activity mark moves to the Safe's record before it is delisted.
            if (slot != 0) {
                _delist(safe, slot);
                extra = _moveMark(safe, window.lastHour(), extra);
            }
        } else {
            if (slot == 0) {
                address[] storage assets = _assets[safe];
                if (assets.length == MAX_ASSETS) revert TooManyAssets(MAX_ASSETS);
                assets.push(asset);
                _assetSlots[safe][asset] = assets.length;
            }
            // Pays the ring's first writes now rather than in the asset's first day of payments (once per asset).
            window.prepare();
        }
        uint256 oldCap = _caps[safe][asset];
        _caps[safe][asset] = cap;
        window.setExtra((extra & ~_CAP_MASK) | _encodeCap(cap));
        emit CapChanged(safe, asset, oldCap, cap);
    }

    /// @inheritdoc ITreasuryGuard
    function setRecipient(address recipient, bool allowed) external override {
        bool old = _recipients[msg.sender][recipient];
        _recipients[msg.sender][recipient] = allowed;
        emit RecipientChanged(msg.sender, recipient, old, allowed);
    }

    /// @inheritdoc ITreasuryGuard
    function setTrustedTarget(address target, bool trusted) external override {
        bool old = _trustedTargets[msg.sender][target];
        _trustedTargets[msg.sender][target] = trusted;
        emit TrustedTargetChanged(msg.sender, target, old, trusted);
    }

    /// @inheritdoc ITreasuryGuard
    function setTrustedSelector(address target, bytes4 selector, bool trusted) external override {
        bool old = _trustedSelectors[msg.sender][target][selector];
        _trustedSelectors[msg.sender][target][selector] = trusted;
        emit TrustedSelectorChanged(msg.sender, target, selector, old, trusted);
    }

    /// @inheritdoc ITreasuryGuard
    function setDelay(uint32 delay) external override {
        if (delay < MIN_DELAY || delay > MAX_DELAY) revert InvalidDelay(delay, MIN_DELAY, MAX_DELAY);
        SafeState storage state = _safes[msg.sender];
        uint32 old = _effectiveDelay(state.delay);
        state.delay = delay;
        emit DelayChanged(msg.sender, old, delay);
    }

    /// @inheritdoc ITreasuryGuard
    function setExpiry(uint32 expiry) external override {
        if (expiry < MIN_EXPIRY || expiry > MAX_EXPIRY) revert InvalidExpiry(expiry, MIN_EXPIRY, MAX_EXPIRY);
        SafeState storage state = _safes[msg.sender];
        uint32 old = _effectiveExpiry(state.expiry);
        state.expiry = expiry;
        emit ExpiryChanged(msg.sender, old, expiry);
    }

    /// @inheritdoc ITreasuryGuard
    function setRecoveryModule(address module) external override {
        address old = _recoveryModules[msg.sender];
        _recoveryModules[msg.sender] = module;
        emit RecoveryModuleChanged(msg.sender, old, module);
    }

    /// @inheritdoc ITreasuryGuard
    function setOffchainSignatures(bool allowed) external override {
        SafeState storage state = _safes[msg.sender];
        bool old = state.offchainSignatures;
        state.offchainSignatures = allowed;
        emit OffchainSignaturesChanged(msg.sender, old, allowed);
    }

    /// @inheritdoc ITreasuryGuard
    function resetCancelStreak() external override {
        SafeState storage state = _safes[msg.sender];
        uint16 old = state.cancelStreak;
        state.cancelStreak = 0;
        emit CancelStreakReset(msg.sender, old);
    }

    /*//////////////////////////////////////////////////////////////
                                  QUEUE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasuryGuard
    function queue(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) external override returns (uint256 id) {
        address safe = msg.sender;
        Classification memory c = _classify(safe, to, value, data, operation, false);
        if (c.verdict == Verdict.Forbidden) revert TransactionForbidden(c.reason);
        _evaluateCaps(safe, c);
        SafeState storage state = _safes[safe];
        id = state.queued;
        // One id per queue() call: cannot reach 2^64.
        unchecked {
            state.queued = uint64(id + 1);
        }
        // block.timestamp + 30 days + 30 days fits in uint40 until year 36812.
        uint40 eta = uint40(block.timestamp + _effectiveDelay(state.delay));
        uint40 expiresAt = eta + _effectiveExpiry(state.expiry);
        Item storage item = _queue[safe][id];
        item.to = to;
        item.eta = eta;
        item.expiresAt = expiresAt;
        item.operation = uint8(operation);
        item.state = _QUEUED;
        item.value = value;
        item.data = data;
        emit TransactionQueued(safe, id, to, value, data, operation, eta, expiresAt, c.verdict, c.reason);
    }

    /// @inheritdoc ITreasuryGuard
    function cancel(uint256 id) external override {
        address safe = msg.sender;
        Item storage item = _queue[safe][id];
        if (item.state != _QUEUED) revert TransactionNotQueued(safe, id, _queueState(item));
        item.state = _CANCELLED;
        emit TransactionCancelled(safe, id, safe, _safes[safe].cancelStreak);
    }

    /// @inheritdoc ITreasuryGuard
    function veto(address safe, uint256 id) external override {
        if (!IOwnerManager(safe).isOwner(msg.sender)) revert NotSafeOwner(safe, msg.sender);
        Item storage item = _queue[safe][id];
        QueueState current = _queueState(item);
        if (current != QueueState.Waiting && current != QueueState.Ready)
            revert TransactionNotQueued(safe, id, current);
        if (_vetoed[safe][id][msg.sender]) revert AlreadyVetoed(safe, id, msg.sender);
        _vetoed[safe][id][msg.sender] = true;
        // At most one veto per owner and the owner count is far below 2^16.
        uint16 vetoes = item.vetoes + 1;
        item.vetoes = vetoes;
        uint256 required = _cancelThreshold(safe);
        emit TransactionVetoed(safe, id, msg.sender, vetoes, required);
        if (vetoes >= required) {
            item.state = _CANCELLED;
            SafeState storage state = _safes[safe];
            uint16 streak = state.cancelStreak;
            if (streak != type(uint16).max) state.cancelStreak = ++streak;
            emit TransactionCancelled(safe, id, msg.sender, streak);
        }
    }

    /// @inheritdoc ITreasuryGuard
    function execute(address safe, uint256 id) external override {
        Item storage item = _queue[safe][id];
        QueueState current = _queueState(item);
        if (current == QueueState.Waiting) revert TransactionNotReady(safe, id, item.eta);
        if (current != QueueState.Ready) revert TransactionNotQueued(safe, id, current);
        item.state = _EXECUTED;
        address to = item.to;
        uint256 value = item.value;
        bytes memory data = item.data;
        Enum.Operation operation = Enum.Operation(item.operation);
        _emitExecuted(safe, id, abi.encodeCall(this.classify, (safe, to, value, data, operation, 0)));
        uint256 nonce = ISafe(payable(safe)).nonce();
        bool moduleGuard = _slotAddress(safe, _MODULE_GUARD_STORAGE_SLOT) == address(this);
        if (!IModuleManager(safe).execTransactionFromModule(to, value, data, operation)) {
            revert QueuedTransactionFailed(safe, id);
        }
        // The queue runs through the guard's module: a transaction that disables it while the guard still guards the
        // Safe would leave every delayed transaction, the guard's own removal included, unable to run (a bricked
        // Safe). It is refused; disabling the module together with removing both guards is fine.
        // Likewise another module guard while this guard still judges owner transactions: it would judge the queue's
        // executions like any module's and refuse the delayed ones (Safe 1.5.0; the slot is always zero before).
        bool guarding = _slotAddress(safe, _GUARD_STORAGE_SLOT) == address(this);
        address moduleGuardAfter = _slotAddress(safe, _MODULE_GUARD_STORAGE_SLOT);
        if (
            ((guarding || moduleGuardAfter == address(this)) && !IModuleManager(safe).isModuleEnabled(address(this))) ||
            (guarding && moduleGuardAfter != address(0) && moduleGuardAfter != address(this))
        ) revert QueueWouldBeLost(safe, id);
        // A queued execution is how this guard leaves a Safe (removing it is a delayed Safe self-call; once it is no
        // longer the module guard, other modules could remove it too). Owner transactions may then go unrecorded, and
        // so may a Safe transaction nested in this execution: the activity record starts a new epoch if the guard is
        // no longer the transaction guard, stopped being the module guard, or the Safe's nonce moved.
        if (!guarding || (moduleGuard && moduleGuardAfter != address(this)) || ISafe(payable(safe)).nonce() != nonce) {
            SafeState storage state = _safes[safe];
            uint32 epoch = state.activityEpoch;
            state.activityEpoch = epoch + 1;
            emit ActivityEpochChanged(safe, epoch, epoch + 1);
        }
    }

    /**
     * @dev Emits TransactionExecuted with the outflows of the queued transaction. The decoder works on calldata, so
     *      the stored transaction is classified through a static self-call (`classifyCall`): its answer,
     *      abi.encode(verdict, reason, outflows), holds the outflows array at offset 0x60, which is forwarded as the
     *      event's data (abi.encode(outflows): offset 0x20, then the same array) without decoding and re-encoding
     *      it (that round trip costs about 1 KB of code in a contract at the code-size limit).
     */
    function _emitExecuted(address safe, uint256 id, bytes memory classifyCall) private {
        bytes32 topic = TransactionExecuted.selector;
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), address(), add(classifyCall, 0x20), mload(classifyCall), 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            // classify's return data is at least 0x80 bytes (three head words and the array length).
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            returndatacopy(add(ptr, 0x20), 0x60, sub(returndatasize(), 0x60))
            log3(ptr, sub(returndatasize(), 0x40), topic, safe, id)
        }
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IActivityRecorder
    function lastActivity(address safe) external view override returns (uint64) {
        return _lastActivity(safe);
    }

    /// @inheritdoc IActivityRecorder
    function activityEpoch(address safe) external view override returns (uint32) {
        return _safes[safe].activityEpoch;
    }

    /// @inheritdoc ITreasuryGuard
    function isOffchainSignatureAllowed(address safe) external view override returns (bool) {
        return _safes[safe].offchainSignatures;
    }

    /// @inheritdoc ITreasuryGuard
    function getCappedAssets(address safe) external view override returns (address[] memory) {
        return _assets[safe];
    }

    /// @inheritdoc ITreasuryGuard
    function recoveryModule(address safe) external view override returns (address) {
        return _recoveryModules[safe];
    }

    /// @inheritdoc ITreasuryGuard
    function policy(address safe) external view override returns (Policy memory) {
        SafeState memory state = _safes[safe];
        return
            Policy({
                lastActivity: _lastActivity(safe),
                delay: _effectiveDelay(state.delay),
                expiry: _effectiveExpiry(state.expiry),
                cancelStreak: state.cancelStreak,
                queued: state.queued,
                recoveryModule: _recoveryModules[safe],
                offchainSignatures: state.offchainSignatures,
                activityEpoch: state.activityEpoch
            });
    }

    /// @inheritdoc ITreasuryGuard
    function capOf(address safe, address asset) external view override returns (uint256) {
        return _caps[safe][asset];
    }

    /// @inheritdoc ITreasuryGuard
    function isRecipient(address safe, address recipient) external view override returns (bool) {
        return _recipients[safe][recipient];
    }

    /// @inheritdoc ITreasuryGuard
    function isTrustedTarget(address safe, address target) external view override returns (bool) {
        return _trustedTargets[safe][target];
    }

    /// @inheritdoc ITreasuryGuard
    function isTrustedSelector(address safe, address target, bytes4 selector) external view override returns (bool) {
        return _trustedSelectors[safe][target][selector];
    }

    /// @inheritdoc ITreasuryGuard
    function remaining(
        address safe,
        address asset
    ) external view override returns (uint256 available, uint256 nextIncreaseAt) {
        RollingWindow.Window storage window = _windows[safe][asset];
        uint256 cap = _decodeCap(window.extra());
        available = window.available(cap, block.timestamp);
        nextIncreaseAt = window.nextIncrease(cap, block.timestamp);
    }

    /// @inheritdoc ITreasuryGuard
    function cancelThreshold(address safe) external view override returns (uint256) {
        return _cancelThreshold(safe);
    }

    /// @inheritdoc ITreasuryGuard
    function queuedTransaction(address safe, uint256 id) external view override returns (QueuedTransaction memory) {
        Item storage item = _queue[safe][id];
        return
            QueuedTransaction({
                to: item.to,
                value: item.value,
                data: item.data,
                operation: Enum.Operation(item.operation),
                eta: item.eta,
                expiresAt: item.expiresAt,
                vetoes: item.vetoes,
                state: _queueState(item)
            });
    }

    /// @inheritdoc ITreasuryGuard
    function queueState(address safe, uint256 id) external view override returns (QueueState) {
        return _queueState(_queue[safe][id]);
    }

    /// @inheritdoc ITreasuryGuard
    function classify(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 gasPrice
    ) external view override returns (Verdict verdict, Reason reason, Outflow[] memory outflows) {
        Classification memory c = _classify(safe, to, value, data, operation, false);
        if (gasPrice != 0) {
            // The hook checks the gas price before anything else: so does the reason.
            c.verdict = Verdict.Forbidden;
            c.reason = Reason.GasRefund;
        }
        _evaluateCaps(safe, c);
        return (c.verdict, c.reason, _outflowsOf(c));
    }

    /*//////////////////////////////////////////////////////////////
                          INTERNAL: CHECK AND COUNT
    //////////////////////////////////////////////////////////////*/

    /// @dev Classifies, reverts unless instant, counts the outflows (commit early) and pushes them for rollback.
    function _checkAndCount(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        bool byOwners
    ) private {
        Classification memory c = _classify(safe, to, value, data, operation, !byOwners);
        if (c.verdict == Verdict.Forbidden) revert TransactionForbidden(c.reason);
        if (c.verdict == Verdict.Delayed) revert DelayRequired(c.reason);
        _count(safe, c, byOwners);
        _pushContext(safe, c);
    }

    /**
     * @dev Counts each asset's summed outflow in its window, reverting CapExceeded if it does not fit. Owner
     *      transactions mark the windows they write with the activity time, or the Safe's slot if they count none;
     *      module transactions keep the marks (moving a mark of an older hour to the Safe's slot first, since the
     *      window's hour is about to change).
     */
    function _count(address safe, Classification memory c, bool byOwners) private {
        uint256 count = c.count;
        for (uint256 i; i < count; ++i) {
            address asset = c.assets[i];
            RollingWindow.Window storage window = _windows[safe][asset];
            uint256 extra = window.extra();
            uint256 newExtra = byOwners ? _mark(extra) : _keepMark(safe, window, extra);
            (bool ok, uint256 available) = window.trySpend(_decodeCap(extra), c.amounts[i], block.timestamp, newExtra);
            if (!ok) revert CapExceeded(asset, c.amounts[i], available);
        }
        if (byOwners && count == 0) {
            SafeState storage state = _safes[safe];
            if (state.lastActivity != block.timestamp) state.lastActivity = uint40(block.timestamp);
        }
    }

    /**
     * @dev Handles a plain ETH transfer or an ERC20 transfer() of a non-zero amount to someone other than the Safe
     *      (the same verdict and counting as the general path, cheaper). Returns false for anything else.
     */
    function _fastPath(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) private returns (bool) {
        if (operation != Enum.Operation.Call || to == safe || to == address(this)) return false;
        if (data.length == 0) {
            if (value == 0) return false;
            _countSingle(safe, address(0), to, value);
            return true;
        }
        if (value != 0 || data.length != 68 || bytes4(data) != TRANSFER) return false;
        address recipient = _address(data, 4);
        uint256 amount = _word(data, 36);
        if (amount == 0 || recipient == safe) return false;
        _countSingle(safe, to, recipient, amount);
        return true;
    }

    /// @dev The fast path: one outflow of `amount` (> 0) of `asset` by the owners to `recipient` (not the Safe).
    function _countSingle(address safe, address asset, address recipient, uint256 amount) private {
        if (!_recipients[safe][recipient]) revert DelayRequired(Reason.RecipientNotAllowed);
        RollingWindow.Window storage window = _windows[safe][asset];
        uint256 extra = window.extra();
        (bool ok, uint256 available) = window.trySpend(_decodeCap(extra), amount, block.timestamp, _mark(extra));
        if (!ok) revert CapExceeded(asset, amount, available);
        uint256 base = _contextBase(safe);
        // amount <= RollingWindow.MAX_AMOUNT < 2^96: asset and amount share one word. base + length + 2 cannot wrap
        // (base is a keccak256 output).
        assembly ("memory-safe") {
            let length := tload(base)
            let top := add(add(base, 1), length)
            tstore(top, or(shl(96, asset), amount))
            tstore(add(top, 1), 1)
            tstore(base, add(length, 2))
        }
    }

    /// @dev Marks the classification Delayed (CapExceeded or NoCap) if an asset's sum exceeds its capacity.
    function _evaluateCaps(address safe, Classification memory c) private view {
        for (uint256 i; i < c.count; ++i) {
            address asset = c.assets[i];
            RollingWindow.Window storage window = _windows[safe][asset];
            uint256 cap = _decodeCap(window.extra());
            if (c.amounts[i] > window.available(cap, block.timestamp)) {
                _flag(c, Verdict.Delayed, cap == 0 ? Reason.NoCap : Reason.CapExceeded);
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                        INTERNAL: TRANSIENT CONTEXT
    //////////////////////////////////////////////////////////////*/
    // Per Safe, a stack in transient storage at slot base = keccak256(safe, namespace): base holds the length; the
    // items follow. A frame is one word per counted asset (asset << 96 | amount: counted amounts are below 2^96)
    // followed by the word count. Hooks always come in pairs per Safe and nest (an inner Safe transaction runs both
    // of its hooks between the outer ones), so the top frame is always the current transaction's. A pop on an empty
    // stack (an EOA calling the hook) does nothing.

    function _contextBase(address safe) private pure returns (uint256 base) {
        bytes32 namespace = _CONTEXT_NAMESPACE;
        assembly ("memory-safe") {
            mstore(0x00, safe)
            mstore(0x20, namespace)
            base := keccak256(0x00, 0x40)
        }
    }

    function _pushContext(address safe, Classification memory c) private {
        uint256 base = _contextBase(safe);
        uint256 count = c.count;
        address[] memory assets = c.assets;
        uint256[] memory amounts = c.amounts;
        assembly ("memory-safe") {
            let length := tload(base)
            // base is a keccak256 output: base + 1 + length cannot wrap before the stack holds 2^255 items.
            let top := add(add(base, 1), length)
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                let offset := shl(5, add(i, 1))
                tstore(add(top, i), or(shl(96, mload(add(assets, offset))), mload(add(amounts, offset))))
            }
            tstore(add(top, count), count)
            tstore(base, add(length, add(count, 1)))
        }
    }

    function _popContext(address safe, bool success) private {
        uint256 base = _contextBase(safe);
        uint256 length;
        uint256 count;
        assembly ("memory-safe") {
            length := tload(base)
            if length {
                count := tload(add(base, length))
            }
        }
        if (length == 0) return;
        // A frame is count + 1 items and the stack only holds whole frames, so start >= 0.
        unchecked {
            uint256 start = length - 1 - count;
            if (!success) {
                for (uint256 i; i < count; ++i) {
                    uint256 slot = base + 1 + start + i;
                    uint256 item;
                    assembly ("memory-safe") {
                        item := tload(slot)
                    }
                    // Same transaction, same timestamp: refunds exactly what the pre-hook counted.
                    _windows[safe][address(uint160(item >> 96))].refund(
                        item & RollingWindow.MAX_AMOUNT,
                        block.timestamp
                    );
                }
            }
            assembly ("memory-safe") {
                tstore(base, start)
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                          INTERNAL: CLASSIFICATION
    //////////////////////////////////////////////////////////////*/

    function _emptyClassification() private pure returns (Classification memory c) {
        c.assets = new address[](0);
        c.amounts = new uint256[](0);
    }

    function _classify(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        bool byModule
    ) private view returns (Classification memory c) {
        c.byModule = byModule;
        // A call adds at most two assets (ETH and a token); batches grow the arrays on demand (_addOutflow).
        c.assets = new address[](2);
        c.amounts = new uint256[](2);
        if (operation == Enum.Operation.DelegateCall) _classifyDelegateCall(c, safe, to, data);
        else _classifyCall(c, safe, to, value, data);
    }

    function _classifyDelegateCall(
        Classification memory c,
        address safe,
        address to,
        bytes calldata data
    ) private view {
        if (to == MULTI_SEND_CALL_ONLY_150 || to == MULTI_SEND_CALL_ONLY_141 || to == MULTI_SEND_CALL_ONLY_130) {
            if (data.length < 4 || bytes4(data) != MULTI_SEND) {
                _flag(c, Verdict.Forbidden, Reason.DelegateCallForbidden);
                return;
            }
            _classifyBatch(c, safe, data, to == MULTI_SEND_CALL_ONLY_150);
        } else if (to == SAFE_MIGRATION_150 || to == SIGN_MESSAGE_LIB_150 || to == SIGN_MESSAGE_LIB_141) {
            _flag(c, Verdict.Delayed, Reason.SafeLibraryDelegateCall);
        } else if (to == MULTI_SEND_150 || to == MULTI_SEND_141 || to == MULTI_SEND_130) {
            _flag(c, Verdict.Forbidden, Reason.PlainMultiSend);
        } else {
            _flag(c, Verdict.Forbidden, Reason.DelegateCallForbidden);
        }
    }

    /**
     * @dev Decodes multiSend(bytes) exactly as MultiSendCallOnly executes it: ABI offset 0x20, then packed entries
     *      (operation uint8 == 0, to address, value uint256, dataLength uint256, data) that consume the payload
     *      exactly. Anything else reverts MalformedBatch. `zeroIsSafe`: MultiSendCallOnly 1.5.0 calls the Safe itself
     *      for to == address(0).
     */
    function _classifyBatch(Classification memory c, address safe, bytes calldata data, bool zeroIsSafe) private view {
        if (data.length < 68 || _word(data, 4) != 0x20) revert MalformedBatch();
        uint256 length = _word(data, 36);
        if (length > data.length - 68) revert MalformedBatch();
        // Absolute calldata offsets of the payload: [start, start + length). data lies within calldata and
        // 68 + length <= data.length: no overflow.
        unchecked {
            uint256 start = _offset(data) + 68;
            _classifyEntries(c, safe, start, start + length, zeroIsSafe);
        }
    }

    /**
     * @dev The entries of a MultiSendCallOnly payload at absolute calldata offsets [p, end). ERC20 transfer() entries
     *      (68 bytes of data, no value, to a token other than the Safe and the guard, amount > 0, recipient other than
     *      the Safe) take an inline path that judges them exactly as _classifyTokenCall does: the recipient must be
     *      whitelisted and consecutive transfers of one token are summed (a "run") before joining the outflows.
     *      Every other entry goes through _classifyCall.
     */
    function _classifyEntries(
        Classification memory c,
        address safe,
        uint256 p,
        uint256 end,
        bool zeroIsSafe
    ) private view {
        // st: [0] run token, [1] run amount, [2] flushed token, [3] flushed amount, [4] slot of _recipients[safe]
        // (in memory: the stack cannot hold them all).
        uint256[5] memory st;
        assembly ("memory-safe") {
            mstore(0x00, safe)
            mstore(0x20, _recipients.slot)
            mstore(add(st, 0x80), keccak256(0x00, 0x40))
        }
        while (p < end) {
            address to;
            uint256 value;
            uint256 dataLength;
            uint256 flags; // 1: malformed, 2: handled inline, 4: recipient not whitelisted, 8: run flushed
            assembly ("memory-safe") {
                let head := calldataload(p)
                to := shr(96, shl(8, head))
                value := calldataload(add(p, 21))
                dataLength := calldataload(add(p, 53))
                // Fewer than 85 bytes left, an operation other than CALL, or data beyond the payload. (When fewer
                // than 85 bytes are left, the wrapped subtraction below is irrelevant: the entry is malformed.)
                if or(or(lt(sub(end, p), 85), shr(248, head)), gt(dataLength, sub(sub(end, p), 85))) {
                    flags := 1
                }
                if and(iszero(to), zeroIsSafe) {
                    to := safe
                }
                if and(iszero(flags), and(eq(dataLength, 68), iszero(value))) {
                    if iszero(or(eq(to, safe), eq(to, address()))) {
                        let recipient := shr(96, shl(96, calldataload(add(p, 89))))
                        let amount := calldataload(add(p, 121))
                        // transfer(address,uint256)
                        if and(
                            eq(shr(224, calldataload(add(p, 85))), 0xa9059cbb),
                            iszero(or(iszero(amount), eq(recipient, safe)))
                        ) {
                            flags := 2
                            mstore(0x00, recipient)
                            mstore(0x20, mload(add(st, 0x80)))
                            if iszero(sload(keccak256(0x00, 0x40))) {
                                flags := 6
                            }
                            let runAmount := mload(add(st, 0x20))
                            switch and(eq(to, mload(st)), iszero(iszero(runAmount)))
                            case 1 {
                                // Saturating: a sum beyond 2^256 is over any cap.
                                let sum := add(runAmount, amount)
                                if lt(sum, amount) {
                                    sum := not(0)
                                }
                                mstore(add(st, 0x20), sum)
                            }
                            default {
                                if runAmount {
                                    flags := or(flags, 8)
                                    mstore(add(st, 0x40), mload(st))
                                    mstore(add(st, 0x60), runAmount)
                                }
                                mstore(st, to)
                                mstore(add(st, 0x20), amount)
                            }
                        }
                    }
                }
            }
            if (flags == 0) {
                _classifyCall(c, safe, to, value, _slice(p + 85, dataLength));
            } else {
                if (flags & 1 != 0) revert MalformedBatch();
                if (flags & 4 != 0) _flag(c, Verdict.Delayed, Reason.RecipientNotAllowed);
                if (flags & 8 != 0) _addOutflow(c, address(uint160(st[2])), st[3]);
            }
            // 85 + dataLength <= end - p (checked above): no overflow, p stays <= end.
            unchecked {
                p += 85 + dataLength;
            }
        }
        if (st[1] != 0) _addOutflow(c, address(uint160(st[0])), st[1]);
    }

    function _classifyCall(
        Classification memory c,
        address safe,
        address to,
        uint256 value,
        bytes calldata data
    ) private view {
        if (to == safe) {
            // Value sent to itself moves nothing; any call on the Safe itself is privileged (owners, modules, guards,
            // fallback handler) or is forwarded to its fallback handler.
            if (data.length != 0) _flag(c, Verdict.Delayed, Reason.SafeSelfCall);
            return;
        }
        if (value != 0) _outflow(c, safe, address(0), to, value);
        if (to == address(this)) {
            // The guard's instant operations (queue, cancel, tightening setters, resetCancelStreak) are the owners':
            // a module calling them could cancel its own removal or reset the veto streak.
            if (c.byModule) _flag(c, Verdict.Forbidden, Reason.GuardCall);
            else _classifyGuardCall(c, safe, data);
            return;
        }
        if (data.length == 0) return;
        if (data.length >= 4 && _classifyTokenCall(c, safe, to, bytes4(data), data)) return;
        // Trust in the recovery module's selectors (e.g. cancelRecovery) is the owners' trust, not any module's.
        if (c.byModule && to == _recoveryModules[safe]) {
            _flag(c, Verdict.Delayed, Reason.UntrustedTarget);
            return;
        }
        if (_trustedTargets[safe][to]) return;
        if (data.length >= 4 && _trustedSelectors[safe][to][bytes4(data)]) return;
        _flag(c, Verdict.Delayed, Reason.UntrustedTarget);
    }

    /**
     * @dev Judges a call on a token by its decoding, whatever the target's trust. Returns false if the selector is
     *      not one of the decoded ones. Address arguments are truncated to 160 bits like the tokens that accept
     *      dirty bits do (strict decoders revert on them anyway); a call too short for its arguments needs the queue.
     */
    function _classifyTokenCall(
        Classification memory c,
        address safe,
        address token,
        bytes4 selector,
        bytes calldata data
    ) private view returns (bool) {
        if (
            selector == TRANSFER ||
            selector == SEND_777 ||
            selector == TRANSFER_AND_CALL ||
            selector == TRANSFER_AND_CALL_DATA ||
            selector == APPROVE ||
            selector == INCREASE_ALLOWANCE ||
            selector == APPROVE_AND_CALL ||
            selector == APPROVE_AND_CALL_DATA
        ) {
            // (recipient or spender, amount): the amount leaves the Safe or becomes spendable by the recipient.
            if (data.length < 68) return _short(c);
            address recipient = _address(data, 4);
            uint256 amount = _word(data, 36);
            // approve(x, 0) has the same calldata as an ERC20 revocation and an ERC721 approval of token id 0. It is
            // a revocation (instant, nothing moves) only where that reading is certain: for the zero spender (which
            // clears an ERC721 approval and which ERC20s refuse), or on a token the Safe has capped (declared
            // fungible) whose ownerOf(0) does not name the Safe. Otherwise it is an approval and needs a whitelisted
            // spender.
            if (
                selector == APPROVE &&
                amount == 0 &&
                (recipient == address(0) || (_assetSlots[safe][token] != 0 && !_ownsTokenZero(safe, token)))
            ) return true;
            _outflow(c, safe, token, recipient, amount);
        } else if (
            selector == TRANSFER_FROM ||
            selector == TRANSFER_FROM_AND_CALL ||
            selector == TRANSFER_FROM_AND_CALL_DATA ||
            selector == OPERATOR_SEND_777
        ) {
            // (from, to, amount): an outflow if from is the Safe; otherwise the Safe moves someone else's tokens
            // with its allowance, and only the recipient is checked.
            if (data.length < 100) return _short(c);
            address to = _address(data, 36);
            if (_address(data, 4) == safe) _outflow(c, safe, token, to, _word(data, 68));
            else _recipient(c, safe, to);
        } else if (
            selector == SAFE_TRANSFER_FROM_721 ||
            selector == SAFE_TRANSFER_FROM_721_DATA ||
            selector == SAFE_TRANSFER_FROM_1155 ||
            selector == SAFE_BATCH_TRANSFER_FROM_1155
        ) {
            // (from, to, ...): non-fungible (no cap): the recipient must be whitelisted.
            if (data.length < 68) return _short(c);
            _recipient(c, safe, _address(data, 36));
        } else if (selector == SET_APPROVAL_FOR_ALL) {
            // (operator, approved): revoking is instant; approving needs a whitelisted operator.
            if (data.length < 68) return _short(c);
            if (_word(data, 36) != 0) _recipient(c, safe, _address(data, 4));
        } else if (selector == AUTHORIZE_OPERATOR_777) {
            // An ERC777 operator moves any amount of the Safe's tokens: no cap can bound it.
            _flag(c, Verdict.Delayed, Reason.UnboundedAllowance);
        } else if (selector == DECREASE_ALLOWANCE || selector == REVOKE_OPERATOR_777) {
            // Tightening only.
        } else {
            return false;
        }
        return true;
    }

    /// @dev Calls to this guard: tightening settings, queue and cancel are instant; loosening is delayed.
    function _classifyGuardCall(Classification memory c, address safe, bytes calldata data) private view {
        if (data.length < 4) {
            _flag(c, Verdict.Forbidden, Reason.GuardCall);
            return;
        }
        bytes4 selector = bytes4(data);
        bool loosens;
        if (
            selector == this.queue.selector ||
            selector == this.cancel.selector ||
            selector == this.resetCancelStreak.selector
        ) {
            return;
        } else if (selector == this.setCap.selector) {
            if (data.length < 68) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            // Raising the cap as set or the enforced (rounded) cap is loosening: rounding is monotonic only up to one
            // unit of the mantissa at exponent boundaries, so both are compared.
            address asset = _address(data, 4);
            uint256 newCap = _word(data, 36);
            loosens =
                newCap > _caps[safe][asset] ||
                _decodeCap(_encodeCap(newCap)) > _decodeCap(_windows[safe][asset].extra());
        } else if (selector == this.setRecipient.selector) {
            if (data.length < 68) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 36) != 0 && !_recipients[safe][_address(data, 4)];
        } else if (selector == this.setTrustedTarget.selector) {
            if (data.length < 68) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 36) != 0 && !_trustedTargets[safe][_address(data, 4)];
        } else if (selector == this.setTrustedSelector.selector) {
            if (data.length < 100) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens =
                _word(data, 68) != 0 &&
                !_trustedSelectors[safe][_address(data, 4)][bytes4(bytes32(_word(data, 36)))];
        } else if (selector == this.setDelay.selector) {
            if (data.length < 36) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) < _effectiveDelay(_safes[safe].delay);
        } else if (selector == this.setExpiry.selector) {
            if (data.length < 36) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) > _effectiveExpiry(_safes[safe].expiry);
        } else if (selector == this.setRecoveryModule.selector) {
            if (data.length < 36) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            address module = _address(data, 4);
            loosens = module != address(0) && module != _recoveryModules[safe];
        } else if (selector == this.setOffchainSignatures.selector) {
            if (data.length < 36) {
                _flag(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) != 0 && !_safes[safe].offchainSignatures;
        } else {
            // Hooks (a Safe calling them would pop its own context), execute, veto, unknown selectors.
            _flag(c, Verdict.Forbidden, Reason.GuardCall);
            return;
        }
        if (loosens) _flag(c, Verdict.Delayed, Reason.PolicyLoosened);
    }

    /// @dev Whether a module transaction only manages owners/threshold of `safe` (directly or in a 1.5.0 batch).
    function _isOwnerManagement(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) private pure returns (bool) {
        if (operation == Enum.Operation.Call) return to == safe && value == 0 && _isOwnerSelector(data);
        if (to != MULTI_SEND_CALL_ONLY_150 && to != MULTI_SEND_CALL_ONLY_141 && to != MULTI_SEND_CALL_ONLY_130) {
            return false;
        }
        if (data.length < 68 || bytes4(data) != MULTI_SEND || _word(data, 4) != 0x20) return false;
        uint256 length = _word(data, 36);
        if (length > data.length - 68 || length == 0) return false;
        bytes calldata payload = data[68:68 + length];
        uint256 i;
        while (i < length) {
            // Same bounds reasoning as _classifyBatch.
            unchecked {
                if (length - i < 85) return false;
                uint256 head = _word(payload, i);
                if (head >> 248 != 0) return false;
                address subTo = address(uint160(head >> 88));
                if (subTo == address(0) && to == MULTI_SEND_CALL_ONLY_150) subTo = safe;
                uint256 dataLength = _word(payload, i + 53);
                if (dataLength > length - i - 85) return false;
                if (subTo != safe || _word(payload, i + 21) != 0) return false;
                if (!_isOwnerSelector(payload[i + 85:i + 85 + dataLength])) return false;
                i += 85 + dataLength;
            }
        }
        return true;
    }

    function _isOwnerSelector(bytes calldata data) private pure returns (bool) {
        if (data.length < 4) return false;
        bytes4 selector = bytes4(data);
        return
            selector == ADD_OWNER_WITH_THRESHOLD ||
            selector == REMOVE_OWNER ||
            selector == SWAP_OWNER ||
            selector == CHANGE_THRESHOLD;
    }

    /*//////////////////////////////////////////////////////////////
                       INTERNAL: CLASSIFICATION STATE
    //////////////////////////////////////////////////////////////*/

    /// @dev Raises the verdict if `verdict` is stricter; the first reason of the strictest verdict is kept.
    function _flag(Classification memory c, Verdict verdict, Reason reason) private pure {
        if (verdict > c.verdict) {
            c.verdict = verdict;
            c.reason = reason;
        }
    }

    function _short(Classification memory c) private pure returns (bool) {
        _flag(c, Verdict.Delayed, Reason.UntrustedTarget);
        return true;
    }

    /// @dev The recipient must be the Safe or whitelisted.
    function _recipient(Classification memory c, address safe, address recipient) private view {
        if (recipient != safe && !_recipients[safe][recipient]) _flag(c, Verdict.Delayed, Reason.RecipientNotAllowed);
    }

    /**
     * @dev `amount` of `asset` goes to (or becomes spendable by) `recipient`: the recipient is checked whatever the
     *      amount (an amount of 0 can still be a token id, e.g. ERC721 id 0), and a non-zero amount is summed.
     */
    function _outflow(
        Classification memory c,
        address safe,
        address asset,
        address recipient,
        uint256 amount
    ) private view {
        if (recipient == safe) return;
        if (!_recipients[safe][recipient]) _flag(c, Verdict.Delayed, Reason.RecipientNotAllowed);
        if (amount != 0) _addOutflow(c, asset, amount);
    }

    /// @dev Adds `amount` to the sum of `asset`.
    function _addOutflow(Classification memory c, address asset, uint256 amount) private pure {
        uint256 count = c.count;
        address[] memory assets = c.assets;
        uint256[] memory amounts = c.amounts;
        for (uint256 i; i < count; ++i) {
            if (assets[i] == asset) {
                uint256 sum;
                // Saturating: a sum beyond 2^256 is over any cap and reverts CapExceeded, not a panic.
                unchecked {
                    sum = amounts[i] + amount;
                }
                amounts[i] = sum < amount ? type(uint256).max : sum;
                return;
            }
        }
        if (count == assets.length) {
            // Full (only batches with more than two assets get here): double the capacity.
            address[] memory grownAssets = new address[](2 * count);
            uint256[] memory grownAmounts = new uint256[](2 * count);
            for (uint256 i; i < count; ++i) {
                grownAssets[i] = assets[i];
                grownAmounts[i] = amounts[i];
            }
            (assets, amounts) = (grownAssets, grownAmounts);
            (c.assets, c.amounts) = (grownAssets, grownAmounts);
        }
        assets[count] = asset;
        amounts[count] = amount;
        c.count = count + 1;
    }

    function _outflowsOf(Classification memory c) private pure returns (Outflow[] memory outflows) {
        outflows = new Outflow[](c.count);
        for (uint256 i; i < c.count; ++i) outflows[i] = Outflow(c.assets[i], c.amounts[i]);
    }

    /*//////////////////////////////////////////////////////////////
                              INTERNAL: MISC
    //////////////////////////////////////////////////////////////*/

    /// @dev The cap rounded down to mantissa * 10^exponent with a 21-bit mantissa; caps >= MAX_AMOUNT unbounded.
    function _encodeCap(uint256 cap) private pure returns (uint256) {
        if (cap >= RollingWindow.MAX_AMOUNT) return _CAP_UNBOUNDED;
        uint256 exponent;
        while (cap > _MANTISSA_MAX) {
            cap /= 10;
            ++exponent;
        }
        return (exponent << _MANTISSA_BITS) | cap;
    }

    /// @dev mantissa < 2^21 and exponent < 32 (10^31 < 2^104): the product cannot overflow.
    function _decodeCap(uint256 extra) private pure returns (uint256) {
        return (extra & _MANTISSA_MAX) * 10 ** ((extra >> _MANTISSA_BITS) & _EXPONENT_MASK);
    }

    /// @dev `extra` with an activity mark at block.timestamp's minute (the window is written in the current hour).
    function _mark(uint256 extra) private view returns (uint256) {
        return (extra & _CAP_MASK) | _MARK_VALID | (((block.timestamp % RollingWindow.BUCKET) / 60) << _MARK_SHIFT);
    }

    /// @dev The time a valid mark stands for: the end of its minute (never earlier than the activity), or now.
    function _markedAt(uint256 hour, uint256 extra) private view returns (uint256 marked) {
        marked = hour * RollingWindow.BUCKET + ((extra >> _MARK_SHIFT) & _MARK_MASK) * 60 + 59;
        if (marked > block.timestamp) marked = block.timestamp;
    }

    /// @dev `extra` for a module write: the mark stays if the window stays in its hour, else moves to the Safe slot.
    function _keepMark(address safe, RollingWindow.Window storage window, uint256 extra) private returns (uint256) {
        if (extra & _MARK_VALID == 0) return extra;
        uint256 hour = window.lastHour();
        if (hour == block.timestamp / RollingWindow.BUCKET) return extra;
        return _moveMark(safe, hour, extra);
    }

    /// @dev Moves a window's activity mark (of a window last written in `hour`) to the Safe's slot; returns `extra`
    ///      without it.
    function _moveMark(address safe, uint256 hour, uint256 extra) private returns (uint256) {
        if (extra & _MARK_VALID == 0) return extra;
        uint256 marked = _markedAt(hour, extra);
        SafeState storage state = _safes[safe];
        if (marked > state.lastActivity) state.lastActivity = uint40(marked);
        return extra & _CAP_MASK;
    }

    /// @dev Removes the asset listed at `slot` (1 + index) from the Safe's capped assets (swap and pop).
    function _delist(address safe, uint256 slot) private {
        address[] storage assets = _assets[safe];
        uint256 last = assets.length;
        address removed = assets[slot - 1];
        if (slot != last) {
            address moved = assets[last - 1];
            assets[slot - 1] = moved;
            _assetSlots[safe][moved] = slot;
        }
        assets.pop();
        delete _assetSlots[safe][removed];
    }

    /// @dev An address the Safe keeps in `slot`, read through StorageAccessible.
    function _slotAddress(address safe, uint256 slot) private view returns (address) {
        return abi.decode(StorageAccessible(safe).getStorageAt(slot, 1), (address));
    }

    /**
     * @dev Whether `token` answers ownerOf(0) with `safe`: then approve(x, 0) on it approves an NFT the Safe holds.
     *      Bounded gas; a revert, a short answer or another owner is "no".
     */
    function _ownsTokenZero(address safe, address token) private view returns (bool owns) {
        (bool ok, bytes memory answer) = token.staticcall{gas: 30_000}(abi.encodeWithSelector(OWNER_OF, 0));
        owns = ok && answer.length >= 32 && abi.decode(answer, (uint256)) == uint256(uint160(safe));
    }

    /// @dev The latest of the Safe slot's record and the marks of its capped assets' windows.
    function _lastActivity(address safe) private view returns (uint64 latest) {
        latest = _safes[safe].lastActivity;
        address[] storage assets = _assets[safe];
        uint256 length = assets.length;
        for (uint256 i; i < length; ++i) {
            RollingWindow.Window storage window = _windows[safe][assets[i]];
            uint256 extra = window.extra();
            if (extra & _MARK_VALID == 0) continue;
            uint256 marked = _markedAt(window.lastHour(), extra);
            if (marked > latest) latest = uint64(marked);
        }
    }

    function _cancelThreshold(address safe) private view returns (uint256) {
        uint256 threshold = IOwnerManager(safe).getThreshold();
        uint256 rising = uint256(_safes[safe].cancelStreak) + 1;
        return rising < threshold ? rising : threshold;
    }

    function _queueState(Item storage item) private view returns (QueueState) {
        uint8 stored = item.state;
        if (stored == _EXECUTED) return QueueState.Executed;
        if (stored == _CANCELLED) return QueueState.Cancelled;
        if (stored != _QUEUED) return QueueState.None;
        if (block.timestamp < item.eta) return QueueState.Waiting;
        if (block.timestamp < item.expiresAt) return QueueState.Ready;
        return QueueState.Expired;
    }

    function _effectiveDelay(uint32 delay) private pure returns (uint32) {
        return delay == 0 ? DEFAULT_DELAY : delay;
    }

    function _effectiveExpiry(uint32 expiry) private pure returns (uint32) {
        return expiry == 0 ? DEFAULT_EXPIRY : expiry;
    }

    /// @dev The 32-byte word at `offset` of `data`; callers check offset + 32 <= data.length.
    function _word(bytes calldata data, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, offset))
        }
    }

    /// @dev The word at absolute calldata offset `p` (callers check bounds).
    function _load(uint256 p) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(p)
        }
    }

    function _offset(bytes calldata data) private pure returns (uint256 offset) {
        assembly ("memory-safe") {
            offset := data.offset
        }
    }

    /// @dev The calldata slice [p, p + length) (callers check bounds).
    function _slice(uint256 p, uint256 length) private pure returns (bytes calldata slice) {
        assembly ("memory-safe") {
            slice.offset := p
            slice.length := length
        }
    }

    function _address(bytes calldata data, uint256 offset) private pure returns (address) {
        return address(uint160(_word(data, offset)));
    }
}
