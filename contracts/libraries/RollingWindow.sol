// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title RollingWindow - a rolling 24-hour spending limit with one-hour buckets
 * @notice Guarantees that the amount counted in ANY 24-hour interval never exceeds the cap passed to the spend
 *         that completed it. There is no fixed-day reset: the classic "daily limit" lets about twice the limit
 *         through around the reset; this window does not.
 *
 * ## Semantics
 * Time is cut into hours `h = timestamp / 3600`. A spend at hour `h` is allowed iff
 *
 *     (sum of the buckets of hours h-24 .. h) + amount <= cap
 *
 * - Safety: any 24-hour interval [s, s + 86400) touches at most 25 hour buckets, namely hours
 *   floor(s/3600) .. floor(s/3600) + 24. If every spend at hour h kept the sum over hours h-24 .. h within the cap,
 *   every such run of 25 buckets is within the cap (buckets after the last spend are empty), so every 24-hour
 *   interval is.
 * - Conservative by at most one hour: the check counts spends made since (h - 24) * 3600 > now - 25 hours, so a
 *   spend may be refused up to one hour longer than strictly needed, never allowed early. Capacity spent at time t
 *   is fully available again at t + 25h at the latest (at the start of hour floor(t/3600) + 25).
 *
 * ## Storage (26 slots per window, a spend reads only the buckets that expire)
 * - `header` (one slot): `total` (sum of the live buckets, 96 bits) | `current` (amount of the header's hour, 96
 *   bits) | `hour` (the header's hour, 24 bits) | `extra` (40 bits the library never interprets: the caller may keep
 *   hot data there, e.g. the guard keeps its cap and activity mark; every write preserves it).
 *   A burst of spends in one hour reads and writes only the header.
 * - `bitmap` (one slot, 24 bits): which ring slots hold a live, non-empty bucket. Touched only when the hour
 *   advances.
 * - `ring[k % 24]`: the amount of past hour k, for k in hour-24 .. hour-1. When the hour advances, the buckets that
 *   leave the window are subtracted from `total` (only those whose bitmap bit is set are read) and the header's
 *   `current` is flushed into its ring slot. Ring slots are overwritten, never cleared, so after the first day a
 *   flush is always a non-zero to non-zero write.
 *
 * ## Limits
 * - Amounts, caps and totals are 96-bit (MAX_AMOUNT = 2^96 - 1, about 7.9e28: 79 billion tokens with 18
 *   decimals). A cap above MAX_AMOUNT acts as MAX_AMOUNT; a spend that would take the total above MAX_AMOUNT is
 *   refused like any over-cap spend. No amount is ever truncated.
 * - Hours are 24-bit: timestamps up to 2^24 hours after 1970 (year 3884); later timestamps revert.
 * - Time is expected to be monotonic (block.timestamp). A `now` earlier than the last recorded hour is treated as
 *   that hour.
 */
