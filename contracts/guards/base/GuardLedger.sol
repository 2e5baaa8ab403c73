// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IActivityRecorder} from "../../interfaces/IActivityRecorder.sol";
import {ITreasuryGuard} from "../../interfaces/ITreasuryGuard.sol";
import {PackedAmount} from "../../libraries/PackedAmount.sol";
import {RollingWindow} from "../../libraries/RollingWindow.sol";

import {TreasuryGuardStorage} from "./TreasuryGuardStorage.sol";

/**
 * @title GuardLedger - TreasuryGuard's rolling-window spending ledger and owner activity record
 * @dev Counts outflows in each asset's window (with the cap encoded in the window header), keeps the counted amounts
 *      in transient storage so a failed Safe transaction is refunded, and records owner activity as marks in the
 *      windows it writes or in the Safe's slot.
 */
abstract contract GuardLedger is TreasuryGuardStorage {
    using RollingWindow for RollingWindow.Window;

    /// @dev Transient storage namespace of the per-Safe context stacks: keccak256("TreasuryGuard.context") - 1.
    bytes32 private constant _CONTEXT_NAMESPACE = bytes32(uint256(keccak256("TreasuryGuard.context")) - 1);

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
    function remaining(
        address safe,
        address asset
    ) external view override returns (uint256 available, uint256 nextIncreaseAt) {
        RollingWindow.Window storage window = _windows[safe][asset];
        uint256 cap = _decodeCap(window.extra());
        available = window.available(cap, block.timestamp);
        nextIncreaseAt = window.nextIncrease(cap, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL: COUNT
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev Counts each asset's summed outflow in its window, reverting CapExceeded if it does not fit. Owner
     *      transactions mark the windows they write with the activity time, or the Safe's slot if they count none;
     *      module transactions keep the marks (moving a mark of an older hour to the Safe's slot first, since the
     *      window's hour is about to change).
     */
    function _count(address safe, Classification memory c, bool byOwners) internal {
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

    /// @dev The fast path: one outflow of `amount` (> 0) of `asset` by the owners to `recipient` (not the Safe).
    function _countSingle(address safe, address asset, address recipient, uint256 amount) internal {
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

    function _pushContext(address safe, Classification memory c) internal {
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

    function _popContext(address safe, bool success) internal {
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
                  INTERNAL: CAPS AND ACTIVITY MARKS
    //////////////////////////////////////////////////////////////*/

    /// @dev The cap in the window's `extra` (PackedAmount, 21-bit mantissa, rounded down); caps >= MAX_AMOUNT are
    ///      unbounded (PackedAmount.encodeOrUnbounded: the window must never enforce a cap the Safe did not set).
    function _encodeCap(uint256 cap) internal pure returns (uint256) {
        return PackedAmount.encodeOrUnbounded(cap, _MANTISSA_BITS);
    }

    function _decodeCap(uint256 extra) internal pure returns (uint256) {
        return PackedAmount.decode(extra, _MANTISSA_BITS);
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
    function _moveMark(address safe, uint256 hour, uint256 extra) internal returns (uint256) {
        if (extra & _MARK_VALID == 0) return extra;
        uint256 marked = _markedAt(hour, extra);
        SafeState storage state = _safes[safe];
        if (marked > state.lastActivity) state.lastActivity = uint40(marked);
        return extra & _CAP_MASK;
    }

    /// @dev The latest of the Safe slot's record and the marks of its capped assets' windows.
    function _lastActivity(address safe) internal view returns (uint64 latest) {
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
}
