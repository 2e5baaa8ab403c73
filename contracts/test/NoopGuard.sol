// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {BaseTransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";

/**
 * @notice A transaction guard that checks nothing and stores nothing (mock; never deploy). The gas benchmark
 *         installs it to measure what calling any guard costs a Safe, the floor under every guard's overhead. ERC-165
 *         comes from Safe's BaseTransactionGuard.
 */
contract NoopGuard is BaseTransactionGuard {
    function checkTransaction(
        address,
        uint256,
        bytes calldata,
        Enum.Operation,
        uint256,
        uint256,
        uint256,
        address,
        address payable,
        bytes memory,
        address
    ) external pure override {}

    function checkAfterExecution(bytes32, bool) external pure override {}
}
