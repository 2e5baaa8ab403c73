// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {ISpendingLimitModule} from "../../interfaces/ISpendingLimitModule.sol";
import {RollingWindow} from "../../libraries/RollingWindow.sol";

import {SafeModule} from "./SafeModule.sol";

/**
 * @title SpendingLimitModuleStorage - the state, slots and constants of SpendingLimitModule's parts
 * @dev The only base that declares state variables: after EIP712's two fallback strings (slots 0 and 1), the storage
 *      layout of SpendingLimitModule is this contract's. The windows and recipient flags are not mappings: their
 *      slots are derived here (_window, _recipient).
 */
abstract contract SpendingLimitModuleStorage is ISpendingLimitModule, EIP712, SafeModule {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice EIP-712 type a delegate signs for a relayed spend.
    bytes32 public constant SPEND_TYPEHASH =
        keccak256(
            "Spend(address safe,address delegate,address asset,address to,uint256 amount,uint256 nonce,"
            "uint256 deadline)"
        );

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev The window header's 35-bit `extra` field holds the allowance and one flag, so a spend reads and writes one
    ///      hot slot for all of them: allowance (34 bits: PackedAmount with a 29-bit mantissa) | invalidated (1 bit)
    ///      << 34. The allowance is the amount set rounded down to a 29-bit decimal mantissa (exact for any amount with
    ///      at most 8 significant digits, and for 9 up to 536,870,911); amounts above RollingWindow.MAX_AMOUNT are
    ///      clamped to it first (PackedAmount.encode). Rounding down only makes the limit stricter. `invalidated` is
    ///      set by the first signature invalidation of the window and never cleared (see _nonce).
    uint256 internal constant _MANTISSA_BITS = 29;
    // Literals, not `_MANTISSA_BITS + 5`: the optimizer does not fold checked arithmetic on constants.
    uint256 internal constant _ALLOWANCE_MASK = (1 << 34) - 1;
    uint256 internal constant _INVALIDATED = 1 << 34;
    // RollingWindow.mark() is below 2^120; the invalidation counter goes above it in the nonce.
    uint256 internal constant _EPOCH_SHIFT = 128;

    // safe -> delegate -> asset -> spend history and allowance (in the header's `extra`): at _window(...). The window
    // outlives allowance changes: lowering, revoking and re-granting never forget what was spent in the last 24 hours.
    // safe -> delegate -> recipient -> allowed: at _recipient(...).
    // Both are keyed by three addresses and read on every spend, so their slots are derived with one keccak each
    // (keccak256(abi.encode(a, b, c, seed))) instead of a nested mapping's three. The 128-byte preimages with
    // distinct seeds cannot collide with each other nor with Solidity's 64-byte mapping preimages below.
    // keccak256("SpendingLimitModule.windows") and keccak256("SpendingLimitModule.recipients") (literals: inline
    // assembly only takes number constants; checked by the tests' storage-layout assertion).
    uint256 internal constant _WINDOWS_SEED = 0xc7756c8a6fe6ff9a802d60f66481f7734e212eb1e491bb17c715605be361d859;
    uint256 internal constant _RECIPIENTS_SEED = 0x7529ca270b051c548299f13a59a5b5208c6627e382afb0bf9323633f91e12163;

    struct Flag {
        bool value;
    }

    // safe -> delegate -> asset -> invalidation counter (only read for windows flagged `invalidated`)
    mapping(address safe => mapping(address delegate => mapping(address asset => uint256))) internal _epochs;
    // safe -> delegate -> number of assets with a non-zero allowance (tells UnknownDelegate from NoAllowance)
    mapping(address safe => mapping(address delegate => uint256)) internal _grants;
    // safe -> recipient registry (TreasuryGuard), address(0) if none
    mapping(address safe => address) internal _registries;

    /*//////////////////////////////////////////////////////////////
                            INTERNAL: SLOTS
    //////////////////////////////////////////////////////////////*/

    function _window(
        address safe,
        address delegate,
        address asset
    ) internal pure returns (RollingWindow.Window storage window) {
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer (not advanced).
            let ptr := mload(0x40)
            mstore(ptr, safe)
            mstore(add(ptr, 0x20), delegate)
            mstore(add(ptr, 0x40), asset)
            mstore(add(ptr, 0x60), _WINDOWS_SEED)
            window.slot := keccak256(ptr, 0x80)
        }
    }

    // _window and _recipient repeat the same four-word hash on purpose: a shared helper measured 143 gas more per
    // spend (the optimizer does not inline it).
    function _recipient(address safe, address delegate, address recipient) internal pure returns (Flag storage flag) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, safe)
            mstore(add(ptr, 0x20), delegate)
            mstore(add(ptr, 0x40), recipient)
            mstore(add(ptr, 0x60), _RECIPIENTS_SEED)
            flag.slot := keccak256(ptr, 0x80)
        }
    }
}
