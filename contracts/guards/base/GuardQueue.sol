// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IOwnerManager} from "@safe-global/safe-smart-account/contracts/interfaces/IOwnerManager.sol";
import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {StorageAccessible} from "@safe-global/safe-smart-account/contracts/common/StorageAccessible.sol";

import {ITreasuryGuard} from "../../interfaces/ITreasuryGuard.sol";

import {GuardClassifier} from "./GuardClassifier.sol";

/**
 * @title GuardQueue - TreasuryGuard's timelock queue
 * @dev Queued transactions wait the Safe's delay, may be cancelled by the Safe or vetoed by its owners, and run
 *      through the guard's module until they expire.
 */
abstract contract GuardQueue is GuardClassifier {
    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev Safe's transaction guard slot: keccak256("guard_manager.guard.address") (Safe 1.3.0 to 1.5.0).
    uint256 private constant _GUARD_STORAGE_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;
    /// @dev Safe 1.5.0's module guard slot: keccak256("module_manager.module_guard.address").
    uint256 private constant _MODULE_GUARD_STORAGE_SLOT =
        0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947;

    // Stored queue states (Waiting/Ready/Expired are derived from time).
    uint8 private constant _QUEUED = 1;
    uint8 private constant _EXECUTED = 2;
    uint8 private constant _CANCELLED = 3;

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
        QueuedCall storage item = _queue[safe][id];
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
        QueuedCall storage item = _queue[safe][id];
        if (item.state != _QUEUED) revert TransactionNotQueued(safe, id, _queueState(item));
        item.state = _CANCELLED;
        emit TransactionCancelled(safe, id, safe, _safes[safe].cancelStreak);
    }

    /// @inheritdoc ITreasuryGuard
    function veto(address safe, uint256 id) external override {
        if (!IOwnerManager(safe).isOwner(msg.sender)) revert NotSafeOwner(safe, msg.sender);
        QueuedCall storage item = _queue[safe][id];
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
        QueuedCall storage item = _queue[safe][id];
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

    /// @inheritdoc ITreasuryGuard
    function cancelThreshold(address safe) external view override returns (uint256) {
        return _cancelThreshold(safe);
    }

    /// @inheritdoc ITreasuryGuard
    function queuedTransaction(address safe, uint256 id) external view override returns (QueuedTransaction memory) {
        QueuedCall storage item = _queue[safe][id];
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

    /*//////////////////////////////////////////////////////////////
                           INTERNAL: QUEUE
    //////////////////////////////////////////////////////////////*/

    /// @dev An address the Safe keeps in `slot`, read through StorageAccessible.
    function _slotAddress(address safe, uint256 slot) private view returns (address) {
        return abi.decode(StorageAccessible(safe).getStorageAt(slot, 1), (address));
    }

    function _cancelThreshold(address safe) private view returns (uint256) {
        uint256 threshold = IOwnerManager(safe).getThreshold();
        uint256 rising = uint256(_safes[safe].cancelStreak) + 1;
        return rising < threshold ? rising : threshold;
    }

    function _queueState(QueuedCall storage item) private view returns (QueueState) {
        uint8 stored = item.state;
        if (stored == _EXECUTED) return QueueState.Executed;
        if (stored == _CANCELLED) return QueueState.Cancelled;
        if (stored != _QUEUED) return QueueState.None;
        if (block.timestamp < item.eta) return QueueState.Waiting;
        if (block.timestamp < item.expiresAt) return QueueState.Ready;
        return QueueState.Expired;
    }
}
