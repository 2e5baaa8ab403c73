// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {PackedAmount} from "../libraries/PackedAmount.sol";

/// @notice Test harness exposing PackedAmount at the widths the guard (21 bits) and the module (29 bits) use (mock;
///         never deploy).
contract PackedAmountMock {
    function encode(uint256 amount, uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.encode(amount, mantissaBits);
    }

    function encodeOrUnbounded(uint256 amount, uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.encodeOrUnbounded(amount, mantissaBits);
    }

    function unbounded(uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.unbounded(mantissaBits);
    }

    function decode(uint256 packed, uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.decode(packed, mantissaBits);
    }

    /// @dev decode(encode(amount)) in one call, as the module's lowerAllowance and the guard's policy check use it.
    function roundTrip(uint256 amount, uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.decode(PackedAmount.encode(amount, mantissaBits), mantissaBits);
    }

    function roundTripOrUnbounded(uint256 amount, uint256 mantissaBits) external pure returns (uint256) {
        return PackedAmount.decode(PackedAmount.encodeOrUnbounded(amount, mantissaBits), mantissaBits);
    }
}
