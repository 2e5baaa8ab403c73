// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IOwnerManager} from "@safe-global/safe-smart-account/contracts/interfaces/IOwnerManager.sol";

import {RecoveryActivity} from "./RecoveryActivity.sol";

/**
 * @title RecoveryOwners - RecoveryModule's proposals: owner-set validation, the EIP-712 hash, and the owner rewrite
 * @dev A proposal's owners are validated once (at approval and initiation) and written to the Safe at finalization
 *      with ordinary OwnerManager calls made through execTransactionFromModule.
 */
abstract contract RecoveryOwners is RecoveryActivity {
    /*//////////////////////////////////////////////////////////////
                       INTERNAL: PROPOSED OWNERS
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev New owners must be strictly ascending addresses above the sentinel, and not the Safe: this refuses
     *      address(0), SENTINEL and duplicates in one pass, and gives each owner set exactly one proposal hash (so
     *      approvals for the same set cannot be split across orderings). None may be this module, or a contract
     *      of the Safe's own set-up (a module, a guard, the fallback handler, the activity recorder), which can never
     *      produce a signature for it (OwnerCannotSign): a recovery must leave owners who can sign. An address without
     *      code can always sign, whatever role the Safe gave it.
     */
    function _validateOwners(address safe, address[] calldata newOwners, uint256 newThreshold) internal view {
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
    ) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(RECOVERY_TYPEHASH, safe, keccak256(abi.encodePacked(newOwners)), newThreshold, nonce)
                )
            );
    }

    /**
     * @dev Makes the Safe's owners exactly `newOwners` (validated, strictly ascending) with `newThreshold`:
     *      1. add every new owner that is not an owner yet (threshold 1 keeps every intermediate state valid);
     *      2. walk the resulting linked list from the sentinel and remove every owner not in `newOwners`, passing the
     *         predecessor that is still in the list (it only advances past owners that stay);
     *      3. set the threshold.
     *      Each step is an ordinary OwnerManager call, so Safe itself keeps its list consistent and emits its events.
     */
    function _replaceOwners(address safe, address[] calldata newOwners, uint256 newThreshold) internal {
        IOwnerManager owners = IOwnerManager(safe);
        uint256 count = newOwners.length;
        for (uint256 i; i < count; ++i) {
            if (!owners.isOwner(newOwners[i])) {
                _execSelfCall(safe, abi.encodeCall(IOwnerManager.addOwnerWithThreshold, (newOwners[i], 1)));
            }
        }
        address[] memory current = owners.getOwners();
        address prev = SENTINEL;
        for (uint256 i; i < current.length; ++i) {
            address owner = current[i];
            if (_containsSorted(newOwners, owner)) {
                prev = owner;
            } else {
                _execSelfCall(safe, abi.encodeCall(IOwnerManager.removeOwner, (prev, owner, 1)));
            }
        }
        if (owners.getThreshold() != newThreshold) {
            _execSelfCall(safe, abi.encodeCall(IOwnerManager.changeThreshold, (newThreshold)));
        }
    }

    /// @dev Has `safe` call itself with `data` (an OwnerManager function); reverts if the Safe refuses.
    function _execSelfCall(address safe, bytes memory data) internal {
        if (!_exec(safe, safe, 0, data)) {
            revert ModuleTransactionFailed(safe, bytes4(data));
        }
    }

    /// @dev Binary search in a strictly ascending array (at most MAX_OWNERS entries).
    function _containsSorted(address[] calldata sorted, address account) internal pure returns (bool) {
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
