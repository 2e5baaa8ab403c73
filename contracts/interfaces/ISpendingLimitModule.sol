// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ISafeModule} from "./ISafeModule.sol";

/**
 * @title ISpendingLimitModule - per-delegate rolling 24h allowances for Safes
 * @notice One singleton serves many Safes; configuration is keyed by the Safe (`msg.sender`) and is accepted only
 *         from a Safe that has this module enabled, i.e. from a multisig transaction of that Safe.
 *
 *         A Safe grants a delegate an allowance per asset (address(0) = native ETH) per rolling 24 hours, counted with
 *         the same RollingWindow as the TreasuryGuard: the amount spent in ANY 24-hour interval never exceeds the
 *         allowance in force (one-hour granularity, conservative). The delegate spends without owner signatures,
 *         directly or through a relayer with an EIP-712 signature, to recipients whitelisted for it or (if the Safe
 *         names a registry) whitelisted in the TreasuryGuard.
 *
 *         ⚠️ An enabled module can move the Safe's funds. This one only sends `asset` to an allowed recipient, within
 *         the allowance; with the TreasuryGuard as module guard (Safe 1.5.0) every spend also counts in the Safe-wide
 *         rolling caps.
 */
interface ISpendingLimitModule is ISafeModule {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice `safe` set what `delegate` may spend of `asset` (address(0): ETH) per rolling 24 hours.
     * @param oldAllowance The effective allowance before (as stored: rounded down to a 29-bit mantissa).
     * @param newAllowance The effective allowance now, which may be below the amount asked (see setAllowance).
     */
    event AllowanceChanged(
        address indexed safe,
        address indexed delegate,
        address indexed asset,
        uint256 oldAllowance,
        uint256 newAllowance
    );
    /// @notice `safe` allowed (newAllowed) or disallowed `recipient` for `delegate`'s spends.
    event RecipientChanged(
        address indexed safe,
        address indexed delegate,
        address indexed recipient,
        bool oldAllowed,
        bool newAllowed
    );
    /// @notice `safe` named (or cleared, address(0)) the TreasuryGuard whose recipient whitelist its delegates may
    ///         also pay.
    event RecipientRegistryChanged(address indexed safe, address oldRegistry, address newRegistry);
    /**
     * @notice Every outstanding signature of `delegate` for `asset` on `safe` became void: the Safe revoked the
     *         allowance (set it to 0) or the delegate called invalidateSignatures. `newNonce` is the window's nonce
     *         from now on (see getNonce).
     */
    event SignaturesInvalidated(
        address indexed safe,
        address indexed delegate,
        address indexed asset,
        uint256 oldNonce,
        uint256 newNonce
    );
    /// @notice A delegate's spend went through. `asset` is not indexed (one topic less on every spend): filter by Safe
    ///         and delegate, then decode.
    event Spent(address indexed safe, address indexed delegate, address asset, address to, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    // ModuleNotEnabled(account): ISafeModule.
    /// @notice The delegate is address(0), which can never spend.
    error InvalidDelegate(address delegate);
    /// @notice lowerAllowance was asked to raise the allowance from `current` to `requested`.
    error AllowanceNotLowered(address safe, address delegate, address asset, uint256 current, uint256 requested);
    /// @notice `recipient` is neither whitelisted for `delegate` nor in the Safe's recipient registry.
    error RecipientNotAllowed(address safe, address delegate, address recipient);
    /// @notice A spend of 0 was asked. It would move nothing but still have the Safe call `asset`: never allowed.
    error ZeroAmount(address safe, address delegate, address asset);
    /**
     * @notice `delegate` has no allowance for any asset on `safe` (never granted, or every allowance revoked). The
     *         Safe grants one with setAllowance.
     */
    error UnknownDelegate(address safe, address delegate);
    /// @notice `delegate` has allowances on `safe`, but none for `asset` (never granted or revoked).
    error NoAllowance(address safe, address delegate, address asset);
    /// @notice `requested` exceeds what the delegate may still spend of `asset` in the rolling 24h window.
    error AllowanceExceeded(address safe, address delegate, address asset, uint256 requested, uint256 available);
    /// @notice The relayed spend's `deadline` passed (`timestamp` is the block's).
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice The signature does not recover to `delegate` (`signer` is what it recovers to, 0 if invalid).
    error InvalidSignature(address delegate, address signer);
    /// @notice The Safe's transfer failed, or the token returned false or malformed data, or has no code.
    error TransferFailed(address safe, address asset, address to, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                          CONFIGURATION (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Sets what `delegate` may spend of `asset` (address(0) = ETH) per rolling 24 hours. Instant, including
     *         for relayed signatures not yet executed (they are checked against the allowance in force). The spend
     *         history is kept, so lowering below what was spent in the window blocks spending until it rolls off.
     *         Setting 0 revokes (spends of `asset` by `delegate` then revert with NoAllowance, or UnknownDelegate if it
     *         was the delegate's last allowance on the Safe) and invalidates the delegate's outstanding signatures for
     *         `asset` for good (SignaturesInvalidated): they stay void if the allowance is granted again.
     *         The allowance is stored rounded down to a 29-bit decimal mantissa: exact for every amount with at most 8
     *         significant digits (e.g. 1.5 ETH, 12,345,678 USDC) and for 9 digits up to 536,870,911 (e.g.
     *         1,234,567.89 USDC); events and getAllowance report the effective value.
     */
    function setAllowance(address delegate, address asset, uint256 allowance) external;

    /**
     * @notice Like setAllowance, but only ever tightens: reverts with AllowanceNotLowered if `allowance` is above the
     *         current one. A Safe running the TreasuryGuard trusts this selector (setTrustedSelector), so that revoking
     *         and lowering stay instant while raising an allowance (setAllowance) goes through the guard's queue.
     */
    function lowerAllowance(address delegate, address asset, uint256 allowance) external;

    /// @notice Allows or disallows `recipient` for `delegate`'s spends.
    function setRecipient(address delegate, address recipient, bool allowed) external;

    /// @notice Disallows `recipient` for `delegate`. Tightening only: a selector a guard may trust (lowerAllowance).
    function removeRecipient(address delegate, address recipient) external;

    /**
     * @notice Names a registry (the TreasuryGuard: isRecipient(safe, account)) whose recipients every delegate of the
     *         caller Safe may also pay. address(0): only the per-delegate whitelists count.
     */
    function setRecipientRegistry(address registry) external;

    /*//////////////////////////////////////////////////////////////
                                  SPEND
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice The delegate (msg.sender) sends `amount` (> 0) of `asset` from `safe` to `to`. Reverts with ZeroAmount,
     *         UnknownDelegate, NoAllowance, RecipientNotAllowed or AllowanceExceeded before the Safe is called. Like
     *         every spend it advances the window's nonce (getNonce), so it voids the delegate's outstanding
     *         signatures for `asset` on `safe`.
     */
    function spend(address safe, address asset, address to, uint256 amount) external;

    /**
     * @notice Anyone relays a spend signed by `delegate`: an EIP-712 Spend struct (domain: this chain and module)
     *         over `safe`, `delegate`, `asset`, `to`, `amount`, the window's nonce (getNonce) and `deadline`, as an
     *         EIP-2098 compact signature (`r`, `vs`; high-s signatures are refused). The nonce is the state of the
     *         delegate's window for `asset`, which every spend of it (direct or relayed) advances and never returns
     *         to: a signature runs at most once, and only if no other spend of that asset by the delegate ran since
     *         it was signed. Same checks and errors as spend, plus SignatureExpired and InvalidSignature.
     */
    function spendWithSignature(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 deadline,
        bytes32 r,
        bytes32 vs
    ) external;

    /**
     * @notice The delegate (msg.sender) voids all its outstanding signatures for `asset` on `safe`
     *         (SignaturesInvalidated). Relayed spends of that window cost one storage read (2,100 gas) more from then
     *         on (the window's nonce includes an invalidation counter kept in a slot of its own).
     */
    function invalidateSignatures(address safe, address asset) external;

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice `delegate`'s allowance of `asset` on `safe`: the amount per 24h, what the window counts now, what
     *         can be spent now, and when that next grows if nothing more is spent (0: never).
     */
    function getAllowance(
        address safe,
        address delegate,
        address asset
    ) external view returns (uint256 allowance, uint256 spent, uint256 available, uint256 nextIncreaseAt);

    /// @notice Whether `recipient` is whitelisted for `delegate` on `safe` (the per-delegate list only).
    function isRecipient(address safe, address delegate, address recipient) external view returns (bool);

    /// @notice Whether `delegate` may pay `recipient` now (per-delegate list or the Safe's registry).
    function canPay(address safe, address delegate, address recipient) external view returns (bool);

    /// @notice The recipient registry `safe` named, address(0) if none.
    function recipientRegistry(address safe) external view returns (address);

    /**
     * @notice The nonce the next relayed spend of `asset` by `delegate` on `safe` must be signed with: the state of
     *         the delegate's rolling window for `asset` (hour and amount of its last spend, and the invalidation
     *         counter once signatures were invalidated). It changes with every spend of that window and with every
     *         invalidation, never with allowance changes other than a revocation, and never repeats.
     */
    function getNonce(address safe, address delegate, address asset) external view returns (uint256);

    /// @notice The EIP-712 digest a delegate signs for spendWithSignature.
    function getSpendHash(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);
}
