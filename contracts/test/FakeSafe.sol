// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/// @notice Answers the reads a service makes of a Safe (VERSION, nonce, threshold, owners, modules) with whatever it
///         was given, and emits Safe's execution events on demand (mock; never deploy). Stands for a malicious
///         contract a stranger gets a transaction service to follow as if it were a Safe.
contract FakeSafe {
    event ExecutionSuccess(bytes32 indexed txHash, uint256 payment);

    address[] private _owners;

    constructor(address[] memory owners) {
        _owners = owners;
    }

    // solhint-disable-next-line func-name-mixedcase
    function VERSION() external pure returns (string memory) {
        // Safe's own name for it: the service reads VERSION() to tell a Safe.
        return "1.5.0";
    }

    function nonce() external pure returns (uint256) {
        return 0;
    }

    function getThreshold() external pure returns (uint256) {
        return 1;
    }

    function getOwners() external view returns (address[] memory) {
        return _owners;
    }

    function getModulesPaginated(address, uint256) external pure returns (address[] memory array, address next) {
        return (new address[](0), address(1));
    }

    /// @notice Emits ExecutionSuccess for any hash, as no Safe can for another Safe's transaction.
    function fakeExecution(bytes32 txHash) external {
        emit ExecutionSuccess(txHash, 0);
    }
}
