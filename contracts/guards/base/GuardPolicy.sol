// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ITreasuryGuard} from "../../interfaces/ITreasuryGuard.sol";
import {RollingWindow} from "../../libraries/RollingWindow.sol";

import {GuardClassifier} from "./GuardClassifier.sol";

/**
 * @title GuardPolicy - a Safe's policy in TreasuryGuard: its setters, what loosens it, and its views
 * @dev The setters write the calling Safe's own state; _classifyGuardCall, next to them, decides which of their calls
 *      loosen the policy (and so need the queue).
 */
abstract contract GuardPolicy is GuardClassifier {
    using RollingWindow for RollingWindow.Window;

    /*//////////////////////////////////////////////////////////////
                             POLICY (SAFE ONLY)
    //////////////////////////////////////////////////////////////*/
    // No setter checks whether the change is tightening: the guard hooks classify every call to these setters
    // before it runs (loosening needs the queue). Each setter only writes the caller's own state.

    /// @inheritdoc ITreasuryGuard
    function setCap(address asset, uint256 cap) external override {
        address safe = msg.sender;
        RollingWindow.Window storage window = _windows[safe][asset];
        uint256 extra = window.extra();
        uint256 slot = _assetSlots[safe][asset];
        if (cap == 0) {
            // An uncapped asset takes no slot: its activity mark moves to the Safe's record before it is delisted.
            if (slot != 0) {
                _delist(safe, slot);
                extra = _moveMark(safe, window.lastHour(), extra);
            }
        } else {
            if (slot == 0) {
                address[] storage assets = _assets[safe];
                if (assets.length == MAX_ASSETS) revert TooManyAssets(MAX_ASSETS);
                assets.push(asset);
                _assetSlots[safe][asset] = assets.length;
            }
            // Pays the ring's first writes now rather than in the asset's first day of payments (once per asset).
            window.prepare();
        }
        uint256 oldCap = _caps[safe][asset];
        _caps[safe][asset] = cap;
        window.setExtra((extra & ~_CAP_MASK) | _encodeCap(cap));
        emit CapChanged(safe, asset, oldCap, cap);
    }

    /// @inheritdoc ITreasuryGuard
    function setRecipient(address recipient, bool allowed) external override {
        bool old = _recipients[msg.sender][recipient];
        _recipients[msg.sender][recipient] = allowed;
        emit RecipientChanged(msg.sender, recipient, old, allowed);
    }

    /// @inheritdoc ITreasuryGuard
    function setTrustedTarget(address target, bool trusted) external override {
        bool old = _trustedTargets[msg.sender][target];
        _trustedTargets[msg.sender][target] = trusted;
        emit TrustedTargetChanged(msg.sender, target, old, trusted);
    }

    /// @inheritdoc ITreasuryGuard
    function setTrustedSelector(address target, bytes4 selector, bool trusted) external override {
        bool old = _trustedSelectors[msg.sender][target][selector];
        _trustedSelectors[msg.sender][target][selector] = trusted;
        emit TrustedSelectorChanged(msg.sender, target, selector, old, trusted);
    }

    /// @inheritdoc ITreasuryGuard
    function setDelay(uint32 delay) external override {
        if (delay < MIN_DELAY || delay > MAX_DELAY) revert InvalidDelay(delay, MIN_DELAY, MAX_DELAY);
        SafeState storage state = _safes[msg.sender];
        uint32 old = _effectiveDelay(state.delay);
        state.delay = delay;
        emit DelayChanged(msg.sender, old, delay);
    }

    /// @inheritdoc ITreasuryGuard
    function setExpiry(uint32 expiry) external override {
        if (expiry < MIN_EXPIRY || expiry > MAX_EXPIRY) revert InvalidExpiry(expiry, MIN_EXPIRY, MAX_EXPIRY);
        SafeState storage state = _safes[msg.sender];
        uint32 old = _effectiveExpiry(state.expiry);
        state.expiry = expiry;
        emit ExpiryChanged(msg.sender, old, expiry);
    }

    /// @inheritdoc ITreasuryGuard
    function setRecoveryModule(address module) external override {
        address old = _recoveryModules[msg.sender];
        _recoveryModules[msg.sender] = module;
        emit RecoveryModuleChanged(msg.sender, old, module);
    }

    /// @inheritdoc ITreasuryGuard
    function setOffchainSignatures(bool allowed) external override {
        SafeState storage state = _safes[msg.sender];
        bool old = state.offchainSignatures;
        state.offchainSignatures = allowed;
        emit OffchainSignaturesChanged(msg.sender, old, allowed);
    }

    /// @inheritdoc ITreasuryGuard
    function resetCancelStreak() external override {
        SafeState storage state = _safes[msg.sender];
        uint16 old = state.cancelStreak;
        state.cancelStreak = 0;
        emit CancelStreakReset(msg.sender, old);
    }

    /// @dev Calls to this guard: tightening settings, queue and cancel are instant; loosening is delayed.
    function _classifyGuardCall(Classification memory c, address safe, bytes calldata data) internal view override {
        if (data.length < 4) {
            _escalate(c, Verdict.Forbidden, Reason.GuardCall);
            return;
        }
        bytes4 selector = bytes4(data);
        bool loosens;
        if (
            selector == this.queue.selector ||
            selector == this.cancel.selector ||
            selector == this.resetCancelStreak.selector
        ) {
            return;
        } else if (selector == this.setCap.selector) {
            if (data.length < 68) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            // Raising the cap as set or the enforced (rounded) cap is loosening: rounding is monotonic only up to one
            // unit of the mantissa at exponent boundaries, so both are compared.
            address asset = _address(data, 4);
            uint256 newCap = _word(data, 36);
            loosens =
                newCap > _caps[safe][asset] ||
                _decodeCap(_encodeCap(newCap)) > _decodeCap(_windows[safe][asset].extra());
        } else if (selector == this.setRecipient.selector) {
            if (data.length < 68) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 36) != 0 && !_recipients[safe][_address(data, 4)];
        } else if (selector == this.setTrustedTarget.selector) {
            if (data.length < 68) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 36) != 0 && !_trustedTargets[safe][_address(data, 4)];
        } else if (selector == this.setTrustedSelector.selector) {
            if (data.length < 100) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens =
                _word(data, 68) != 0 &&
                !_trustedSelectors[safe][_address(data, 4)][bytes4(bytes32(_word(data, 36)))];
        } else if (selector == this.setDelay.selector) {
            if (data.length < 36) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) < _effectiveDelay(_safes[safe].delay);
        } else if (selector == this.setExpiry.selector) {
            if (data.length < 36) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) > _effectiveExpiry(_safes[safe].expiry);
        } else if (selector == this.setRecoveryModule.selector) {
            if (data.length < 36) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            address module = _address(data, 4);
            loosens = module != address(0) && module != _recoveryModules[safe];
        } else if (selector == this.setOffchainSignatures.selector) {
            if (data.length < 36) {
                _escalate(c, Verdict.Forbidden, Reason.GuardCall);
                return;
            }
            loosens = _word(data, 4) != 0 && !_safes[safe].offchainSignatures;
        } else {
            // Hooks (a Safe calling them would pop its own context), execute, veto, unknown selectors.
            _escalate(c, Verdict.Forbidden, Reason.GuardCall);
            return;
        }
        if (loosens) _escalate(c, Verdict.Delayed, Reason.PolicyLoosened);
    }

    /*//////////////////////////////////////////////////////////////
                                VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasuryGuard
    function isOffchainSignatureAllowed(address safe) external view override returns (bool) {
        return _safes[safe].offchainSignatures;
    }

    /// @inheritdoc ITreasuryGuard
    function getCappedAssets(address safe) external view override returns (address[] memory) {
        return _assets[safe];
    }

    /// @inheritdoc ITreasuryGuard
    function recoveryModule(address safe) external view override returns (address) {
        return _recoveryModules[safe];
    }

    /// @inheritdoc ITreasuryGuard
    function policy(address safe) external view override returns (Policy memory) {
        SafeState memory state = _safes[safe];
        return
            Policy({
                lastActivity: _lastActivity(safe),
                delay: _effectiveDelay(state.delay),
                expiry: _effectiveExpiry(state.expiry),
                cancelStreak: state.cancelStreak,
                queued: state.queued,
                recoveryModule: _recoveryModules[safe],
                offchainSignatures: state.offchainSignatures,
                activityEpoch: state.activityEpoch
            });
    }

    /// @inheritdoc ITreasuryGuard
    function capOf(address safe, address asset) external view override returns (uint256) {
        return _caps[safe][asset];
    }

    /// @inheritdoc ITreasuryGuard
    function isRecipient(address safe, address recipient) external view override returns (bool) {
        return _recipients[safe][recipient];
    }

    /// @inheritdoc ITreasuryGuard
    function isTrustedTarget(address safe, address target) external view override returns (bool) {
        return _trustedTargets[safe][target];
    }

    /// @inheritdoc ITreasuryGuard
    function isTrustedSelector(address safe, address target, bytes4 selector) external view override returns (bool) {
        return _trustedSelectors[safe][target][selector];
    }

    /*//////////////////////////////////////////////////////////////
                       INTERNAL: CAPPED ASSETS
    //////////////////////////////////////////////////////////////*/

    /// @dev Removes the asset listed at `slot` (1 + index) from the Safe's capped assets (swap and pop).
    function _delist(address safe, uint256 slot) private {
        address[] storage assets = _assets[safe];
        uint256 last = assets.length;
        address removed = assets[slot - 1];
        if (slot != last) {
            address moved = assets[last - 1];
            assets[slot - 1] = moved;
            _assetSlots[safe][moved] = slot;
        }
        assets.pop();
        delete _assetSlots[safe][removed];
    }
}
