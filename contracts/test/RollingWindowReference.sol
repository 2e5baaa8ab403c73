// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

// Test reference only (never deploy): RollingWindow as it was before its roll and count moved to assembly (the
// library at commit 1a2a05f^, verbatim but for its name and this header), exposed like RollingWindowMock by
// RollingWindowReferenceMock. test/libraries/RollingWindow.test.ts runs both harnesses over random operation
// sequences and requires the same results, the same reverts and the same storage, bit for bit.

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
 * ## Storage (13 slots per window; a spend touches the header, and the first spend of an hour one ring slot more)
 * - `header` (one slot): `total` (sum of the live buckets, 96 bits) | `current` (amount of the header's hour, 96
 *   bits) | `hour` (the header's hour, 24 bits) | `head` (hour - oldest live bucket's hour, 5 bits) | `extra` (35
 *   bits the library never interprets: the caller may keep hot data there, e.g. the guard keeps its cap and
 *   activity mark; every write preserves it). A burst of spends in one hour reads and writes only the header.
 * - `ring` (12 slots, two 128-bit entries each): the entry of past hour k is half k % 2 of slot (k % 24) / 2 and
 *   holds the hour's amount and `next`, the distance in hours to the next live bucket. The live buckets form a
 *   list from `head` to the header's hour, so the hour change reads exactly the buckets that expire (each one once)
 *   and never an hour without spends (an hour emptied by a refund stays in the list, with amount 0). When the hour
 *   advances, the expired buckets are subtracted from `total` and the header's `current` is written into its ring
 *   entry, which shares its slot with the bucket of 24 hours earlier: in steady use the hour change reads and
 *   writes one ring slot.
 * - Every ring write sets bit 255, so a slot written once is never zero again, and `prepare` pre-writes all
 *   twelve: after it, no spend ever pays for a zero to non-zero storage write.
 *
 * ## Limits
 * - Amounts, caps and totals are 96-bit (MAX_AMOUNT = 2^96 - 1, about 7.9e28: 79 billion tokens with 18
 *   decimals). A cap above MAX_AMOUNT acts as MAX_AMOUNT; a spend that would take the total above MAX_AMOUNT is
 *   refused like any over-cap spend. No amount is ever truncated.
 * - Hours are 24-bit: timestamps up to 2^24 hours after 1970 (year 3884); later timestamps revert.
 * - Time is expected to be monotonic (block.timestamp). A `now` earlier than the last recorded hour is treated as
 *   that hour.
 */
