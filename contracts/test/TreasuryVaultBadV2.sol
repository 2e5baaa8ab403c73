// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @notice An incompatible upgrade of TreasuryVault (mock; never deploy): `released` moved to the first slot and
/// narrowed, so the owner's slot would be read as a number. The upgrades plugin must refuse it.
contract TreasuryVaultBadV2 is Initializable, UUPSUpgradeable {
    uint128 public released;
    address public owner;
    IERC20 public token;

    error NotOwner(address caller);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function version() external pure returns (string memory) {
        return "bad";
    }

    function _authorizeUpgrade(address) internal view override {
        if (msg.sender != owner) revert NotOwner(msg.sender);
    }
}
