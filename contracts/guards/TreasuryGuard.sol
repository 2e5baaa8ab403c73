// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ITransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";
import {IModuleGuard} from "@safe-global/safe-smart-account/contracts/base/ModuleManager.sol";
import {IERC165} from "@safe-global/safe-smart-account/contracts/interfaces/IERC165.sol";

import {GuardLedger} from "./base/GuardLedger.sol";
import {GuardClassifier} from "./base/GuardClassifier.sol";
import {GuardPolicy} from "./base/GuardPolicy.sol";
import {GuardQueue} from "./base/GuardQueue.sol";
import {SafeCanonical} from "../libraries/SafeCanonical.sol";

/**
 * @title TreasuryGuard - rolling caps, whitelists, a timelock queue and a DELEGATECALL policy for Safes
 * @notice Singleton: transaction guard, module guard (Safe 1.5.0) and module of many Safes, state keyed by the Safe.
 * @dev Prepare/commit: checkTransaction classifies the transaction against the state before it runs and counts its
 *      outflows at once (commit early); the counted amounts are kept in transient storage, on a per-Safe stack so
 *      nested Safe transactions pair correctly, and checkAfterExecution refunds them if the Safe transaction failed.
 */
contract TreasuryGuard is ITransactionGuard, IModuleGuard, GuardLedger, GuardClassifier, GuardPolicy, GuardQueue {
    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    // Safe owner management (what the recovery module may do).
    bytes4 internal constant ADD_OWNER_WITH_THRESHOLD = 0x0d582f13;
    bytes4 internal constant REMOVE_OWNER = 0xf8dc5dd9;
    bytes4 internal constant SWAP_OWNER = 0xe318b52b;
    bytes4 internal constant CHANGE_THRESHOLD = 0x694e80c3;

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

    /// @dev Whether a module transaction only manages owners/threshold of `safe` (directly or in a 1.5.0 batch).
    function _isOwnerManagement(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) private pure returns (bool) {
        if (operation == Enum.Operation.Call) return to == safe && value == 0 && _isOwnerSelector(data);
        if (!SafeCanonical.isMultiSendCallOnly(to)) return false;
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
                if (subTo == address(0) && SafeCanonical.zeroMeansSelf(to)) subTo = safe;
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
}
