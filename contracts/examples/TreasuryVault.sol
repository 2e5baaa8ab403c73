// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @title TreasuryVault
/// @notice Example upgradeable contract the treasury owns: a grants budget in one ERC20 that only its owner (the
/// treasury Safe) releases. Deployed behind a UUPS proxy (scripts/deploy-vault.ts) or a transparent one; upgraded
/// through the Safe with `npx hardhat upgrade:proxy` (docs/runbook.md).
contract TreasuryVault is Initializable, UUPSUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice Who may release funds and upgrade (the treasury Safe).
    address public owner;
    /// @notice The budget's token.
    IERC20 public token;
    /// @notice Total released so far.
    uint256 public released;

    event Released(address indexed to, uint256 amount);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the owner and the budget's token (once, through the proxy's deployment).
    function initialize(address owner_, IERC20 token_) external initializer {
        if (owner_ == address(0) || address(token_) == address(0)) revert ZeroAddress();
        owner = owner_;
        token = token_;
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @notice Pays `amount` of the budget's token to `to`.
    function release(address to, uint256 amount) external virtual onlyOwner {
        _release(to, amount);
    }

    /// @notice Hands the vault (and its upgrades) to another owner.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice The implementation's version.
    function version() external pure virtual returns (string memory) {
        return "1";
    }

    function _release(address to, uint256 amount) internal {
        released += amount;
        emit Released(to, amount);
        token.safeTransfer(to, amount);
    }

    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal view override onlyOwner {}
}
