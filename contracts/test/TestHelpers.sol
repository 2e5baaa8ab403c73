// SPDX-License-Identifier: LGPL-3.0-only
/* solhint-disable one-contract-per-file */
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";

/// @notice Bybit-style payload: when DELEGATECALLed by a Safe, overwrites storage slot 0 (the singleton) (mock).
contract SlotZeroWriter {
    function overwrite(address newSingleton) external {
        assembly ("memory-safe") {
            sstore(0, newSingleton)
        }
    }
}

/// @notice A minimal Safe module for tests: forwards any transaction to execTransactionFromModule (mock).
contract TestModule {
    function exec(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) external returns (bool) {
        return IModuleManager(safe).execTransactionFromModule(to, value, data, operation);
    }
}

/// @notice A contract that records calls and can fail on demand (a "trusted target" for tests) (mock).
contract TestTarget {
    uint256 public calls;

    error TargetFailed();

    function ping() external payable {
        ++calls;
    }

    function fail() external pure {
        revert TargetFailed();
    }

    /// @notice Re-enters a Safe with an already-approved transaction (pre-approved hash signature).
    function reenter(address safe, bytes calldata execCall) external {
        (bool ok, bytes memory ret) = safe.call(execCall);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        ++calls;
    }
}
