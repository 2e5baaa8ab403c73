// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IActivityRecorder} from "../../interfaces/IActivityRecorder.sol";

import {RecoveryModuleStorage} from "./RecoveryModuleStorage.sol";

/**
 * @title RecoveryActivity - RecoveryModule's record of owner activity
 * @dev Observations (heartbeat, configuration, poke, finalization) and the activity recorder's record, trusted only
 *      while it has watched the Safe without a gap (see _lastActivity); the Safe's nonce and set-up slots are read
 *      through its own views.
 */
abstract contract RecoveryActivity is RecoveryModuleStorage {
    /*//////////////////////////////////////////////////////////////
                          INTERNAL: ACTIVITY
    //////////////////////////////////////////////////////////////*/

    /// @dev Records activity now at the Safe's current nonce, and whether the recorder is watching the Safe now.
    function _observe(address safe, address by) internal {
        uint256 safeNonce = _safeNonce(safe);
        (bool watched, uint32 epoch) = _recorderEpoch(safe);
        _activity[safe] = Activity({
            observedAt: uint40(block.timestamp),
            safeNonce: SafeCast.toUint64(safeNonce),
            recorderEpoch: epoch,
            watched: watched
        });
        emit ActivityObserved(safe, by, safeNonce, block.timestamp);
    }

    /**
     * @dev Whether the Safe's activity recorder is watching it now: it is both its transaction guard and its module
     *      guard (Safe 1.5.0), so it sees every owner transaction and no other module can remove it unseen. On Safes
     *      without module guards (1.4.1) any module can remove the guard, so the record is never trusted there.
     *      Also returns the recorder's epoch. A recorder that reverts or answers anything but one word is not
     *      watching.
     */
    function _recorderEpoch(address safe) internal view returns (bool watching, uint32 epoch) {
        address recorder = _recorders[safe];
        if (
            recorder == address(0) ||
            _slotAddress(safe, GUARD_STORAGE_SLOT) != recorder ||
            _slotAddress(safe, MODULE_GUARD_STORAGE_SLOT) != recorder
        ) return (false, 0);
        (bool ok, uint256 answer) = _askRecorder(recorder, abi.encodeCall(IActivityRecorder.activityEpoch, (safe)));
        if (!ok || answer > type(uint32).max) return (false, 0);
        return (true, uint32(answer));
    }

    /**
     * @dev A bounded static call to the recorder that must answer exactly one word. try/catch would not do: it does
     *      not catch an answer that fails to decode (e.g. the empty answer of a no-op fallback), which would make
     *      every observation revert and so block heartbeats, pokes and finalization.
     */
    function _askRecorder(address recorder, bytes memory call) internal view returns (bool ok, uint256 answer) {
        bytes memory data;
        (ok, data) = recorder.staticcall{gas: 100_000}(call);
        ok = ok && data.length == 32;
        if (ok) answer = abi.decode(data, (uint256));
    }

    /**
     * @dev The owners' last activity: the last observation (heartbeat, configuration, poke, finalization), raised to
     *      the recorder's time if the record is complete since that observation: the recorder was the Safe's guard
     *      then, is now, and was never removed in between (same epoch), so it saw every owner transaction since.
     *      (A recorder installed after the observation missed the transaction that installed it and maybe others.)
     *      Otherwise (no recorder, not watching, removed since, or failing) a nonce that moved since the observation
     *      means "active at an unknown time since": the current time (poke to start the clock).
     */
    function _lastActivity(address safe, uint256 safeNonce) internal view returns (uint256 last) {
        Activity memory activity = _activity[safe];
        last = activity.observedAt;
        if (activity.watched) {
            (bool watching, uint32 epoch) = _recorderEpoch(safe);
            if (watching && epoch == activity.recorderEpoch) {
                // A recorder that fails must not block recovery: fall back to the nonce rule.
                (bool ok, uint256 recorded) = _askRecorder(
                    _recorders[safe],
                    abi.encodeCall(IActivityRecorder.lastActivity, (safe))
                );
                if (ok) return recorded > last ? recorded : last;
            }
        }
        if (safeNonce != activity.safeNonce) last = block.timestamp;
    }

    function _safeNonce(address safe) internal view returns (uint256) {
        return ISafe(payable(safe)).nonce();
    }

    /// @dev An address the Safe keeps in `slot`, read through StorageAccessible (Safe 1.3.0 to 1.5.0).
    function _slotAddress(address safe, uint256 slot) internal view returns (address) {
        return abi.decode(ISafe(payable(safe)).getStorageAt(slot, 1), (address));
    }
}
