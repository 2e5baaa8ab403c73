// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
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

    /// @dev The window header's 35-bit `extra` field holds the allowance and one flag, so a spend reads and writes one
    ///      hot slot for all of them: mantissa (29 bits) | exponent (5 bits) << 29 | invalidated (1 bit) << 34. The
    ///      allowance is mantissa * 10^exponent, i.e. the amount set rounded down to a 29-bit mantissa (exact for any
    ///      amount with at most 8 significant digits, and for 9 up to 536,870,911). Rounding down only makes the
    ///      limit stricter. `invalidated` is set by the first signature invalidation of the window and never cleared
    ///      (see _nonce).
    uint256 private constant _MANTISSA_BITS = 29;
    uint256 private constant _MANTISSA_MAX = (1 << _MANTISSA_BITS) - 1;
    uint256 private constant _EXPONENT_MASK = (1 << 5) - 1;
    // Literals, not `_MANTISSA_BITS + 5`: the optimizer does not fold checked arithmetic on constants.
    uint256 private constant _ALLOWANCE_MASK = (1 << 34) - 1;
    uint256 private constant _INVALIDATED = 1 << 34;
    // RollingWindow.mark() is below 2^120; the invalidation counter goes above it in the nonce.
    uint256 private constant _EPOCH_SHIFT = 128;

    // safe -> delegate -> asset -> spend history and allowance (in the header's `extra`): at _window(...). The window
    // outlives allowance changes: lowering, revoking and re-granting never forget what was spent in the last 24 hours.
    // safe -> delegate -> recipient -> allowed: at _recipient(...).
    // Both are keyed by three addresses and read on every spend, so their slots are derived with one keccak each
    // (keccak256(abi.encode(a, b, c, seed))) instead of a nested mapping's three. The 128-byte preimages with
    // distinct seeds cannot collide with each other nor with Solidity's 64-byte mapping preimages below.
    // keccak256("SpendingLimitModule.windows") and keccak256("SpendingLimitModule.recipients") (literals: inline
    // assembly only takes number constants; checked by the tests' storage-layout assertion).
    uint256 private constant _WINDOWS_SEED = 0xc7756c8a6fe6ff9a802d60f66481f7734e212eb1e491bb17c715605be361d859;
    uint256 private constant _RECIPIENTS_SEED = 0x7529ca270b051c548299f13a59a5b5208c6627e382afb0bf9323633f91e12163;

    struct Flag {
        bool value;
    }

    // safe -> delegate -> asset -> invalidation counter (only read for windows flagged `invalidated`)
    mapping(address safe => mapping(address delegate => mapping(address asset => uint256))) private _epochs;
    // safe -> delegate -> number of assets with a non-zero allowance (tells UnknownDelegate from NoAllowance)
    mapping(address safe => mapping(address delegate => uint256)) private _grants;
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

    /**
     * @dev Has `safe` send `amount` wei to `to` through execTransactionFromModule(to, amount, "", Call) and returns
     *      its boolean result (false: the recipient refused it). Assembly like _execTokenTransfer (hot path): the call
     *      is encoded in scratch memory past the free memory pointer, never advanced. A revert of the Safe call itself
     *      (e.g. the TreasuryGuard's CapExceeded as module guard) is bubbled up; a Safe always returns one word.
     */
    function _execEthTransfer(address safe, address to, uint256 amount) private returns (bool ok) {
        bytes4 execSelector = IModuleManager.execTransactionFromModule.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)
            mstore(ptr, execSelector)
            mstore(add(ptr, 0x04), to)
            mstore(add(ptr, 0x24), amount)
            mstore(add(ptr, 0x44), 0x80) // offset of `data` in the arguments
            mstore(add(ptr, 0x64), 0) // Enum.Operation.Call
            mstore(add(ptr, 0x84), 0) // data.length
            if iszero(call(gas(), safe, 0, ptr, 0xa4, 0, 0x20)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // Anything but exactly one word holding 1 (a contract that is not a Safe) is a failure.
            ok := and(eq(returndatasize(), 0x20), eq(mload(0), 1))
        }
    }

    /**
     * @dev Has `safe` call `asset.transfer(to, amount)` through execTransactionFromModuleReturnData and judges the
     *      token's answer like SafeERC20: no return data is success only if the token has code (a call to an account
     *      without code "succeeds"); otherwise the return data must be at least one word and start with 1 (true). A
     *      false return, a revert or malformed data (also a Safe answer not encoded as Solidity does) is a failure
     *      (the caller reverts, so nothing is counted).
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
            // Returns abi.encode(bool success, bytes returnData): [success][offset = 0x40][length][data...], which
            // is how every Safe (Solidity) encodes it; any other layout is a failure. Only words within the return
            // data are copied (returndatacopy out of bounds would consume all gas), into the call's own scratch
            // memory (0x104 bytes from ptr, already paid for).
            let size := returndatasize()
            switch gt(size, 0x7f)
            case 1 {
                // At least one word of token data: it must be `true`, and the length must fit in what was returned.
                returndatacopy(ptr, 0, 0x80)
                let length := mload(add(ptr, 0x40))
                ok := and(
                    and(eq(mload(ptr), 1), eq(mload(add(ptr, 0x20)), 0x40)),
                    and(and(gt(length, 0x1f), iszero(gt(length, sub(size, 0x60)))), eq(mload(add(ptr, 0x60)), 1))
                )
            }
            default {
                // No token data: success only if the token has code (a call to an account without code "succeeds").
                if eq(size, 0x60) {
                    returndatacopy(ptr, 0, 0x60)
                    ok := and(
                        and(eq(mload(ptr), 1), eq(mload(add(ptr, 0x20)), 0x40)),
                        and(iszero(mload(add(ptr, 0x40))), gt(extcodesize(asset), 0))
                    )
                }
            }
        }
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
        Flag storage flag = _recipient(msg.sender, delegate, recipient);
        bool old = flag.value;
        flag.value = allowed;
        emit RecipientChanged(msg.sender, delegate, recipient, old, allowed);
    }

    function _window(
        address safe,
        address delegate,
        address asset
    ) private pure returns (RollingWindow.Window storage window) {
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer (not advanced).
            let ptr := mload(0x40)
            mstore(ptr, safe)
            mstore(add(ptr, 0x20), delegate)
            mstore(add(ptr, 0x40), asset)
            mstore(add(ptr, 0x60), _WINDOWS_SEED)
            window.slot := keccak256(ptr, 0x80)
        }
    }

    // _window and _recipient repeat the same four-word hash on purpose: a shared helper measured 143 gas more per
    // spend (the optimizer does not inline it).
    function _recipient(address safe, address delegate, address recipient) private pure returns (Flag storage flag) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, safe)
            mstore(add(ptr, 0x20), delegate)
            mstore(add(ptr, 0x40), recipient)
            mstore(add(ptr, 0x60), _RECIPIENTS_SEED)
            flag.slot := keccak256(ptr, 0x80)
        }
    }

    function _canPay(address safe, address delegate, address recipient) private view returns (bool) {
        return _recipient(safe, delegate, recipient).value || _inRegistry(safe, recipient);
    }

    /// @dev Whether the Safe named a registry and it lists `recipient` (the per-delegate list is checked first).
    function _inRegistry(address safe, address recipient) private view returns (bool) {
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

    /**
     * @dev Reverts with InvalidSignature unless the delegate signed the Spend of the running spendWithSignature call
     *      with relay nonce `nonce`. The struct is hashed straight from calldata: all the call's arguments are
     *      static, so safe, delegate, asset, to and amount are the words at 4 .. 0xa4 and deadline the word at 0xa4,
     *      already validated by the ABI decoder (an address with dirty upper bits reverted). The digest equals
     *      getSpendHash of the same values (both are checked against ethers' EIP-712 encoding in tests). Recovery is
     *      OpenZeppelin's ECDSA.tryRecover(digest, r, vs): a high-s signature (the compact form leaves no v to
     *      malleate) and the zero address that ecrecover returns for garbage recover no signer, so a signature can
     *      never "recover" to an unset delegate; the error then names address(0) as the signer.
     *      Assembly because every relayed spend runs it: one scratch buffer for the struct, the digest and the
     *      ecrecover input, and no detour through ECDSA's and MessageHashUtils' helpers (about 450 gas less with the
     *      legacy pipeline).
     */
    function _verifyRelay(address delegate, uint256 nonce, bytes32 r, bytes32 vs) private view {
        bytes32 typeHash = SPEND_TYPEHASH;
        bytes32 domainSeparator = _domainSeparatorV4();
        address signer;
        bool valid;
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer (not advanced): 8 words.
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), 0x04, 0xa0)
            mstore(add(ptr, 0xc0), nonce)
            mstore(add(ptr, 0xe0), calldataload(0xa4))
            let structHash := keccak256(ptr, 0x100)
            // keccak256("\x19\x01" || domainSeparator || structHash): the two bytes end the first word.
            mstore(ptr, 0x1901)
            mstore(add(ptr, 0x20), domainSeparator)
            mstore(add(ptr, 0x40), structHash)
            mstore(ptr, keccak256(add(ptr, 0x1e), 0x42))
            // ecrecover(digest, v, r, s) with v = 27 + the top bit of vs and s = the rest (EIP-2098).
            let s := and(vs, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            mstore(add(ptr, 0x20), add(shr(255, vs), 27))
            mstore(add(ptr, 0x40), r)
            mstore(add(ptr, 0x60), s)
            // s above half the curve order: no signer (ECDSA's InvalidSignatureS).
            if iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)) {
                // The precompile fails only without gas (the Solidity builtin reverts then, with no data); for an
                // unrecoverable signature it returns no data, which leaves `signer` at 0.
                if iszero(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20)) {
                    revert(0, 0)
                }
                if eq(returndatasize(), 0x20) {
                    signer := mload(0x00)
                }
            }
            // signer != address(0) && signer == delegate, in one branch (both are clean addresses).
            valid := and(eq(signer, delegate), iszero(iszero(signer)))
        }
        if (!valid) revert InvalidSignature(delegate, signer);
    }

    /**
     * @dev The relay nonce of a window, which lives in the window's header (the slot every spend reads and writes)
     *      instead of a slot of its own: `window.mark()` (hour << 96 | current, below 2^120) while no signature of
     *      the window was ever invalidated, and `epoch << 128 | mark` afterwards, `epoch` (>= 1) being the window's
     *      invalidation counter. Why it never repeats, so that no signature runs twice or after an invalidation:
     *      - A spend (direct or relayed) counts amount > 0 (ZeroAmount is refused first), which strictly increases
     *        the mark (RollingWindow.mark). The module never calls RollingWindow.refund, the only operation that
     *        lowers it; a transfer that fails reverts the whole call, the header write with it. setAllowance only
     *        changes `extra` and prepare() only the ring: neither changes the mark.
     *      - An invalidation strictly increases the epoch and sets the flag, which stays set: every later nonce is
     *        at least 2^128 and carries the new epoch, so it differs from every earlier nonce (those without the
     *        flag are below 2^120, those with it carry a smaller epoch).
     *      - Between invalidations the epoch is fixed and the mark strictly increases with every spend.
     *      So the nonce takes each value at most once, in one window. A signature binds its window (safe, delegate,
     *      asset are in the signed struct), so it cannot be replayed on another window, whose nonces may coincide.
     *      Allowance changes other than a revocation keep the nonce (a relayed spend is checked against the
     *      allowance in force when it runs); a revocation invalidates, so re-granting does not revive signatures.
     */
    function _nonce(
        address safe,
        address delegate,
        address asset,
        RollingWindow.Window storage window
    ) private view returns (uint256) {
        return _nonceOf(safe, delegate, asset, window.header);
    }

    /// @dev _nonce of the window whose header is `header`. The epoch is at most one per transaction, far below
    ///      2^128, so the shift cannot drop bits.
    function _nonceOf(
        address safe,
        address delegate,
        address asset,
        uint256 header
    ) private view returns (uint256 nonce) {
        nonce = RollingWindow.markOf(header);
        if (RollingWindow.extraOf(header) & _INVALIDATED != 0) {
            nonce |= _epochs[safe][delegate][asset] << _EPOCH_SHIFT;
        }
    }

    function _invalidate(address safe, address delegate, address asset) private {
        RollingWindow.Window storage window = _window(safe, delegate, asset);
        uint256 old = _nonce(safe, delegate, asset, window);
        uint256 epoch = _epochs[safe][delegate][asset] + 1;
        _epochs[safe][delegate][asset] = epoch;
        window.setExtra(window.extra() | _INVALIDATED);
        emit SignaturesInvalidated(safe, delegate, asset, old, (epoch << _EPOCH_SHIFT) | window.mark());
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
