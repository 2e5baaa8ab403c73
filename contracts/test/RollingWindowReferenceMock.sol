// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {RollingWindowReference} from "./RollingWindowReference.sol";

/// @notice RollingWindowMock's interface over the reference library (mock; never deploy).
contract RollingWindowReferenceMock {
    using RollingWindowReference for RollingWindowReference.Window;

    RollingWindowReference.Window private _window;

    event Spent(bool ok, uint256 availableBefore);

    function trySpend(uint256 cap, uint256 amount, uint256 timestamp) external returns (bool ok) {
        uint256 availableBefore;
        (ok, availableBefore) = _window.trySpend(cap, amount, timestamp);
        emit Spent(ok, availableBefore);
    }

    function trySpendWithExtra(uint256 cap, uint256 amount, uint256 timestamp, uint256 newExtra) external {
        (bool ok, uint256 availableBefore) = _window.trySpend(cap, amount, timestamp, newExtra);
        emit Spent(ok, availableBefore);
    }

    function spend(uint256 cap, uint256 amount, uint256 timestamp) external {
        _window.spend(cap, amount, timestamp);
    }

    function refund(uint256 amount, uint256 timestamp) external {
        _window.refund(amount, timestamp);
    }

    function setExtra(uint256 newExtra) external {
        _window.setExtra(newExtra);
    }

    function prepare() external {
        _window.prepare();
    }

    function available(uint256 cap, uint256 timestamp) external view returns (uint256) {
        return _window.available(cap, timestamp);
    }

    function spent(uint256 timestamp) external view returns (uint256) {
        return _window.spent(timestamp);
    }

    function nextIncrease(uint256 cap, uint256 timestamp) external view returns (uint256) {
        return _window.nextIncrease(cap, timestamp);
    }

    /// @dev The whole window: the header, then the twelve ring slots.
    function state() external view returns (uint256[13] memory words) {
        words[0] = _window.header;
        for (uint256 i; i < 12; ++i) words[i + 1] = _window.ring[i];
    }
}
