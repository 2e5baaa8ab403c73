// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {RollingWindow} from "./RollingWindow.sol";

/**
 * @title PackedAmount - an amount as a decimal mantissa and exponent, in the spare bits of a window header
 * @notice The TreasuryGuard's cap (21-bit mantissa) and the SpendingLimitModule's allowance (29-bit mantissa) live in
 *         the 35-bit `extra` field of a RollingWindow header, so the hot path reads the limit with the window in one
 *         slot. Both use this codec; `mantissaBits` is a constant at each call site.
 *
 *         Layout (low bits first; the bits above belong to the caller and are ignored by decode):
 *
 *             | ... caller's flags ... | exponent (5 bits) | mantissa (mantissaBits bits) |
 *                                       ^ mantissaBits      ^ 0
 *
 *             value = mantissa * 10^exponent
 *
 *         Rounding (one rule, encode): the amount loses the fewest trailing decimal digits that make it fit the
 *         mantissa, i.e. exponent = the smallest k with floor(amount / 10^k) < 2^mantissaBits and
 *         mantissa = floor(amount / 10^k). The value is the largest multiple of 10^k at or below the amount, so it
 *         is never above it (a limit only becomes stricter) and is exact for every amount with at most
 *         floor(mantissaBits * log10(2)) significant digits (6 with 21 bits, 8 with 29) and for larger mantissas
 *         up to 2^mantissaBits - 1. (A smaller exponent with a saturated mantissa can come closer, e.g. with 21 bits
 *         2,097,152 becomes 2,097,150, not 2,097,151; the rule keeps the amount's leading digits instead.)
 *
 *         Saturation (two rules, for two meanings of "at the top"):
 *         - encode clamps amounts above RollingWindow.MAX_AMOUNT (2^96 - 1, which the window treats as unbounded)
 *           to MAX_AMOUNT before rounding: the exponent stays at most 23 (21 bits) or 21 (29 bits), and the value
 *           is MAX_AMOUNT rounded down (792,281 * 10^23 with 21 bits, 79,228,162 * 10^21 with 29). The module's
 *           allowance uses it: the allowance reported and emitted for a huge amount is that value.
 *         - encodeOrUnbounded maps every amount at or above MAX_AMOUNT to UNBOUNDED_EXPONENT with mantissa 1, which
 *           decodes to 10^29 > MAX_AMOUNT: the window then never refuses for the cap (it caps at MAX_AMOUNT), whereas
 *           the rounded-down MAX_AMOUNT would be a real, slightly lower limit. The guard's cap uses it, so "no
 *           practical cap" stays unbounded, and a policy check comparing decoded caps sees it above every bounded
 *           one.
 *         The two differ only for amounts at or above MAX_AMOUNT; each keeps the values its contract had before this
 *         library (one rule for both would change what one of them reports or enforces).
 *
 *         Internal pure functions only: they are inlined into the caller (no DELEGATECALL on the hot path).
 */
library PackedAmount {
    /// @dev Width of the exponent field (exponents 0 to 31; 10^31 * 2^mantissaBits fits in 256 bits for any
    ///      mantissaBits below 150, so decode cannot overflow).
    uint256 internal constant EXPONENT_BITS = 5;
    uint256 internal constant EXPONENT_MASK = (1 << 5) - 1;
    /// @dev encodeOrUnbounded's exponent for "at least MAX_AMOUNT" (mantissa 1): 10^29 > MAX_AMOUNT (about 7.9e28).
    uint256 internal constant UNBOUNDED_EXPONENT = 29;

    /// @dev `amount` (clamped to RollingWindow.MAX_AMOUNT) rounded down to mantissa * 10^exponent (see the rules).
    function encode(uint256 amount, uint256 mantissaBits) internal pure returns (uint256) {
        if (amount > RollingWindow.MAX_AMOUNT) amount = RollingWindow.MAX_AMOUNT;
        uint256 mantissaMax = (1 << mantissaBits) - 1;
        uint256 exponent;
        // At most 29 - 6 = 23 rounds (MAX_AMOUNT has 29 digits): exponent < 2^EXPONENT_BITS.
        while (amount > mantissaMax) {
            amount /= 10;
            ++exponent;
        }
        return (exponent << mantissaBits) | amount;
    }

    /// @dev encode, except that amounts at or above RollingWindow.MAX_AMOUNT become unbounded(mantissaBits).
    function encodeOrUnbounded(uint256 amount, uint256 mantissaBits) internal pure returns (uint256) {
        if (amount >= RollingWindow.MAX_AMOUNT) return unbounded(mantissaBits);
        return encode(amount, mantissaBits);
    }

    /// @dev The packed "at least MAX_AMOUNT": 1 * 10^UNBOUNDED_EXPONENT.
    function unbounded(uint256 mantissaBits) internal pure returns (uint256) {
        return (UNBOUNDED_EXPONENT << mantissaBits) | 1;
    }

    /// @dev mantissa * 10^exponent of the low mantissaBits + EXPONENT_BITS bits of `packed` (the rest is ignored).
    function decode(uint256 packed, uint256 mantissaBits) internal pure returns (uint256) {
        // mantissa < 2^mantissaBits and exponent <= 31 (10^31 < 2^104): neither the power nor the product can
        // overflow, so the checked-exponentiation helper is not needed (unchecked compiles `**` to the EXP opcode).
        unchecked {
            return (packed & ((1 << mantissaBits) - 1)) * 10 ** ((packed >> mantissaBits) & EXPONENT_MASK);
        }
    }
}
