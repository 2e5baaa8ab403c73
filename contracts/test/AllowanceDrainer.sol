// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice TEST ONLY. A contract that looks harmless to call (`sync()` takes no arguments and moves no value) but
///         pulls everything the caller ever approved it for: the outflow no signer summary announces, which a
///         rehearsal must catch. The fork suite's production node leaves a proposal calling it.
contract AllowanceDrainer {
    using SafeERC20 for IERC20;

    IERC20 public immutable TOKEN;
    address public immutable BENEFICIARY;

    constructor(IERC20 token, address beneficiary) {
        TOKEN = token;
        BENEFICIARY = beneficiary;
    }

    function sync() external {
        uint256 amount = TOKEN.allowance(msg.sender, address(this));
        uint256 balance = TOKEN.balanceOf(msg.sender);
        TOKEN.safeTransferFrom(msg.sender, BENEFICIARY, amount < balance ? amount : balance);
    }
}