library RollingWindowReference {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Length of a bucket.
    uint256 internal constant BUCKET = 1 hours;

    /// @notice Number of past buckets kept in the ring (the current bucket lives in the header).
    uint256 internal constant RING = 24;

    /// @notice Largest amount, cap or total the window represents.
    uint256 internal constant MAX_AMOUNT = type(uint96).max;

    /// @notice Width of the caller's `extra` field.
    uint256 internal constant EXTRA_BITS = 35;

    uint256 private constant _AMOUNT_MASK = (1 << 96) - 1;
    uint256 private constant _CURRENT_SHIFT = 96;
    uint256 private constant _HOUR_SHIFT = 192;
    uint256 private constant _HOUR_MASK = (1 << 24) - 1;
    uint256 private constant _HEAD_SHIFT = 216;
    uint256 private constant _HEAD_MASK = (1 << 5) - 1;
    uint256 private constant _EXTRA_SHIFT = 221;
    uint256 private constant _EXTRA_MASK = (1 << EXTRA_BITS) - 1;
    // A ring entry: amount (96 bits) | next (5 bits) << 96, in the low or high 128 bits of its slot.
    uint256 private constant _NEXT_SHIFT = 96;
    uint256 private constant _ENTRY_MASK = (1 << 101) - 1;
    uint256 private constant _RING_SLOTS = RING / 2;
    uint256 private constant _RING_MARK = 1 << 255;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice One rolling window. Zero-initialised storage is an empty window.
    struct Window {
        // total | current << 96 | hour << 192 | head << 216 | extra << 221
        uint256 header;
        // entry of hour k: bits (k % 2) * 128 .. + 100 of ring[(k % 24) / 2]; bit 255 set once written
        uint256[12] ring;
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
        (uint256 header, , ) = _roll(window, timestamp);
        return header & _AMOUNT_MASK;
    }

    /// @notice The amount that can be spent at `timestamp` under `cap`.
    function available(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        (uint256 header, , ) = _roll(window, timestamp);
        return _available(header & _AMOUNT_MASK, cap);
    }

    /**
     * @notice When the capacity available under `cap` next grows if nothing more is spent: the start of the hour in
     *         which enough old buckets have left the window. Zero if it never grows (nothing is counted, or the cap
     *         is zero).
     */
    function nextIncrease(Window storage window, uint256 cap, uint256 timestamp) internal view returns (uint256) {
        (uint256 header, uint256 flushSlot, uint256 flushValue) = _roll(window, timestamp);
        uint256 total = header & _AMOUNT_MASK;
        if (total == 0) return 0;
        uint256 availableNow = _available(total, cap);
        uint256 hourNow = (header >> _HOUR_SHIFT) & _HOUR_MASK;
        // The hour the roll moved into the ring (its write is not stored yet): the stored header's hour.
        uint256 flushHour = flushSlot != 0 ? lastHour(window) : type(uint256).max;
        uint256 remainingTotal = total;
        // Walk the live ring buckets from the oldest to the newest, then the current bucket. Bucket k leaves the
        // window at the start of hour k + 25.
        for (uint256 k = hourNow - ((header >> _HEAD_SHIFT) & _HEAD_MASK); k < hourNow; ) {
            uint256 entry = k == flushHour ? (flushValue >> ((k & 1) << 7)) & _ENTRY_MASK : _entry(window, k);
            remainingTotal -= entry & _AMOUNT_MASK;
            if (_available(remainingTotal, cap) > availableNow) return (k + RING + 1) * BUCKET;
            k += entry >> _NEXT_SHIFT;
        }
        remainingTotal -= (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (_available(remainingTotal, cap) > availableNow) return (hourNow + RING + 1) * BUCKET;
        return 0;
    }

    /// @notice The caller's `extra` field (EXTRA_BITS wide, see Storage).
    function extra(Window storage window) internal view returns (uint256) {
        return window.header >> _EXTRA_SHIFT;
    }

    /**
     * @notice The header's hour and current amount as one number, `hour << 96 | current`, 0 for a window never
     *         spent from. Every amount counted by trySpend or spend (always > 0) strictly increases it: in the same
     *         hour `current` grows, otherwise `hour` does (time is monotonic and a past `now` counts in the stored
     *         hour). Nothing else changes it except refund, which lowers `current`: a caller that never refunds can
     *         use it as a nonce that never repeats (the SpendingLimitModule's relay nonce).
     */
    function mark(Window storage window) internal view returns (uint256) {
        return markOf(window.header);
    }

    /// @notice mark() of a header value the caller already read (`window.header`), to spare a second read.
    function markOf(uint256 header) internal pure returns (uint256) {
        // current (96 bits) and hour (24 bits): the 120 bits from _CURRENT_SHIFT to _HEAD_SHIFT.
        return (header >> _CURRENT_SHIFT) & ((1 << 120) - 1);
    }

    /// @notice extra() of a header value the caller already read (`window.header`).
    function extraOf(uint256 header) internal pure returns (uint256) {
        return header >> _EXTRA_SHIFT;
    }

    /// @notice The hour (timestamp / 3600) of the window's last write, 0 if never written.
    function lastHour(Window storage window) internal view returns (uint256) {
        return (window.header >> _HOUR_SHIFT) & _HOUR_MASK;
    }

    /// @notice Whether `prepare` has run (or every ring slot has been written at least once).
    function prepared(Window storage window) internal view returns (bool) {
        for (uint256 i; i < _RING_SLOTS; ++i) {
            if (window.ring[i] == 0) return false;
        }
        return true;
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
     *         `newExtra` must fit in EXTRA_BITS.
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
        (uint256 header, uint256 flushSlot, uint256 flushValue) = _roll(window, timestamp);
        uint256 current = (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
        if (amount > current) revert RollingWindowInvalidRefund(amount, current);
        if (flushSlot != 0) _storeRing(window, flushSlot, flushValue);
        // amount <= current <= total: both subtractions stay within their fields. The current bucket may become
        // empty; it stays the end of the live list (an empty entry is written at the next hour change if an older
        // bucket still links to it).
        unchecked {
            window.header = header - amount - (amount << _CURRENT_SHIFT);
        }
    }

    /// @notice Sets the caller's `extra` field, leaving the amounts untouched.
    function setExtra(Window storage window, uint256 newExtra) internal {
        window.header = (window.header & ~(_EXTRA_MASK << _EXTRA_SHIFT)) | ((newExtra & _EXTRA_MASK) << _EXTRA_SHIFT);
    }

    /**
     * @notice Pre-writes every ring slot that was never written (about 22,100 gas each, 12 slots), so that no later
     *         spend pays for a zero to non-zero storage write: the cost of an asset's first day moves to the policy
     *         change that calls this. Changes no amount. Costs one storage read when already prepared.
     */
    function prepare(Window storage window) internal {
        // Slots are written in order below, so a written last slot means an earlier call completed (or that a
        // window used without a cap first wrote it: the other slots then only cost their first write later).
        if (window.ring[_RING_SLOTS - 1] != 0) return;
        for (uint256 i; i < _RING_SLOTS; ++i) {
            if (window.ring[i] == 0) window.ring[i] = _RING_MARK;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev The ring entry of past hour `hour` (amount | next << 96).
    function _entry(Window storage window, uint256 hour) private view returns (uint256) {
        return (window.ring[(hour % RING) >> 1] >> ((hour & 1) << 7)) & _ENTRY_MASK;
    }

    /// @dev Stores the ring write of a roll (the caller checks there is one, flushSlot != 0, and stores the header).
    function _storeRing(Window storage window, uint256 flushSlot, uint256 flushValue) private {
        // flushSlot is an index + 1 (1..12), i.e. the slot's offset from the header: ring[i] is at window.slot + 1 + i.
        // Assembly only to skip the array bounds check, which the callers' index arithmetic (% RING >> 1) makes moot.
        assembly ("memory-safe") {
            sstore(add(window.slot, flushSlot), flushValue)
        }
    }

    /// @dev The ring slot at offset `slot` (index + 1, 1..12) from the header, read like _storeRing writes it.
    function _ringAt(Window storage window, uint256 slot) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(add(window.slot, slot))
        }
    }

    /**
     * @dev The window as it is at `timestamp`: the header with the buckets older than 24 hours subtracted from the
     *      total (following the live list from its head) and `extra` carried over, and, if the previous current
     *      bucket joins the ring, the ring slot to write (`flushSlot`: index + 1, 0 if none) and its new value. The
     *      caller stores both if it writes the header.
     */
    function _roll(
        Window storage window,
        uint256 timestamp
    ) private view returns (uint256 header, uint256 flushSlot, uint256 flushValue) {
        uint256 hourNow = timestamp / BUCKET;
        if (hourNow > _HOUR_MASK) revert RollingWindowTimestampOutOfRange(timestamp);
        header = window.header;
        uint256 hour = (header >> _HOUR_SHIFT) & _HOUR_MASK;
        // Same hour: the header alone is the window.
        if (hourNow <= hour) return (header, 0, 0);
        uint256 total = header & _AMOUNT_MASK;
        // Hours are below 2^24, the head is an hour the window wrote (at most 24 before `hour`) and every link is
        // between 1 and 24: none of the hour arithmetic below can wrap. Only `total` is left to checked arithmetic.
        unchecked {
            uint256 gap = hourNow - hour;
            // The new header keeps `extra`, with an empty current bucket and the head at the current hour until set.
            uint256 rolled = (header & (_EXTRA_MASK << _EXTRA_SHIFT)) | (hourNow << _HOUR_SHIFT);
            // Nothing live, or even the header's bucket (hour `hour`) is older than hourNow - 24: all expired.
            if (total == 0 || gap > RING) return (rolled, 0, 0);
            uint256 current = (header >> _CURRENT_SHIFT) & _AMOUNT_MASK;
            uint256 head;
            if (gap == RING) {
                // Every ring bucket (hours hour-24 .. hour-1) has expired; only the header's bucket is left.
                total = current;
                head = hour;
            } else {
                // Expire the ring buckets of hours before hourNow - 24, oldest first. The header's bucket stays
                // live (gap < 24), so the walk ends at `hour` at the latest.
                // `head + RING < hourNow` alone bounds the walk: with gap < 24 it implies head < hour.
                head = hour - ((header >> _HEAD_SHIFT) & _HEAD_MASK);
                while (head + RING < hourNow) {
                    // The slot is kept: in steady use the flush below goes into the slot read last.
                    flushSlot = ((head % RING) >> 1) + 1;
                    flushValue = _ringAt(window, flushSlot);
                    uint256 entry = (flushValue >> ((head & 1) << 7)) & _ENTRY_MASK;
                    uint256 expired = entry & _AMOUNT_MASK;
                    // A bucket is part of the total it leaves; if not, fail like checked arithmetic would.
                    if (expired > total) _panicUnderflow();
                    total -= expired;
                    head += entry >> _NEXT_SHIFT;
                }
            }
            // Only the (empty) header bucket is left: total is 0 and the list restarts at hourNow.
            if (head == hour && current == 0) return (rolled, 0, 0);
            // The old current bucket joins the ring, linked to the new current hour (1 <= gap <= 24 fits 5 bits).
            // Its slot (index + 1) is usually the one just read for the bucket of hour - 24: reuse that value.
            uint256 slot = ((hour % RING) >> 1) + 1;
            if (slot != flushSlot) {
                flushSlot = slot;
                flushValue = _ringAt(window, slot);
            }
            uint256 shift = (hour & 1) << 7;
            flushValue =
                (flushValue & ~(_ENTRY_MASK << shift)) |
                ((current | (gap << _NEXT_SHIFT)) << shift) |
                _RING_MARK;
            header = rolled | total | ((hourNow - head) << _HEAD_SHIFT);
        }
    }

    /// @dev Reverts with Panic(0x11), what a checked subtraction that underflows reverts with (kept out of line so
    ///      that the loop pays only a comparison).
    function _panicUnderflow() private pure {
        assembly ("memory-safe") {
            mstore(0x00, shl(224, 0x4e487b71))
            mstore(0x04, 0x11)
            revert(0x00, 0x24)
        }
    }

    /// @dev min(cap, MAX_AMOUNT) - total, floored at zero.
    function _available(uint256 total, uint256 cap) private pure returns (uint256) {
        if (cap > MAX_AMOUNT) cap = MAX_AMOUNT;
        // Checked by the condition: cap > total.
        unchecked {
            return cap > total ? cap - total : 0;
        }
    }

    /**
     * @dev The check and the counting shared by both trySpend variants: rolls the window to `timestamp`, and if
     *      `amount` (> 0) fits, stores the ring write and returns the header to write, else 0 (nothing to write: a
     *      refused or zero spend). A header to write is never 0, as its total includes `amount`.
     */
    function _count(
        Window storage window,
        uint256 cap,
        uint256 amount,
        uint256 timestamp
    ) private returns (bool ok, uint256 availableBefore, uint256 header) {
        uint256 flushSlot;
        uint256 flushValue;
        (header, flushSlot, flushValue) = _roll(window, timestamp);
        availableBefore = _available(header & _AMOUNT_MASK, cap);
        if (amount > availableBefore) return (false, availableBefore, 0);
        if (amount == 0) return (true, availableBefore, 0);
        if (flushSlot != 0) _storeRing(window, flushSlot, flushValue);
        // total + amount <= min(cap, MAX_AMOUNT) and current <= total, so both fields stay within 96 bits and the
        // additions below neither overflow nor carry into the neighbouring field.
        unchecked {
            header += amount + (amount << _CURRENT_SHIFT);
        }
        ok = true;
    }
}
