// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";

import {IActivityRecorder} from "./IActivityRecorder.sol";

/**
 * @title ITreasuryGuard - rolling caps, whitelists, a timelock queue and a DELEGATECALL policy for Safes
 * @notice One singleton serves many Safes; all state is keyed by the Safe (`msg.sender` of the configuration calls
 *         and of the guard hooks). A Safe installs it as its transaction guard, as its module guard (Safe 1.5.0) and
 *         as an enabled module (so queued transactions can run). Every setter below is only effective for the
 *         calling Safe and is meant to be called by the Safe itself (a multisig transaction).
 *
 *         ⚠️ A transaction guard can deny service to a Safe: a guard that reverts on every transaction locks the
 *         Safe. This guard cannot: removing it (Safe.setGuard / setModuleGuard) is a delayed transaction that
 *         always runs after the delay through the queue, its hooks never revert for reasons outside the policy, and
 *         it keeps a non-reverting fallback().
 *
 *         See docs/policy.md for the classification table, the window semantics and the cancel rule.
 */
interface ITreasuryGuard is IActivityRecorder {
    /*//////////////////////////////////////////////////////////////
                                  TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice What the guard does with a transaction.
    enum Verdict {
        Instant, // runs now
        Delayed, // must be queued and wait the Safe's delay
        Forbidden // never
    }

    /// @notice Why a transaction is not instant (the first reason of its strictest verdict).
    enum Reason {
        None,
        CapExceeded, // an outflow exceeds the remaining rolling capacity of its asset
        NoCap, // an outflow of an asset that has no cap
        RecipientNotAllowed, // an outflow, allowance or operator to a non-whitelisted address
        UntrustedTarget, // a call to a contract (or selector) that is not trusted
        PolicyLoosened, // a guard setting made less strict
        SafeSelfCall, // a privileged call on the Safe itself (owners, modules, guards, fallback handler, ...)
        UnboundedAllowance, // an ERC777 operator: unlimited authority over the Safe's tokens
        SafeLibraryDelegateCall, // DELEGATECALL to the canonical SafeMigration or SignMessageLib
        DelegateCallForbidden, // DELEGATECALL to anything else
        PlainMultiSend, // DELEGATECALL to MultiSend (which itself allows nested DELEGATECALLs)
        GasRefund, // non-zero gasPrice: the refund would move value outside the ledger
        GuardCall // a call to the guard that the Safe never needs (hooks, execute, veto, unknown selectors)
    }

    /// @notice The lifecycle of a queued transaction.
    enum QueueState {
        None, // unknown id
        Waiting, // queued, delay not yet over
        Ready, // executable now
        Expired, // not executed before its expiry
        Executed,
        Cancelled
    }

    /// @notice An amount of an asset (address(0) is native ETH) leaving the Safe or approved to someone.
    struct Outflow {
        address asset;
        uint256 amount;
    }

    /// @notice A Safe's settings and activity record, as returned by policy().
    struct Policy {
        uint64 lastActivity; // time of the Safe's last executed (owner-signed) transaction, 0 if none
        uint32 delay; // effective queue delay in seconds
        uint32 expiry; // effective time a ready transaction stays executable, in seconds
        uint16 cancelStreak; // consecutive owner-vetoed cancellations since the Safe last reset the streak
        uint64 queued; // number of transactions ever queued (ids are 0 .. queued-1)
        address recoveryModule; // module whose owner/threshold changes always pass (address(0): none)
        bool offchainSignatures; // whether the Safe opted in to owners' off-chain signatures (EIP-1271)
        uint32 activityEpoch; // times the guard saw itself removed as the Safe's transaction guard
    }

    /// @notice A queued transaction, as returned by queuedTransaction().
    struct QueuedTransaction {
        address to;
        uint256 value;
        bytes data;
        Enum.Operation operation;
        uint64 eta; // executable from
        uint64 expiresAt; // executable until (exclusive)
        uint16 vetoes; // owner vetoes collected
        QueueState state;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `safe` changed its cap for `asset` (address(0): ETH); 0 means no cap.
    event CapChanged(address indexed safe, address indexed asset, uint256 oldCap, uint256 newCap);
    /// @notice `safe` added (newAllowed) or removed a whitelisted recipient.
    event RecipientChanged(address indexed safe, address indexed recipient, bool oldAllowed, bool newAllowed);
    /// @notice `safe` trusted or untrusted `target` for calls with any data.
    event TrustedTargetChanged(address indexed safe, address indexed target, bool oldTrusted, bool newTrusted);
    /// @notice `safe` trusted or untrusted calls to `target` with `selector`.
    event TrustedSelectorChanged(
        address indexed safe,
        address indexed target,
        bytes4 indexed selector,
        bool oldTrusted,
        bool newTrusted
    );
    /// @notice `safe` changed its queue delay (seconds; the old value is the effective one, default included).
    event DelayChanged(address indexed safe, uint32 oldDelay, uint32 newDelay);
    /// @notice `safe` changed how long a ready queued transaction stays executable (seconds).
    event ExpiryChanged(address indexed safe, uint32 oldExpiry, uint32 newExpiry);
    /// @notice `safe` named (or cleared) the module whose owner/threshold changes always pass.
    event RecoveryModuleChanged(address indexed safe, address oldModule, address newModule);
    /// @notice `safe` opted in to (newAllowed) or out of off-chain signatures counting as its own (EIP-1271).
    event OffchainSignaturesChanged(address indexed safe, bool oldAllowed, bool newAllowed);
    /// @notice `safe` reset its streak of owner-vetoed cancellations (the veto threshold is back to one owner).
    event CancelStreakReset(address indexed safe, uint16 oldStreak);
    /**
     * @notice A queued execution removed this guard as `safe`'s transaction guard: owner transactions from now until
     *         it is installed again are not recorded, so records of activity taken before are no longer complete.
     */
    event ActivityEpochChanged(address indexed safe, uint32 oldEpoch, uint32 newEpoch);
    /// @notice `safe` queued transaction `id`, executable in [eta, expiresAt); verdict/reason as classified then.
    event TransactionQueued(
        address indexed safe,
        uint256 indexed id,
        address to,
        uint256 value,
        bytes data,
        Enum.Operation operation,
        uint64 eta,
        uint64 expiresAt,
        Verdict verdict,
        Reason reason
    );
    /// @notice A queued transaction ran; `outflows` are recorded here and not counted against the caps.
    event TransactionExecuted(address indexed safe, uint256 indexed id, Outflow[] outflows);
    /// @notice `owner` vetoed transaction `id` of `safe`; it is cancelled when `vetoes` reaches `required`.
    event TransactionVetoed(
        address indexed safe,
        uint256 indexed id,
        address indexed owner,
        uint256 vetoes,
        uint256 required
    );
    /// @notice Transaction `id` of `safe` was cancelled `by` the Safe or by the owner whose veto completed it;
    ///         `cancelStreak` is the streak after it (see veto).
    event TransactionCancelled(address indexed safe, uint256 indexed id, address indexed by, uint16 cancelStreak);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Outflows of `asset` summing to `requested` exceed the `available` rolling capacity.
    error CapExceeded(address asset, uint256 requested, uint256 available);
    /// @notice The transaction must go through the queue.
    error DelayRequired(Reason reason);
    /// @notice The transaction can never run.
    error TransactionForbidden(Reason reason);
    /// @notice A MultiSendCallOnly payload is not exactly a sequence of well-formed CALL entries.
    error MalformedBatch();
    /// @notice A delay outside [minDelay, maxDelay].
    error InvalidDelay(uint256 delay, uint256 minDelay, uint256 maxDelay);
    /// @notice An expiry outside [minExpiry, maxExpiry].
    error InvalidExpiry(uint256 expiry, uint256 minExpiry, uint256 maxExpiry);
    /// @notice Transaction `id` of `safe` is not waiting or ready (it is in `state`).
    error TransactionNotQueued(address safe, uint256 id, QueueState state);
    /// @notice Transaction `id` of `safe` cannot run before `eta`.
    error TransactionNotReady(address safe, uint256 id, uint256 eta);
    /// @notice The Safe's call of queued transaction `id` failed; it stays ready until it expires.
    error QueuedTransactionFailed(address safe, uint256 id);
    /**
     * @notice Queued transaction `id` of `safe` would disable the guard as a module while it still guards the Safe,
     *         or install another module guard while it is still the transaction guard: no delayed transaction (not
     *         even the guard's removal) could run after it. Remove the guards in the same transaction, or keep the
     *         module and the module guard.
     */
    error QueueWouldBeLost(address safe, uint256 id);
    /// @notice `account` is not an owner of `safe`.
    error NotSafeOwner(address safe, address account);
    /// @notice `owner` already vetoed transaction `id` of `safe`.
    error AlreadyVetoed(address safe, uint256 id, address owner);
    /// @notice The Safe already has caps on the maximum number of assets.
    error TooManyAssets(uint256 maxAssets);

