// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/// @notice Counts every call it receives and answers `true` to anything, like a token accepting any transfer (mock;
///         never deploy). Stands for an arbitrary contract a module must never make the Safe call.
contract CallRecorder {
    uint256 public calls;
    bytes public lastCall;

    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata data) external payable returns (bytes memory) {
        ++calls;
        lastCall = data;
        return abi.encode(true);
    }
}
