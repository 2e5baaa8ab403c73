// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {RollingWindow} from "../libraries/RollingWindow.sol";

/// @notice Test harness exposing RollingWindow with an explicit timestamp (mock; never deploy).
contract RollingWindowMock {
    using RollingWindow for RollingWindow.Window;

    RollingWindow.Window private _window;

    event Spent(bool ok, uint256 availableBefore);

    function trySpend(uint256 cap, uint256 amount, uint256 timestamp) external returns (bool ok) {
        uint256 availableBefore;
        (ok, availableBefore) = _window.trySpend(cap, amount, timestamp);
        emit Spent(ok, availableBefore);
    }

    /// @dev trySpendFrom with the header read here, as the SpendingLimitModule does.
    function trySpendFrom(uint256 cap, uint256 amount, uint256 timestamp) external returns (bool ok) {
        uint256 availableBefore;
        (ok, availableBefore) = _window.trySpendFrom(_window.header, cap, amount, timestamp);
        emit Spent(ok, availableBefore);
    }

    function spend(uint256 cap, uint256 amount, uint256 timestamp) external {
        _window.spend(cap, amount, timestamp);
    }

    function refund(uint256 amount, uint256 timestamp) external {
        _window.refund(amount, timestamp);
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

    function trySpendWithExtra(uint256 cap, uint256 amount, uint256 timestamp, uint256 newExtra) external {
        (bool ok, uint256 availableBefore) = _window.trySpend(cap, amount, timestamp, newExtra);
        emit Spent(ok, availableBefore);
    }

    function setExtra(uint256 newExtra) external {
        _window.setExtra(newExtra);
    }

    function extra() external view returns (uint256) {
        return _window.extra();
    }

    function lastHour() external view returns (uint256) {
        return _window.lastHour();
    }

    function header() external view returns (uint256) {
        return _window.header;
    }

    function ring(uint256 index) external view returns (uint256) {
        return _window.ring[index];
    }

    /// @dev The whole window: the header, then the twelve ring slots.
    function state() external view returns (uint256[13] memory words) {
        words[0] = _window.header;
        for (uint256 i; i < 12; ++i) words[i + 1] = _window.ring[i];
    }

    function prepare() external {
        _window.prepare();
    }

    function prepared() external view returns (bool) {
        return _window.prepared();
    }
}