library RollingWindow {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Length of a bucket.
    uint256 internal constant BUCKET = 1 hours;

    /// @notice Number of past buckets kept in the ring (the current bucket lives in the header).
    uint256 internal constant RING = 24;

    /// @notice Largest amount, cap or total the window represents.
    uint256 internal constant MAX_AMOUNT = type(uint96).max;

    uint256 private constant _AMOUNT_MASK = (1 << 96) - 1;
    uint256 private constant _CURRENT_SHIFT = 96;
    uint256 private constant _HOUR_SHIFT = 192;
    uint256 private constant _EXTRA_SHIFT = 216;
    uint256 private constant _HOUR_MASK = (1 << 24) - 1;
    uint256 private constant _BITMAP_MASK = (1 << 24) - 1;
    uint256 private constant _EXTRA_MASK = (1 << 40) - 1;
    uint256 private constant _BITMAP_SENTINEL = 1 << 24;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice One rolling window. Zero-initialised storage is an empty window.
    struct Window {
        // total | current << 96 | hour << 192 | extra << 216
        uint256 header;
        // bit k (k < 24): ring[k] holds a live, non-empty bucket; bit 24: always set once written
        uint256 bitmap;
        // hour % 24 -> amount spent in that (past) hour; live only where the bitmap bit is set
        uint256[24] ring;
    }

    /// @dev A window as of some timestamp, with the writes needed to store it.
    struct Projection {
        uint256 header;
        uint256 bitmap;
        bool bitmapChanged;
        uint256 flushIndex;
        uint256 flushAmount; // 0: nothing to flush
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice A spend of `requested` exceeds the `available` capacity.
    error RollingWindowCapExceeded(uint256 requested, uint256 available);

    /// @notice A refund of `requested` exceeds what was spent in the current hour (`refundable`).
    error RollingWindowInvalidRefund(uint256 requested, uint256 refundable);

    /// @notice The timestamp is beyond the representable hours.
    error RollingWindowTimestampOutOfRange(uint256 timestamp);

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice The amount counted against the cap at `timestamp` (the sum of the buckets of the current hour and the
     *         previous 24).
     */
    function spent(Window storage window, uint256 timestamp) internal view returns (uint256) {
        return _project(window, timestamp).header & _AMOUNT_MASK;
    }

    /// @notice The amount that can be spent at `timestamp` under `cap`.
    function available(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        return _available(_project(window, timestamp).header & _AMOUNT_MASK, cap);
    }

    /**
     * @notice When the capacity available under `cap` next grows if nothing more is spent: the start of the hour in
     *         which enough old buckets have left the window. Zero if it never grows (nothing is counted, or the cap
     *         is zero).
     */
    function nextIncrease(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        Projection memory p = _project(window, timestamp);
        uint256 total = p.header & _AMOUNT_MASK;
        if (total == 0) return 0;
        cap = _clampCap(cap);
        uint256 availableNow = _available(total, cap);
        uint256 hourNow = (p.header >> _HOUR_SHIFT) & _HOUR_MASK;
        // The projection read the bitmap only if the hour advanced.
        uint256 bitmap = lastHour(window) == hourNow ? window.bitmap : p.bitmap;
        uint256 remainingTotal = total;
        // Walk the live ring buckets from the oldest (hour hourNow - 24) to the newest (hourNow - 1), then the
        // current bucket. Bucket k leaves the window at the start of hour k + 25.
        for (uint256 k = hourNow > RING ? hourNow - RING : 0; k < hourNow; ++k) {
            uint256 index = k % RING;
            if ((bitmap >> index) & 1 == 0) continue;
            remainingTotal -= index == p.flushIndex && p.flushAmount != 0 ? p.flushAmount : window.ring[index];
            if (_available(remainingTotal, cap) > availableNow) return (k + RING + 1) * BUCKET;
        }
        remainingTotal -= (p.header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (_available(remainingTotal, cap) > availableNow) return (hourNow + RING + 1) * BUCKET;
        return 0;
    }

    /// @notice The caller's 40-bit `extra` field (see Storage).
    function extra(Window storage window) internal view returns (uint256) {
        return window.header >> _EXTRA_SHIFT;
    }

    /// @notice The hour (timestamp / 3600) of the window's last write, 0 if never written.
    function lastHour(Window storage window) internal view returns (uint256) {
        return (window.header >> _HOUR_SHIFT) & _HOUR_MASK;
    }

    /*//////////////////////////////////////////////////////////////
                                MUTATIONS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Counts `amount` at `timestamp` if it fits under `cap`; otherwise changes nothing. Keeps `extra`.
     * @return ok Whether the amount was counted.
     * @return availableBefore The capacity available before this spend.
     */
    function trySpend(
        Window storage window,
        uint256 cap,
        uint256 amount,
        uint256 timestamp
    ) internal returns (bool ok, uint256 availableBefore) {
        uint256 header;
        (ok, availableBefore, header) = _count(window, cap, amount, timestamp);
        // The projected header carries `extra` over, so it is written back as is (no second read of the header).
        if (header != 0) window.header = header;
    }

    /**
     * @notice trySpend that also sets the caller's `extra` field (in the same write) when the amount is counted.
     *         `newExtra` must fit in 40 bits.
     */
    function trySpend(
        Window storage window,
        uint256 cap,
        uint256 amount,
        uint256 timestamp,
        uint256 newExtra
    ) internal returns (bool ok, uint256 availableBefore) {
        uint256 header;
        (ok, availableBefore, header) = _count(window, cap, amount, timestamp);
        if (header != 0) {
            window.header = (header & ~(_EXTRA_MASK << _EXTRA_SHIFT)) | ((newExtra & _EXTRA_MASK) << _EXTRA_SHIFT);
        }
    }

    /// @notice Counts `amount` at `timestamp`, reverting with RollingWindowCapExceeded if it does not fit under `cap`.
    function spend(Window storage window, uint256 cap, uint256 amount, uint256 timestamp) internal {
        (bool ok, uint256 availableBefore) = trySpend(window, cap, amount, timestamp);
        if (!ok) revert RollingWindowCapExceeded(amount, availableBefore);
    }

    /**
     * @notice Uncounts `amount` spent earlier in the current hour (a transaction that failed after being counted).
     *         Reverts with RollingWindowInvalidRefund if more than the current hour's spending is refunded. Keeps
     *         `extra`.
     */
    function refund(Window storage window, uint256 amount, uint256 timestamp) internal {
        if (amount == 0) return;
        Projection memory p = _project(window, timestamp);
        uint256 current = (p.header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (amount > current) revert RollingWindowInvalidRefund(amount, current);
        _storeRolled(window, p);
        // amount <= current <= total: both subtractions stay within their fields.
        unchecked {
            window.header = p.header - amount - (amount << _CURRENT_SHIFT);
        }
    }

    /// @notice Sets the caller's 40-bit `extra` field, leaving the amounts untouched.
    function setExtra(Window storage window, uint256 newExtra) internal {
        window.header = (window.header & ~(_EXTRA_MASK << _EXTRA_SHIFT)) | ((newExtra & _EXTRA_MASK) << _EXTRA_SHIFT);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Stores the ring and bitmap writes of a projection (the caller stores the header).
    function _storeRolled(Window storage window, Projection memory p) private {
        if (p.flushAmount != 0) window.ring[p.flushIndex] = p.flushAmount;
        if (p.bitmapChanged) window.bitmap = p.bitmap;
    }

    /**
     * @dev The window as it is at `timestamp`: buckets older than 24 hours removed from the total and the bitmap,
     *      the previous current bucket moved to the ring (flushIndex/flushAmount, for the caller to store if it
     *      writes the header). `extra` is carried over.
     */
    function _project(Window storage window, uint256 timestamp) private view returns (Projection memory p) {
        uint256 hourNow = timestamp / BUCKET;
        if (hourNow > _HOUR_MASK) revert RollingWindowTimestampOutOfRange(timestamp);
        uint256 header = window.header;
        uint256 hour = (header >> _HOUR_SHIFT) & _HOUR_MASK;
        if (hourNow <= hour) {
            // Same hour: the header alone is the window. The bitmap is only read when the hour advances.
            p.header = header;
            return p;
        }
        uint256 total = header & _AMOUNT_MASK;
        uint256 gap = hourNow - hour;
        // The new header keeps `extra`; amounts are filled in below.
        p.header = (header & (_EXTRA_MASK << _EXTRA_SHIFT)) | (hourNow << _HOUR_SHIFT);
        if (total == 0 || gap > RING) {
            // Nothing live, or even the header's current bucket (hour `hour`) is older than hourNow - 24. Live
            // bitmap bits (possible only if total != 0) would point at expired buckets: clear them.
            if (total != 0) {
                p.bitmap = _BITMAP_SENTINEL;
                p.bitmapChanged = true;
            }
            return p;
        }
        uint256 storedBitmap = window.bitmap;
        uint256 bitmap = storedBitmap;
        // Ring hours hour-24 .. hour-25+gap leave the window (gap of them, 1 <= gap <= 24). Their ring indexes are
        // the circular range starting at (hour - 24) % 24 == hour % 24.
        uint256 start = hour % RING;
        uint256 expiring = _circularRange(start, gap);
        if (bitmap & expiring != 0) {
            total -= _sumExpiring(window, bitmap, start, gap);
            bitmap &= ~expiring;
        }
        // The old current hour is still live (gap <= 24) and moves to ring slot hour % 24, whose previous content
        // (hour - 24) has just expired.
        uint256 current = (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (current != 0) {
            p.flushIndex = start;
            p.flushAmount = current;
            bitmap |= 1 << start;
        }
        p.header |= total;
        // The sentinel bit keeps the slot non-zero once written (no zero -> non-zero writes after the first).
        bitmap |= _BITMAP_SENTINEL;
        p.bitmapChanged = bitmap != storedBitmap;
        p.bitmap = bitmap;
    }

    /// @dev Bits start .. start + length - 1 of a 24-bit circle (1 <= length <= 24).
    function _circularRange(uint256 start, uint256 length) private pure returns (uint256) {
        uint256 range = (1 << length) - 1;
        return ((range << start) | (range >> (RING - start))) & _BITMAP_MASK;
    }

    /// @dev Sum of the live ring buckets at circular indexes start .. start + length - 1.
    function _sumExpiring(
        Window storage window,
        uint256 bitmap,
        uint256 start,
        uint256 length
    ) private view returns (uint256 sum) {
        // i < length <= 24 and start < 24, so the index arithmetic cannot overflow. A ring slot holds an amount
        // below 2^96 and at most 24 are added, so `sum` stays below 2^101.
        unchecked {
            for (uint256 i; i < length; ++i) {
                uint256 index = (start + i) % RING;
                if ((bitmap >> index) & 1 != 0) sum += window.ring[index];
            }
        }
    }

    /// @dev min(cap, MAX_AMOUNT) - total, floored at zero.
    function _available(uint256 total, uint256 cap) private pure returns (uint256) {
        cap = _clampCap(cap);
        // Checked by the condition: cap > total.
        unchecked {
            return cap > total ? cap - total : 0;
        }
    }

    function _clampCap(uint256 cap) private pure returns (uint256) {
        return cap > MAX_AMOUNT ? MAX_AMOUNT : cap;
    }

    /**
     * @dev The check and the counting shared by both trySpend variants: rolls the window to `timestamp`, and if
     *      `amount` (> 0) fits, stores the rolled buckets and returns the header to write, else 0 (nothing to write:
     *      a refused or zero spend). A header to write is never 0, as its total includes `amount`.
     */
    function _count(
        Window storage window,
        uint256 cap,
        uint256 amount,
        uint256 timestamp
    ) private returns (bool ok, uint256 availableBefore, uint256 header) {
        Projection memory p = _project(window, timestamp);
        availableBefore = _available(p.header & _AMOUNT_MASK, cap);
        if (amount > availableBefore) return (false, availableBefore, 0);
        if (amount == 0) return (true, availableBefore, 0);
        _storeRolled(window, p);
        header = p.header;
        // total + amount <= min(cap, MAX_AMOUNT) and current <= total, so both fields stay within 96 bits and the
        // additions below neither overflow nor carry into the neighbouring field.
        unchecked {
            header += amount + (amount << _CURRENT_SHIFT);
        }
        ok = true;
    }
}
