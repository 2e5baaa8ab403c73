// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {TreasuryVault} from "./TreasuryVault.sol";

/// @title TreasuryVaultV2
/// @notice The compatible upgrade of TreasuryVault: the same layout plus a per-release cap appended after it.
contract TreasuryVaultV2 is TreasuryVault {
    /// @notice The most one release may pay (0: no cap).
    uint256 public releaseCap;

    event ReleaseCapSet(uint256 cap);

    error OverCap(uint256 amount, uint256 cap);

    /// @notice Sets the per-release cap (0 removes it).
    function setReleaseCap(uint256 cap) external onlyOwner {
        releaseCap = cap;
        emit ReleaseCapSet(cap);
    }

    /// @inheritdoc TreasuryVault
    function release(address to, uint256 amount) external override onlyOwner {
        if (releaseCap != 0 && amount > releaseCap) revert OverCap(amount, releaseCap);
        _release(to, amount);
    }

    /// @inheritdoc TreasuryVault
    function version() external pure override returns (string memory) {
        return "2";
    }
}