    /*//////////////////////////////////////////////////////////////
                             POLICY (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Sets the caller Safe's rolling 24h cap for `asset` (address(0) = native ETH). A cap of 0 means "no cap":
     *         outflows of that asset always need the queue. Lowering is instant, raising is delayed. A non-zero cap
     *         takes one of the Safe's MAX_ASSETS slots; a cap of 0 takes none and frees the asset's slot (its spend
     *         history stays, so raising the cap again later still counts the last 24 hours), so the list can always
     *         be made room in instantly and can only grow through the queue.
     *         The cap enforced is the cap rounded down to a 21-bit decimal mantissa (mantissa * 10^exponent, mantissa
     *         below 2,097,152): exact for caps with at most 6 significant digits, never above the cap set; caps of
     *         2^96 - 1 or more are unbounded up to that. A Safe can cap at most MAX_ASSETS distinct assets.
     * @param asset The asset: address(0) for native ETH, else an ERC20.
     * @param cap Maximum outflow in any 24-hour interval, in the asset's base units.
     */
    function setCap(address asset, uint256 cap) external;

    /// @notice Allows or disallows `recipient` to receive outflows instantly. Adding is delayed, removing instant.
    function setRecipient(address recipient, bool allowed) external;

    /// @notice Trusts `target` for calls with any data. Adding is delayed, removing instant.
    function setTrustedTarget(address target, bool trusted) external;

