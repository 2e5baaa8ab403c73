// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ITreasuryGuard} from "../../interfaces/ITreasuryGuard.sol";
import {RollingWindow} from "../../libraries/RollingWindow.sol";

/**
 * @title TreasuryGuardStorage - the state, types and constants TreasuryGuard's parts share
 * @dev The only base that declares state variables: the storage layout of TreasuryGuard is this contract's.
 */
abstract contract TreasuryGuardStorage is ITreasuryGuard {
    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint32 public constant MIN_DELAY = 1 hours;
    uint32 public constant MAX_DELAY = 30 days;
    /// @notice Delay of a Safe that never set one.
    uint32 public constant DEFAULT_DELAY = 2 days;
    uint32 public constant MIN_EXPIRY = 1 hours;
    uint32 public constant MAX_EXPIRY = 30 days;
    /// @notice Expiry of a Safe that never set one.
    uint32 public constant DEFAULT_EXPIRY = 7 days;

    /// @notice Most assets a Safe can ever give a cap (bounds the lastActivity view, see _assets).
    uint256 public constant MAX_ASSETS = 32;

    // Layout of the 35-bit `extra` field of each rolling window header (hot: read with the window, one slot):
    // cap (26 bits: PackedAmount with a 21-bit mantissa) | activity mark valid (1 bit) << 26 | activity minute
    // within the header's hour (6 bits) << 27. The effective cap is the cap set by the Safe rounded down to 21 bits
    // of decimal mantissa (exact for every cap with at most 6 significant digits); caps >= RollingWindow.MAX_AMOUNT
    // are stored as PackedAmount.unbounded (10^29).
    uint256 internal constant _MANTISSA_BITS = 21;
    uint256 internal constant _CAP_MASK = (1 << 26) - 1;
    uint256 internal constant _MARK_VALID = 1 << 26;
    uint256 internal constant _MARK_SHIFT = 27;
    uint256 internal constant _MARK_MASK = (1 << 6) - 1;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev Per-Safe state, one slot (40 + 32 + 32 + 16 + 64 + 32 + 8 = 224 bits). lastActivity is a timestamp
    ///      (uint40 lasts 34,000 years); delay/expiry are bounded by 30 days; cancelStreak saturates at
    ///      type(uint16).max; queued counts transactions, one per Safe transaction, so it cannot reach 2^64;
    ///      activityEpoch grows once per queued execution that removes the guard (each needs a delay): not 2^32.
    ///      Owner activity is recorded here only by transactions that count no outflow; a transaction that counts
    ///      outflows marks the windows it writes anyway (see the `extra` layout), which keeps the hot path at one
    ///      storage write. A mark keeps the minute only and stands for the end of that minute (capped at now), so
    ///      lastActivity(safe), the latest of both, is never earlier than the activity and at most 59 s later.
    struct SafeState {
        uint40 lastActivity;
        uint32 delay; // 0: DEFAULT_DELAY
        uint32 expiry; // 0: DEFAULT_EXPIRY
        uint16 cancelStreak;
        uint64 queued;
        uint32 activityEpoch;
        bool offchainSignatures;
    }

    /// @dev A queued transaction. First slot: to (160) + eta (40) + expiresAt (40) + operation (8) + state (8).
    struct QueuedCall {
        address to;
        uint40 eta;
        uint40 expiresAt;
        uint8 operation;
        uint8 state;
        uint256 value;
        bytes data;
        uint16 vetoes;
    }

    /// @dev Outflows of one transaction, summed per asset (memory only).
    struct Classification {
        Verdict verdict;
        Reason reason;
        // A module transaction (not the owners'): it may not call the guard or the recovery module at all.
        bool byModule;
        uint256 count;
        address[] assets;
        uint256[] amounts;
    }

    // safe -> hot state
    mapping(address safe => SafeState) internal _safes;
    // safe -> recovery module
    mapping(address safe => address) internal _recoveryModules;
    // safe -> asset -> cap as set (exact; the hot copy used for checks lives in the window's extra field)
    mapping(address safe => mapping(address asset => uint256)) internal _caps;
    // safe -> assets with a non-zero cap (at most MAX_ASSETS; their window headers may hold activity marks)
    mapping(address safe => address[]) internal _assets;
    // safe -> asset -> 1 + its index in _assets, 0 if not listed
    mapping(address safe => mapping(address asset => uint256)) internal _assetSlots;
    // safe -> asset -> rolling window
    mapping(address safe => mapping(address asset => RollingWindow.Window)) internal _windows;
    // safe -> recipient -> allowed
    mapping(address safe => mapping(address recipient => bool)) internal _recipients;
    // safe -> target -> trusted with any data
    mapping(address safe => mapping(address target => bool)) internal _trustedTargets;
    // safe -> target -> selector -> trusted
    mapping(address safe => mapping(address target => mapping(bytes4 selector => bool))) internal _trustedSelectors;
    // safe -> id -> queued transaction
    mapping(address safe => mapping(uint256 id => QueuedCall)) internal _queue;
    // safe -> id -> owner -> vetoed
    mapping(address safe => mapping(uint256 id => mapping(address owner => bool))) internal _vetoed;

    /*//////////////////////////////////////////////////////////////
                     INTERNAL: EFFECTIVE SETTINGS
    //////////////////////////////////////////////////////////////*/

    function _effectiveDelay(uint32 delay) internal pure returns (uint32) {
        return delay == 0 ? DEFAULT_DELAY : delay;
    }

    function _effectiveExpiry(uint32 expiry) internal pure returns (uint32) {
        return expiry == 0 ? DEFAULT_EXPIRY : expiry;
    }
}
