// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {BaseTransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";

/**
 * @notice A transaction guard that lets everything through but whose lastActivity always reverts: an activity
 *         recorder the RecoveryModule must survive (mock).
 */
contract RecoveryModuleBrokenRecorder is BaseTransactionGuard {
    error Broken();

    function lastActivity(address) external pure returns (uint64) {
        revert Broken();
    }

    function checkTransaction(
        address,
        uint256,
        bytes memory,
        Enum.Operation,
        uint256,
        uint256,
        uint256,
        address,
        address payable,
        bytes memory,
        address
    ) external override {}

    function checkAfterExecution(bytes32, bool) external override {}
}
