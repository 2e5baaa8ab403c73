// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ISpendingLimitModule} from "../interfaces/ISpendingLimitModule.sol";

/// @notice A contract delegate that batches spends in one transaction and re-enters spend when paid (mock; never
///         deploy). Reverts of the module are bubbled unchanged.
contract SpendAttacker {
    ISpendingLimitModule private immutable MODULE;
    address private _safe;
    uint256 private _reenterAmount;

    constructor(ISpendingLimitModule module_) {
        MODULE = module_;
    }

    function batch(address safe, address asset, address to, uint256 amount, uint256 times) external {
        for (uint256 i; i < times; ++i) MODULE.spend(safe, asset, to, amount);
    }

    /// @notice Spends `amount` of ETH to itself and, when the ETH arrives, spends `reenterAmount` more from inside.
    function spendAndReenter(address safe, uint256 amount, uint256 reenterAmount) external {
        _safe = safe;
        _reenterAmount = reenterAmount;
        MODULE.spend(safe, address(0), address(this), amount);
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        uint256 amount = _reenterAmount;
        if (amount == 0) return;
        _reenterAmount = 0;
        MODULE.spend(_safe, address(0), address(this), amount);
    }
}