    /// @notice Trusts calls to `target` with `selector` only. Adding is delayed, removing instant.
    function setTrustedSelector(address target, bytes4 selector, bool trusted) external;

    /// @notice Sets the queue delay, within [MIN_DELAY, MAX_DELAY]. Shortening is delayed, lengthening instant.
    function setDelay(uint32 delay) external;

    /// @notice Sets how long a ready transaction stays executable, within [MIN_EXPIRY, MAX_EXPIRY]. Shortening is
    ///         instant, lengthening delayed.
    function setExpiry(uint32 expiry) external;

    /**
     * @notice Names the module (e.g. the RecoveryModule) whose module transactions that only change owners or
     *         threshold always pass the module guard (Safe 1.5.0), even when every other transaction is refused.
     *         Setting or changing it is delayed; clearing it (address(0)) is instant.
     */
    function setRecoveryModule(address module) external;

    /**
     * @notice Opts the caller Safe in to (true) or out of (false) its owners' off-chain signatures counting as the
     *         Safe's own signature (EIP-1271 isValidSignature through the TreasuryFallbackHandler). Off-chain
     *         signatures move assets without a Safe transaction (EIP-2612 permits, Permit2, exchange orders), so
     *         opting in is delayed; opting out is instant. Messages the Safe signs on chain (SignMessageLib, itself a
     *         delayed DELEGATECALL) are accepted either way.
     */
    function setOffchainSignatures(bool allowed) external;

    /**
     * @notice Resets the caller Safe's streak of owner-vetoed cancellations, so the next cancellation needs one
     *         owner's veto again. Only the Safe (its quorum) can reset the streak; nothing else does. Instant: it only
     *         makes vetoing easier.
     */
    function resetCancelStreak() external;

    /*//////////////////////////////////////////////////////////////
                                  QUEUE
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice Queues a transaction of the caller Safe. Reverts with TransactionForbidden for forbidden transactions.
     *         Queueing is itself an instant Safe transaction.
     * @param to Target of the Safe's call.
     * @param value ETH value of the Safe's call.
     * @param data Calldata of the Safe's call.
     * @param operation CALL or DELEGATECALL (only to MultiSendCallOnly, SafeMigration or SignMessageLib).
     * @return id The transaction's id for the caller Safe.
     */
    function queue(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation
    ) external returns (uint256 id);

