// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {ISpendingLimitModule} from "../interfaces/ISpendingLimitModule.sol";
import {ITreasuryGuard} from "../interfaces/ITreasuryGuard.sol";
import {PackedAmount} from "../libraries/PackedAmount.sol";
import {RollingWindow} from "../libraries/RollingWindow.sol";

import {SpendingLimitRelay} from "./base/SpendingLimitRelay.sol";

/**
 * @title SpendingLimitModule - per-delegate rolling 24h allowances for Safes (1.4.1 and 1.5.0)
 * @notice See ISpendingLimitModule and docs/modules.md.
 * @dev Hot path of a delegate-sent transfer to a whitelisted recipient: three cold slots (recipient flag, allowance,
 *      window header) and one write, then the Safe's execTransactionFromModule[ReturnData].
 */
contract SpendingLimitModule is SpendingLimitRelay {
    using RollingWindow for RollingWindow.Window;

    constructor() EIP712("SpendingLimitModule", "1") {}

    /*//////////////////////////////////////////////////////////////
                          CONFIGURATION (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISpendingLimitModule
    function setAllowance(address delegate, address asset, uint256 allowance) external override {
        _requireEnabledSafe();
        if (delegate == address(0)) revert InvalidDelegate(delegate);
        _writeAllowance(delegate, asset, allowance);
    }

    /// @inheritdoc ISpendingLimitModule
    function lowerAllowance(address delegate, address asset, uint256 allowance) external override {
        _requireEnabledSafe();
        uint256 current = _decodeAllowance(_window(msg.sender, delegate, asset).extra() & _ALLOWANCE_MASK);
        uint256 requested = _decodeAllowance(_encodeAllowance(allowance));
        if (requested > current) revert AllowanceNotLowered(msg.sender, delegate, asset, current, requested);
        _writeAllowance(delegate, asset, allowance);
    }

    /// @inheritdoc ISpendingLimitModule
    function setRecipient(address delegate, address recipient, bool allowed) external override {
        _requireEnabledSafe();
        if (delegate == address(0)) revert InvalidDelegate(delegate);
        _writeRecipient(delegate, recipient, allowed);
    }

    /// @inheritdoc ISpendingLimitModule
    function removeRecipient(address delegate, address recipient) external override {
        _requireEnabledSafe();
        _writeRecipient(delegate, recipient, false);
    }

    /// @inheritdoc ISpendingLimitModule
    function setRecipientRegistry(address registry) external override {
        _requireEnabledSafe();
        address old = _registries[msg.sender];
        _registries[msg.sender] = registry;
        emit RecipientRegistryChanged(msg.sender, old, registry);
    }

    /*//////////////////////////////////////////////////////////////
                                  SPEND
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISpendingLimitModule
    function spend(address safe, address asset, address to, uint256 amount) external override {
        RollingWindow.Window storage window = _window(safe, msg.sender, asset);
        _spend(safe, msg.sender, asset, to, amount, window, window.header);
    }

    /// @inheritdoc ISpendingLimitModule
    function spendWithSignature(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 deadline,
        bytes32 r,
        bytes32 vs
    ) external override {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        RollingWindow.Window storage window = _window(safe, delegate, asset);
        // One read of the header for the nonce, the allowance and the spend.
        uint256 header = window.header;
        _verifyRelay(delegate, _nonceOf(safe, delegate, asset, header), r, vs);
        // _spend counts the amount, which advances the window's mark, hence the nonce, before the Safe is called:
        // the signature cannot be replayed, even re-entrantly.
        _spend(safe, delegate, asset, to, amount, window, header);
    }

    /// @inheritdoc ISpendingLimitModule
    function invalidateSignatures(address safe, address asset) external override {
        _invalidate(safe, msg.sender, asset);
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISpendingLimitModule
    function getAllowance(
        address safe,
        address delegate,
        address asset
    ) external view override returns (uint256 allowance, uint256 spent, uint256 available, uint256 nextIncreaseAt) {
        RollingWindow.Window storage window = _window(safe, delegate, asset);
        allowance = _decodeAllowance(window.extra() & _ALLOWANCE_MASK);
        spent = window.spent(block.timestamp);
        available = window.available(allowance, block.timestamp);
        nextIncreaseAt = window.nextIncrease(allowance, block.timestamp);
    }

    /// @inheritdoc ISpendingLimitModule
    function isRecipient(address safe, address delegate, address recipient) external view override returns (bool) {
        return _recipient(safe, delegate, recipient).value;
    }

    /// @inheritdoc ISpendingLimitModule
    function canPay(address safe, address delegate, address recipient) external view override returns (bool) {
        return _canPay(safe, delegate, recipient);
    }

    /// @inheritdoc ISpendingLimitModule
    function recipientRegistry(address safe) external view override returns (address) {
        return _registries[safe];
    }

    /// @inheritdoc ISpendingLimitModule
    function getNonce(address safe, address delegate, address asset) external view override returns (uint256) {
        return _nonce(safe, delegate, asset, _window(safe, delegate, asset));
    }

    /// @inheritdoc ISpendingLimitModule
    function getSpendHash(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) external view override returns (bytes32) {
        return _spendHash(safe, delegate, asset, to, amount, nonce, deadline);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev Checks, counts, then transfers. The checks run cheapest first, and the allowance before the recipient so
     *      that a delegate without one gets the precise error. An allowance of 0 is refused here, not by the window:
     *      with the zero-amount check, no call to `asset` is ever made for a delegate or an asset the Safe did not
     *      grant. A transfer that fails reverts the whole call, so nothing is counted for it. With the TreasuryGuard
     *      as module guard (Safe 1.5.0), the Safe's call also passes the guard's Safe-wide caps and recipient rules,
     *      and its errors (e.g. CapExceeded) bubble up unchanged.
     */
    function _spend(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        RollingWindow.Window storage window,
        uint256 header
    ) private {
        if (amount == 0) revert ZeroAmount(safe, delegate, asset);
        // `header` is the window's header as the caller read it (nothing is written before trySpendFrom, and the
        // registry is called with STATICCALL): one read for the allowance and the history.
        uint256 allowance = _decodeAllowance(RollingWindow.extraOf(header) & _ALLOWANCE_MASK);
        if (allowance == 0) {
            if (_grants[safe][delegate] == 0) revert UnknownDelegate(safe, delegate);
            revert NoAllowance(safe, delegate, asset);
        }
        if (!_recipient(safe, delegate, to).value && !_inRegistry(safe, to)) {
            revert RecipientNotAllowed(safe, delegate, to);
        }
        (bool ok, uint256 available) = window.trySpendFrom(header, allowance, amount, block.timestamp);
        if (!ok) revert AllowanceExceeded(safe, delegate, asset, amount, available);

        if (asset == address(0)) {
            if (!_execEthTransfer(safe, to, amount)) revert TransferFailed(safe, asset, to, amount);
        } else if (!_execTokenTransfer(safe, asset, to, amount)) {
            revert TransferFailed(safe, asset, to, amount);
        }
        emit Spent(safe, delegate, asset, to, amount);
    }

    /// @dev Stores the allowance (rounded down, see _encodeAllowance) and emits the effective old and new values.
    ///      Setting 0 also invalidates the delegate's signatures for the asset, for good (see _nonce).
    function _writeAllowance(address delegate, address asset, uint256 allowance) private {
        RollingWindow.Window storage window = _window(msg.sender, delegate, asset);
        uint256 extra = window.extra();
        uint256 old = _decodeAllowance(extra & _ALLOWANCE_MASK);
        uint256 encoded = _encodeAllowance(allowance);
        uint256 effective = _decodeAllowance(encoded);
        // The invalidation flag is kept: a window's nonce never leaves the invalidation counter once it has one.
        window.setExtra((extra & _INVALIDATED) | encoded);
        // Grants are counted per delegate so that a spend refused for a missing allowance can say whether the
        // delegate has any allowance on the Safe at all (UnknownDelegate) or none for this asset (NoAllowance).
        // One increment or decrement per change between zero and non-zero: the count stays within the number of
        // assets with a non-zero allowance.
        if ((old == 0) != (effective == 0)) {
            unchecked {
                if (old == 0) ++_grants[msg.sender][delegate];
                else --_grants[msg.sender][delegate];
            }
        }
        // Pays the ring's first writes now rather than in the delegate's first day of spends (once per window).
        if (encoded != 0) window.prepare();
        emit AllowanceChanged(msg.sender, delegate, asset, old, effective);
        if (effective == 0) _invalidate(msg.sender, delegate, asset);
    }

    /// @dev `allowance` packed with a 29-bit mantissa, rounded down; amounts above MAX_AMOUNT (which the window
    ///      treats as unbounded) are clamped to it (PackedAmount.encode: the exponent is at most 21).
    function _encodeAllowance(uint256 allowance) private pure returns (uint256) {
        return PackedAmount.encode(allowance, _MANTISSA_BITS);
    }

    /// @dev The allowance in `extra` (its flag bits above the 34 allowance bits are ignored).
    function _decodeAllowance(uint256 extra) private pure returns (uint256) {
        return PackedAmount.decode(extra, _MANTISSA_BITS);
    }

    function _writeRecipient(address delegate, address recipient, bool allowed) private {
        Flag storage flag = _recipient(msg.sender, delegate, recipient);
        bool old = flag.value;
        flag.value = allowed;
        emit RecipientChanged(msg.sender, delegate, recipient, old, allowed);
    }

    function _canPay(address safe, address delegate, address recipient) private view returns (bool) {
        return _recipient(safe, delegate, recipient).value || _inRegistry(safe, recipient);
    }

    /// @dev Whether the Safe named a registry and it lists `recipient` (the per-delegate list is checked first).
    function _inRegistry(address safe, address recipient) private view returns (bool) {
        address registry = _registries[safe];
        return registry != address(0) && ITreasuryGuard(registry).isRecipient(safe, recipient);
    }
}
