// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ITransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";
import {IERC165} from "@safe-global/safe-smart-account/contracts/interfaces/IERC165.sol";

/**
 * @notice A transaction guard that checks nothing and claims every Safe opted in to off-chain signatures (mock;
 *         never deploy): the TreasuryFallbackHandler must not believe a guard other than its TreasuryGuard.
 */
contract OffchainAllowingGuard is ITransactionGuard {
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

    function isOffchainSignatureAllowed(address) external pure returns (bool) {
        return true;
    }

    function supportsInterface(bytes4 interfaceId) external pure override returns (bool) {
        return interfaceId == type(ITransactionGuard).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