    /// @notice Cancels a waiting or ready transaction of the caller Safe (instant; does not raise the cancel streak).
    function cancel(uint256 id) external;

    /**
     * @notice An owner of `safe` vetoes a queued transaction. It is cancelled once cancelThreshold(safe) owners
     *         have vetoed it: min(cancelStreak + 1, threshold), where cancelStreak counts the veto cancellations since
     *         the Safe last called resetCancelStreak (nothing else resets it, not even a queued execution, which anyone
     *         can trigger). So the k-th consecutive veto cancellation needs k owners, and k colluding owners (fewer
     *         than the Safe's threshold) can stop the quorum's transactions at most k times in a row, whatever else
     *         runs meanwhile; a single owner at most once.
     * @param safe The Safe whose queued transaction is vetoed (msg.sender must be one of its owners).
     * @param id The queued transaction's id.
     */
    function veto(address safe, uint256 id) external;

    /**
     * @notice Runs a ready transaction of `safe` through Safe.execTransactionFromModule. Anyone may call. The call
     *         must succeed (else QueuedTransactionFailed and it stays ready until expiry). Its outflows are not
     *         counted against the caps; they are recorded in TransactionExecuted.
     * @param safe The Safe that queued the transaction (the guard must be one of its enabled modules).
     * @param id The queued transaction's id.
     */
    function execute(address safe, uint256 id) external;

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The module whose owner/threshold changes always pass (see setRecoveryModule).
    function recoveryModule(address safe) external view returns (address);

    /// @notice `safe`'s settings (effective delay and expiry, defaults included) and activity record.
    function policy(address safe) external view returns (Policy memory);

    /// @notice Whether off-chain signatures of `safe`'s owners count as the Safe's (see setOffchainSignatures).
    function isOffchainSignatureAllowed(address safe) external view returns (bool);

    /// @notice The assets `safe` has a non-zero cap for (at most MAX_ASSETS), in no particular order.
    function getCappedAssets(address safe) external view returns (address[] memory);

    /// @notice The cap as the Safe set it (remaining() uses the enforced, rounded-down cap).
    function capOf(address safe, address asset) external view returns (uint256);

    /// @notice Whether `recipient` may receive outflows of `safe` instantly.
    function isRecipient(address safe, address recipient) external view returns (bool);

    /// @notice Whether `safe` may call `target` with any data instantly (decoded token selectors excepted).
    function isTrustedTarget(address safe, address target) external view returns (bool);

    /// @notice Whether `safe` may call `target` with `selector` instantly (decoded token selectors excepted).
    function isTrustedSelector(address safe, address target, bytes4 selector) external view returns (bool);

    /**
     * @notice The capacity `safe` can still move instantly in `asset` now, and when it next grows if nothing more
     *         is spent (0: never, because nothing is counted or the cap is 0).
     */
    function remaining(address safe, address asset) external view returns (uint256 available, uint256 nextIncreaseAt);

    /// @notice The owner vetoes needed to cancel a queued transaction of `safe` now.
    function cancelThreshold(address safe) external view returns (uint256);

    /// @notice Queued transaction `id` of `safe` with its current state (ids run from 0 to policy(safe).queued - 1).
    function queuedTransaction(address safe, uint256 id) external view returns (QueuedTransaction memory);

    /// @notice The current state of queued transaction `id` of `safe` (None for an unknown id).
    function queueState(address safe, uint256 id) external view returns (QueueState);

    /**
     * @notice Classifies a transaction of `safe` as the guard will when it is executed now by the owners:
     *         the verdict, the first reason for it, and the outflows summed per asset. Reverts MalformedBatch for
     *         a malformed MultiSendCallOnly payload, like the hooks.
     * @param gasPrice The Safe transaction's gasPrice: any non-zero value is forbidden (GasRefund).
     */
    function classify(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 gasPrice
    ) external view returns (Verdict verdict, Reason reason, Outflow[] memory outflows);
}
