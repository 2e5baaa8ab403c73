// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IRecoveryModule} from "../../interfaces/IRecoveryModule.sol";

import {SafeModule} from "./SafeModule.sol";

/**
 * @title RecoveryModuleStorage - the state, types and constants RecoveryModule's parts share
 * @dev The only base that declares state variables: after EIP712's two fallback strings (slots 0 and 1), the storage
 *      layout of RecoveryModule is this contract's.
 */
abstract contract RecoveryModuleStorage is IRecoveryModule, EIP712, SafeModule {
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
    mapping(address safe => Config) internal _configs;
    // safe -> guardian set
    mapping(address safe => EnumerableSet.AddressSet) internal _guardians;
    // safe -> activity recorder (TreasuryGuard), address(0) if none
    mapping(address safe => address) internal _recorders;
    // safe -> last observed activity
    mapping(address safe => Activity) internal _activity;
    // safe -> recovery hash -> approvals
    mapping(address safe => mapping(bytes32 recoveryHash => Approvals)) internal _approvals;
    // safe -> pending recovery (two slots)
    mapping(address safe => PendingRecovery) internal _pending;
}
