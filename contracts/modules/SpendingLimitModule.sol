// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {ISpendingLimitModule} from "../interfaces/ISpendingLimitModule.sol";
import {ITreasuryGuard} from "../interfaces/ITreasuryGuard.sol";
import {RollingWindow} from "../libraries/RollingWindow.sol";

/**
 * @title SpendingLimitModule - per-delegate rolling 24h allowances for Safes (1.4.1 and 1.5.0)
 * @notice See ISpendingLimitModule and docs/modules.md.
 * @dev Hot path of a delegate-sent transfer to a whitelisted recipient: three cold slots (recipient flag, allowance,
 *      window header) and one write, then the Safe's execTransactionFromModule[ReturnData].
 */
contract SpendingLimitModule is ISpendingLimitModule, EIP712 {
    using RollingWindow for RollingWindow.Window;

    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice EIP-712 type a delegate signs for a relayed spend.
    bytes32 public constant SPEND_TYPEHASH =
        keccak256(
            "Spend(address safe,address delegate,address asset,address to,uint256 amount,uint256 nonce,"
            "uint256 deadline)"
        );

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev The allowance lives in the 35-bit `extra` field of its window's header, so a spend reads and writes one
    ///      hot slot for both: mantissa (30 bits) | exponent (5 bits) << 30, the allowance being
    ///      mantissa * 10^exponent, i.e. the amount set rounded down to 9 significant decimal digits (exact for any
    ///      amount with at most 9, such as 1.5 ETH or 1,234,567.89 USDC). Rounding down only makes the limit stricter.
    uint256 private constant _MANTISSA_BITS = 30;
    uint256 private constant _MANTISSA_MAX = (1 << _MANTISSA_BITS) - 1;
    uint256 private constant _EXPONENT_MASK = (1 << 5) - 1;
    // safe -> delegate -> asset -> spend history and allowance (in the header's `extra`). The window outlives
    // allowance changes: lowering, revoking and re-granting never forget what was spent in the last 24 hours.
    mapping(address safe => mapping(address delegate => mapping(address asset => RollingWindow.Window)))
        private _windows;
    // safe -> delegate -> recipient -> allowed
    mapping(address safe => mapping(address delegate => mapping(address recipient => bool))) private _recipients;
    // safe -> delegate -> relay nonce
    mapping(address safe => mapping(address delegate => uint256)) private _nonces;
    // safe -> recipient registry (TreasuryGuard), address(0) if none
    mapping(address safe => address) private _registries;

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
        uint256 current = _decodeAllowance(_windows[msg.sender][delegate][asset].extra());
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
        _spend(safe, msg.sender, asset, to, amount);
    }

    /// @inheritdoc ISpendingLimitModule
    function spendWithSignature(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 deadline,
        bytes calldata signature
    ) external override {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        uint256 nonce = _nonces[safe][delegate];
        bytes32 digest = _spendHash(safe, delegate, asset, to, amount, nonce, deadline);
        // tryRecover refuses malleable (high-s) signatures and the zero address ecrecover returns for garbage, so a
        // signature can never "recover" to an unset delegate.
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error != ECDSA.RecoverError.NoError || signer != delegate) revert InvalidSignature(delegate, signer);
        // The nonce is consumed before the Safe is called: the signature cannot be replayed, even re-entrantly.
        _bumpNonce(safe, delegate);
        _spend(safe, delegate, asset, to, amount);
    }

    /// @inheritdoc ISpendingLimitModule
    function invalidateSignatures(address safe) external override {
        _bumpNonce(safe, msg.sender);
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
        RollingWindow.Window storage window = _windows[safe][delegate][asset];
        allowance = _decodeAllowance(window.extra());
        spent = window.spent(block.timestamp);
        available = window.available(allowance, block.timestamp);
        nextIncreaseAt = window.nextIncrease(allowance, block.timestamp);
    }

    /// @inheritdoc ISpendingLimitModule
    function isRecipient(address safe, address delegate, address recipient) external view override returns (bool) {
        return _recipients[safe][delegate][recipient];
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
    function nonces(address safe, address delegate) external view override returns (uint256) {
        return _nonces[safe][delegate];
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
     * @dev Checks, counts, then transfers. A transfer that fails reverts the whole call, so nothing is counted for it.
     *      With the TreasuryGuard as module guard (Safe 1.5.0), the Safe's call also passes the guard's Safe-wide
     *      caps and recipient rules, and its errors (e.g. CapExceeded) bubble up unchanged.
     */
    function _spend(address safe, address delegate, address asset, address to, uint256 amount) private {
        if (!_canPay(safe, delegate, to)) revert RecipientNotAllowed(safe, delegate, to);
        RollingWindow.Window storage window = _windows[safe][delegate][asset];
        // extra() and trySpend read the same header slot: one cold read for allowance and history.
        (bool ok, uint256 available) = window.trySpend(_decodeAllowance(window.extra()), amount, block.timestamp);
        if (!ok) revert AllowanceExceeded(safe, delegate, asset, amount, available);

        if (asset == address(0)) {
            if (!IModuleManager(safe).execTransactionFromModule(to, amount, "", Enum.Operation.Call)) {
                revert TransferFailed(safe, asset, to, amount);
            }
        } else if (!_execTokenTransfer(safe, asset, to, amount)) {
            revert TransferFailed(safe, asset, to, amount);
        }
        emit Spent(safe, delegate, asset, to, amount);
    }

    /**
     * @dev Has `safe` call `asset.transfer(to, amount)` through execTransactionFromModuleReturnData and judges the
     *      token's answer like SafeERC20: no return data is success only if the token has code (a call to an account
     *      without code "succeeds"); otherwise the return data must be at least one word and start with 1 (true). A
     *      false return, a revert or malformed data is a failure (the caller reverts, so nothing is counted).
     *      A revert of the Safe call itself (e.g. the TreasuryGuard's CapExceeded as module guard) is bubbled up.
     *
     *      Assembly, because this is the hot path (gas target: the whole transaction <= 70,000 gas): it encodes the
     *      call in scratch memory past the free memory pointer (never advanced, so memory-safe) and reads only the
     *      words it needs from the return data instead of copying and ABI-decoding it.
     */
    function _execTokenTransfer(address safe, address asset, address to, uint256 amount) private returns (bool ok) {
        bytes4 execSelector = IModuleManager.execTransactionFromModuleReturnData.selector;
        bytes4 transferSelector = IERC20.transfer.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // execTransactionFromModuleReturnData(address to, uint256 value, bytes data, uint8 operation)
            mstore(ptr, execSelector)
            mstore(add(ptr, 0x04), asset)
            mstore(add(ptr, 0x24), 0) // value
            mstore(add(ptr, 0x44), 0x80) // offset of `data` in the arguments
            mstore(add(ptr, 0x64), 0) // Enum.Operation.Call
            mstore(add(ptr, 0x84), 0x44) // data.length: transfer(address,uint256)
            mstore(add(ptr, 0xa4), transferSelector)
            mstore(add(ptr, 0xa8), to)
            mstore(add(ptr, 0xc8), amount)
            mstore(add(ptr, 0xe8), 0) // zero the padding of `data` to a whole word (0x44 -> 0x60 bytes)
            if iszero(call(gas(), safe, 0, ptr, 0x104, 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // Returns (bool success, bytes returnData): [success][offset][length][data...]. Every read below is
            // bounds-checked first: returndatacopy out of bounds would consume all gas.
            let size := returndatasize()
            if gt(size, 0x5f) {
                returndatacopy(0, 0, 0x40)
                let offset := mload(0x20)
                if and(eq(mload(0), 1), lt(offset, sub(size, 0x1f))) {
                    returndatacopy(0, offset, 0x20)
                    let length := mload(0)
                    let dataStart := add(offset, 0x20)
                    if iszero(gt(length, sub(size, dataStart))) {
                        switch length
                        case 0 {
                            ok := gt(extcodesize(asset), 0)
                        }
                        default {
                            if gt(length, 0x1f) {
                                returndatacopy(0, dataStart, 0x20)
                                ok := eq(mload(0), 1)
                            }
                        }
                    }
                }
            }
        }
    }

    /// @dev Stores the allowance (rounded down, see _encodeAllowance) and emits the effective old and new values.
    function _writeAllowance(address delegate, address asset, uint256 allowance) private {
        RollingWindow.Window storage window = _windows[msg.sender][delegate][asset];
        uint256 old = _decodeAllowance(window.extra());
        uint256 encoded = _encodeAllowance(allowance);
        window.setExtra(encoded);
        // Pays the ring's first writes now rather than in the delegate's first day of spends (once per window).
        if (encoded != 0) window.prepare();
        emit AllowanceChanged(msg.sender, delegate, asset, old, _decodeAllowance(encoded));
        if (allowance == 0) _bumpNonce(msg.sender, delegate);
    }

    /**
     * @dev `allowance` as mantissa (30 bits) | exponent (5 bits) << 30 with mantissa * 10^exponent <= allowance, the
     *      largest such value with a 30-bit mantissa. Amounts at or above RollingWindow.MAX_AMOUNT (which the window
     *      treats as unbounded) are first clamped to it, so the exponent is at most 20.
     */
    function _encodeAllowance(uint256 allowance) private pure returns (uint256) {
        if (allowance > RollingWindow.MAX_AMOUNT) allowance = RollingWindow.MAX_AMOUNT;
        uint256 exponent;
        while (allowance > _MANTISSA_MAX) {
            allowance /= 10;
            ++exponent;
        }
        return (exponent << _MANTISSA_BITS) | allowance;
    }

    function _decodeAllowance(uint256 extra) private pure returns (uint256) {
        // mantissa < 2^30 and exponent < 32 (10^31 < 2^104): neither the power nor the product can overflow, so the
        // checked-exponentiation helper is not needed (unchecked compiles `**` to the EXP opcode).
        unchecked {
            return (extra & _MANTISSA_MAX) * 10 ** ((extra >> _MANTISSA_BITS) & _EXPONENT_MASK);
        }
    }

    function _writeRecipient(address delegate, address recipient, bool allowed) private {
        mapping(address => bool) storage recipients = _recipients[msg.sender][delegate];
        bool old = recipients[recipient];
        recipients[recipient] = allowed;
        emit RecipientChanged(msg.sender, delegate, recipient, old, allowed);
    }

    function _canPay(address safe, address delegate, address recipient) private view returns (bool) {
        if (_recipients[safe][delegate][recipient]) return true;
        address registry = _registries[safe];
        return registry != address(0) && ITreasuryGuard(registry).isRecipient(safe, recipient);
    }

    function _spendHash(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(keccak256(abi.encode(SPEND_TYPEHASH, safe, delegate, asset, to, amount, nonce, deadline)));
    }

    function _bumpNonce(address safe, address delegate) private {
        uint256 old = _nonces[safe][delegate];
        // One increment per transaction: 2^256 is out of reach.
        unchecked {
            _nonces[safe][delegate] = old + 1;
        }
        emit NonceChanged(safe, delegate, old, old + 1);
    }

    /**
     * @dev Configuration is per `msg.sender`, so any other caller could only write its own unused entry; refusing
     *      callers that are not Safes with this module enabled makes that explicit. Low-level to also handle EOAs.
     */
    function _requireEnabledSafe() private view {
        (bool ok, bytes memory ret) = msg.sender.staticcall(
            abi.encodeCall(IModuleManager.isModuleEnabled, (address(this)))
        );
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert ModuleNotEnabled(msg.sender);
    }
}
