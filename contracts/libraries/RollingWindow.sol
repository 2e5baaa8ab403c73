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
 * ## Storage (25 slots per window, a spend reads only the buckets that expire)
 * - `header` (one slot): `total` (sum of the live buckets, 104 bits) | `current` (amount of the header's hour, 104
 *   bits) | `hour` (the header's hour, 24 bits) | `bitmap` (24 bits: which ring slots hold a live, non-empty bucket).
 *   A burst of spends in one hour touches only the header.
 * - `ring[k % 24]`: the amount of past hour k, for k in hour-24 .. hour-1. When the hour advances, the buckets that
 *   leave the window are subtracted from `total` (only those whose bitmap bit is set are read) and the header's
 *   `current` is flushed into its ring slot. Ring slots are overwritten, never cleared, so after the first day a
 *   flush is always a non-zero to non-zero write.
 *
 * ## Limits
 * - Amounts, caps and totals are 104-bit (MAX_AMOUNT = 2^104 - 1, about 2.0e31: 20 trillion tokens with 18
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
    uint256 internal constant MAX_AMOUNT = type(uint104).max;

    uint256 private constant _AMOUNT_MASK = (1 << 104) - 1;
    uint256 private constant _CURRENT_SHIFT = 104;
    uint256 private constant _HOUR_SHIFT = 208;
    uint256 private constant _BITMAP_SHIFT = 232;
    uint256 private constant _HOUR_MASK = (1 << 24) - 1;
    uint256 private constant _BITMAP_MASK = (1 << 24) - 1;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice One rolling window. Zero-initialised storage is an empty window.
    struct Window {
        // total | current << 104 | hour << 208 | bitmap << 232
        uint256 header;
        // hour % 24 -> amount spent in that (past) hour; live only where the header's bitmap bit is set
        uint256[24] ring;
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
    function spent(Window storage window, uint256 timestamp) internal view returns (uint256 total) {
        (uint256 header, , ) = _project(window, timestamp);
        total = header & _AMOUNT_MASK;
    }

    /// @notice The amount that can be spent at `timestamp` under `cap`.
    function available(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        (uint256 header, , ) = _project(window, timestamp);
        return _available(header & _AMOUNT_MASK, cap);
    }

    /**
     * @notice When the capacity available under `cap` next grows if nothing more is spent: the start of the hour in
     *         which enough old buckets have left the window. Zero if it never grows (nothing is counted, or the cap
     *         is zero).
     */
    function nextIncrease(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        (uint256 header, uint256 flushIndex, uint256 flushAmount) = _project(window, timestamp);
        uint256 total = header & _AMOUNT_MASK;
        if (total == 0) return 0;
        cap = _clampCap(cap);
        uint256 availableNow = _available(total, cap);
        uint256 hourNow = (header >> _HOUR_SHIFT) & _HOUR_MASK;
        uint256 bitmap = header >> _BITMAP_SHIFT;
        uint256 remaining = total;
        // Walk the live ring buckets from the oldest (hour hourNow - 24) to the newest (hourNow - 1), then the
        // current bucket. Bucket k leaves the window at the start of hour k + 25.
        for (uint256 k = hourNow > RING ? hourNow - RING : 0; k < hourNow; ++k) {
            uint256 index = k % RING;
            if ((bitmap >> index) & 1 == 0) continue;
            remaining -= index == flushIndex && flushAmount != 0 ? flushAmount : window.ring[index];
            if (_available(remaining, cap) > availableNow) return (k + RING + 1) * BUCKET;
        }
        remaining -= (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (_available(remaining, cap) > availableNow) return (hourNow + RING + 1) * BUCKET;
        return 0;
    }

    /*//////////////////////////////////////////////////////////////
                                MUTATIONS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Counts `amount` at `timestamp` if it fits under `cap`; otherwise changes nothing.
     * @return ok Whether the amount was counted.
     * @return availableBefore The capacity available before this spend.
     */
    function trySpend(
        Window storage window,
        uint256 cap,
        uint256 amount,
        uint256 timestamp
    ) internal returns (bool ok, uint256 availableBefore) {
        (uint256 header, uint256 flushIndex, uint256 flushAmount) = _project(window, timestamp);
        uint256 total = header & _AMOUNT_MASK;
        availableBefore = _available(total, cap);
        if (amount > availableBefore) return (false, availableBefore);
        if (amount == 0) return (true, availableBefore);
        if (flushAmount != 0) window.ring[flushIndex] = flushAmount;
        // total + amount <= min(cap, MAX_AMOUNT) and current <= total, so both fields stay within 104 bits and the
        // additions below neither overflow nor carry into the neighbouring field.
        unchecked {
            window.header = header + amount + (amount << _CURRENT_SHIFT);
        }
        ok = true;
    }

    /// @notice Counts `amount` at `timestamp`, reverting with RollingWindowCapExceeded if it does not fit under `cap`.
    function spend(Window storage window, uint256 cap, uint256 amount, uint256 timestamp) internal {
        (bool ok, uint256 availableBefore) = trySpend(window, cap, amount, timestamp);
        if (!ok) revert RollingWindowCapExceeded(amount, availableBefore);
    }

    /**
     * @notice Uncounts `amount` spent earlier in the current hour (a transaction that failed after being counted).
     *         Reverts with RollingWindowInvalidRefund if more than the current hour's spending is refunded.
     */
    function refund(Window storage window, uint256 amount, uint256 timestamp) internal {
        if (amount == 0) return;
        (uint256 header, uint256 flushIndex, uint256 flushAmount) = _project(window, timestamp);
        uint256 current = (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (amount > current) revert RollingWindowInvalidRefund(amount, current);
        if (flushAmount != 0) window.ring[flushIndex] = flushAmount;
        // amount <= current <= total: both subtractions stay within their fields.
        unchecked {
            window.header = header - amount - (amount << _CURRENT_SHIFT);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev The header as it is at `timestamp`: buckets older than 24 hours removed from the total and the bitmap,
     *      the previous current bucket moved to the ring (returned as flushIndex/flushAmount for the caller to store
     *      if it writes the header; flushAmount == 0 means nothing to store).
     */
    function _project(
        Window storage window,
        uint256 timestamp
    ) private view returns (uint256 header, uint256 flushIndex, uint256 flushAmount) {
        uint256 hourNow = timestamp / BUCKET;
        if (hourNow > _HOUR_MASK) revert RollingWindowTimestampOutOfRange(timestamp);
        header = window.header;
        uint256 hour = (header >> _HOUR_SHIFT) & _HOUR_MASK;
        if (hourNow <= hour) return (header, 0, 0);
        uint256 total = header & _AMOUNT_MASK;
        uint256 gap = hourNow - hour;
        if (total == 0 || gap > RING) {
            // Nothing live, or even the header's current bucket (hour `hour`) is older than hourNow - 24.
            return (hourNow << _HOUR_SHIFT, 0, 0);
        }
        uint256 current = (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        uint256 bitmap = header >> _BITMAP_SHIFT;
        // Ring hours hour-24 .. hour-25+gap leave the window (gap of them, 1 <= gap <= 24). Their ring indexes are
        // the circular range starting at (hour - 24) % 24 == hour % 24.
        uint256 start = hour % RING;
        uint256 range = (1 << gap) - 1;
        uint256 expiring = ((range << start) | (range >> (RING - start))) & _BITMAP_MASK;
        if (bitmap & expiring != 0) {
            for (uint256 i; i < gap; ++i) {
                uint256 index = (start + i) % RING;
                if ((bitmap >> index) & 1 != 0) total -= window.ring[index];
            }
            bitmap &= ~expiring;
        }
        // The old current hour is still live (gap <= 24) and moves to ring slot hour % 24, whose previous content
        // (hour - 24) has just expired.
        if (current != 0) {
            flushIndex = start;
            flushAmount = current;
            bitmap |= 1 << start;
        }
        header = total | (hourNow << _HOUR_SHIFT) | (bitmap << _BITMAP_SHIFT);
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
}
