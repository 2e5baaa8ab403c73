// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";

import {ITreasuryGuard} from "../../interfaces/ITreasuryGuard.sol";
import {RollingWindow} from "../../libraries/RollingWindow.sol";
import {SafeCanonical} from "../../libraries/SafeCanonical.sol";

import {GuardLedger} from "./GuardLedger.sol";

/**
 * @title GuardClassifier - how TreasuryGuard judges a transaction
 * @dev Classifies a call or a DELEGATECALL (instant, delayed or forbidden, with the outflows it moves per asset):
 *      Safe library delegate calls, MultiSendCallOnly batches, token calls decoded by selector, calls on the guard
 *      itself (judged by GuardPolicy, next to the setters) and the caps' verdict on the summed outflows.
 */
abstract contract GuardClassifier is GuardLedger {
    using RollingWindow for RollingWindow.Window;

    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    // Selectors decoded as outflows, allowances or operators.
    bytes4 internal constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256) (ERC20 and ERC721)
    bytes4 internal constant APPROVE = 0x095ea7b3; // approve(address,uint256) (ERC20 and ERC721)
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)
    bytes4 internal constant DECREASE_ALLOWANCE = 0xa457c2d7; // decreaseAllowance(address,uint256)
    bytes4 internal constant SAFE_TRANSFER_FROM_721 = 0x42842e0e; // safeTransferFrom(address,address,uint256)
    // safeTransferFrom(address,address,uint256,bytes)
    bytes4 internal constant SAFE_TRANSFER_FROM_721_DATA = 0xb88d4fde;
    // safeTransferFrom(address,address,uint256,uint256,bytes)
    bytes4 internal constant SAFE_TRANSFER_FROM_1155 = 0xf242432a;
    // safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)
    bytes4 internal constant SAFE_BATCH_TRANSFER_FROM_1155 = 0x2eb2c2d6;
    bytes4 internal constant SET_APPROVAL_FOR_ALL = 0xa22cb465; // setApprovalForAll(address,bool)
    bytes4 internal constant OWNER_OF = 0x6352211e; // ownerOf(uint256)
    bytes4 internal constant SEND_777 = 0x9bd9bbc6; // send(address,uint256,bytes)
    bytes4 internal constant OPERATOR_SEND_777 = 0x62ad1b83; // operatorSend(address,address,uint256,bytes,bytes)
    bytes4 internal constant AUTHORIZE_OPERATOR_777 = 0x959b8c3f; // authorizeOperator(address)
    bytes4 internal constant REVOKE_OPERATOR_777 = 0xfad8b32a; // revokeOperator(address)
    bytes4 internal constant TRANSFER_AND_CALL = 0x1296ee62; // transferAndCall(address,uint256)
    bytes4 internal constant TRANSFER_AND_CALL_DATA = 0x4000aea0; // transferAndCall(address,uint256,bytes)
    bytes4 internal constant TRANSFER_FROM_AND_CALL = 0xd8fbe994; // transferFromAndCall(address,address,uint256)
    // transferFromAndCall(address,address,uint256,bytes)
    bytes4 internal constant TRANSFER_FROM_AND_CALL_DATA = 0xc1d34b89;
    bytes4 internal constant APPROVE_AND_CALL = 0x3177029f; // approveAndCall(address,uint256)
    bytes4 internal constant APPROVE_AND_CALL_DATA = 0xcae9ca51; // approveAndCall(address,uint256,bytes)

    bytes4 internal constant MULTI_SEND = 0x8d80ff0a; // multiSend(bytes)

    /*//////////////////////////////////////////////////////////////
                                VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasuryGuard
    function classify(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 gasPrice
    ) external view override returns (Verdict verdict, Reason reason, Outflow[] memory outflows) {
        Classification memory c = _classify(safe, to, value, data, operation, false);
        if (gasPrice != 0) {
            // The hook checks the gas price before anything else: so does the reason.
            c.verdict = Verdict.Forbidden;
            c.reason = Reason.GasRefund;
        }
        _evaluateCaps(safe, c);
        return (c.verdict, c.reason, _outflowsOf(c));
    }

    /*//////////////////////////////////////////////////////////////
                          INTERNAL: CLASSIFICATION
    //////////////////////////////////////////////////////////////*/

    function _emptyClassification() internal pure returns (Classification memory c) {
        c.assets = new address[](0);
        c.amounts = new uint256[](0);
    }

    function _classify(
        address safe,
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        bool byModule
    ) internal view returns (Classification memory c) {
        c.byModule = byModule;
        // A call adds at most two assets (ETH and a token); batches grow the arrays on demand (_addOutflow).
        c.assets = new address[](2);
        c.amounts = new uint256[](2);
        if (operation == Enum.Operation.DelegateCall) _classifyDelegateCall(c, safe, to, data);
        else _classifyCall(c, safe, to, value, data);
    }

    function _classifyDelegateCall(
        Classification memory c,
        address safe,
        address to,
        bytes calldata data
    ) private view {
        if (SafeCanonical.isMultiSendCallOnly(to)) {
            if (data.length < 4 || bytes4(data) != MULTI_SEND) {
                _escalate(c, Verdict.Forbidden, Reason.DelegateCallForbidden);
                return;
            }
            _classifyBatch(c, safe, data, SafeCanonical.zeroMeansSelf(to));
        } else if (SafeCanonical.isSafeLibrary(to)) {
            _escalate(c, Verdict.Delayed, Reason.SafeLibraryDelegateCall);
        } else if (SafeCanonical.isMultiSend(to)) {
            _escalate(c, Verdict.Forbidden, Reason.PlainMultiSend);
        } else {
            _escalate(c, Verdict.Forbidden, Reason.DelegateCallForbidden);
        }
    }

    /**
     * @dev Decodes multiSend(bytes) exactly as MultiSendCallOnly executes it: ABI offset 0x20, then packed entries
     *      (operation uint8 == 0, to address, value uint256, dataLength uint256, data) that consume the payload
     *      exactly. Anything else reverts MalformedBatch. `zeroMeansSelf`: MultiSendCallOnly 1.5.0 calls the Safe itself
     *      for to == address(0).
     */
    function _classifyBatch(
        Classification memory c,
        address safe,
        bytes calldata data,
        bool zeroMeansSelf
    ) private view {
        if (data.length < 68 || _word(data, 4) != 0x20) revert MalformedBatch();
        uint256 length = _word(data, 36);
        if (length > data.length - 68) revert MalformedBatch();
        // Absolute calldata offsets of the payload: [start, start + length). data lies within calldata and
        // 68 + length <= data.length: no overflow.
        unchecked {
            uint256 start = _offset(data) + 68;
            _classifyEntries(c, safe, start, start + length, zeroMeansSelf);
        }
    }

    /**
     * @dev The entries of a MultiSendCallOnly payload at absolute calldata offsets [p, end). ERC20 transfer() entries
     *      (68 bytes of data, no value, to a token other than the Safe and the guard, amount > 0, recipient other than
     *      the Safe) take an inline path that judges them exactly as _classifyTokenCall does: the recipient must be
     *      whitelisted and consecutive transfers of one token are summed (a "run") before joining the outflows.
     *      Every other entry goes through _classifyCall.
     */
    function _classifyEntries(
        Classification memory c,
        address safe,
        uint256 p,
        uint256 end,
        bool zeroMeansSelf
    ) private view {
        // st: [0] run token, [1] run amount, [2] flushed token, [3] flushed amount, [4] slot of _recipients[safe]
        // (in memory: the stack cannot hold them all).
        uint256[5] memory st;
        assembly ("memory-safe") {
            mstore(0x00, safe)
            mstore(0x20, _recipients.slot)
            mstore(add(st, 0x80), keccak256(0x00, 0x40))
        }
        while (p < end) {
            address to;
            uint256 value;
            uint256 dataLength;
            uint256 flags; // 1: malformed, 2: handled inline, 4: recipient not whitelisted, 8: run flushed
            assembly ("memory-safe") {
                let head := calldataload(p)
                to := shr(96, shl(8, head))
                value := calldataload(add(p, 21))
                dataLength := calldataload(add(p, 53))
                // Fewer than 85 bytes left, an operation other than CALL, or data beyond the payload. (When fewer
                // than 85 bytes are left, the wrapped subtraction below is irrelevant: the entry is malformed.)
                if or(or(lt(sub(end, p), 85), shr(248, head)), gt(dataLength, sub(sub(end, p), 85))) {
                    flags := 1
                }
                if and(iszero(to), zeroMeansSelf) {
                    to := safe
                }
                if and(iszero(flags), and(eq(dataLength, 68), iszero(value))) {
                    if iszero(or(eq(to, safe), eq(to, address()))) {
                        let recipient := shr(96, shl(96, calldataload(add(p, 89))))
                        let amount := calldataload(add(p, 121))
                        // transfer(address,uint256)
                        if and(
                            eq(shr(224, calldataload(add(p, 85))), 0xa9059cbb),
                            iszero(or(iszero(amount), eq(recipient, safe)))
                        ) {
                            flags := 2
                            mstore(0x00, recipient)
                            mstore(0x20, mload(add(st, 0x80)))
                            if iszero(sload(keccak256(0x00, 0x40))) {
                                flags := 6
                            }
                            let runAmount := mload(add(st, 0x20))
                            switch and(eq(to, mload(st)), iszero(iszero(runAmount)))
                            case 1 {
                                // Saturating: a sum beyond 2^256 is over any cap.
                                let sum := add(runAmount, amount)
                                if lt(sum, amount) {
                                    sum := not(0)
                                }
                                mstore(add(st, 0x20), sum)
                            }
                            default {
                                if runAmount {
                                    flags := or(flags, 8)
                                    mstore(add(st, 0x40), mload(st))
                                    mstore(add(st, 0x60), runAmount)
                                }
                                mstore(st, to)
                                mstore(add(st, 0x20), amount)
                            }
                        }
                    }
                }
            }
            if (flags == 0) {
                _classifyCall(c, safe, to, value, _slice(p + 85, dataLength));
            } else {
                if (flags & 1 != 0) revert MalformedBatch();
                if (flags & 4 != 0) _escalate(c, Verdict.Delayed, Reason.RecipientNotAllowed);
                if (flags & 8 != 0) _addOutflow(c, address(uint160(st[2])), st[3]);
            }
            // 85 + dataLength <= end - p (checked above): no overflow, p stays <= end.
            unchecked {
                p += 85 + dataLength;
            }
        }
        if (st[1] != 0) _addOutflow(c, address(uint160(st[0])), st[1]);
    }

    function _classifyCall(
        Classification memory c,
        address safe,
        address to,
        uint256 value,
        bytes calldata data
    ) private view {
        if (to == safe) {
            // Value sent to itself moves nothing; any call on the Safe itself is privileged (owners, modules, guards,
            // fallback handler) or is forwarded to its fallback handler.
            if (data.length != 0) _escalate(c, Verdict.Delayed, Reason.SafeSelfCall);
            return;
        }
        if (value != 0) _outflow(c, safe, address(0), to, value);
        if (to == address(this)) {
            // The guard's instant operations (queue, cancel, tightening setters, resetCancelStreak) are the owners':
            // a module calling them could cancel its own removal or reset the veto streak.
            if (c.byModule) _escalate(c, Verdict.Forbidden, Reason.GuardCall);
            else _classifyGuardCall(c, safe, data);
            return;
        }
        if (data.length == 0) return;
        // Trust in the recovery module's selectors (e.g. cancelRecovery) is the owners' trust, not any module's:
        // checked before the token decoding, or a selector that decodes as a harmless token call (approve(0, 0),
        // decreaseAllowance, ...) would reach the recovery module instantly.
        if (c.byModule && to == _recoveryModules[safe]) {
            _escalate(c, Verdict.Delayed, Reason.UntrustedTarget);
            return;
        }
        if (data.length >= 4 && _classifyTokenCall(c, safe, to, bytes4(data), data)) return;
        if (_trustedTargets[safe][to]) return;
        if (data.length >= 4 && _trustedSelectors[safe][to][bytes4(data)]) return;
        _escalate(c, Verdict.Delayed, Reason.UntrustedTarget);
    }

    /**
     * @dev Judges a call on a token by its decoding, whatever the target's trust. Returns false if the selector is
     *      not one of the decoded ones. Address arguments are truncated to 160 bits like the tokens that accept
     *      dirty bits do (strict decoders revert on them anyway); a call too short for its arguments needs the queue.
     */
    function _classifyTokenCall(
        Classification memory c,
        address safe,
        address token,
        bytes4 selector,
        bytes calldata data
    ) private view returns (bool) {
        if (
            selector == TRANSFER ||
            selector == SEND_777 ||
            selector == TRANSFER_AND_CALL ||
            selector == TRANSFER_AND_CALL_DATA ||
            selector == APPROVE ||
            selector == INCREASE_ALLOWANCE ||
            selector == APPROVE_AND_CALL ||
            selector == APPROVE_AND_CALL_DATA
        ) {
            // (recipient or spender, amount): the amount leaves the Safe or becomes spendable by the recipient.
            if (data.length < 68) return _flagTruncatedArgs(c);
            address recipient = _address(data, 4);
            uint256 amount = _word(data, 36);
            // approve(x, 0) has the same calldata as an ERC20 revocation and an ERC721 approval of token id 0. It is
            // a revocation (instant, nothing moves) only where that reading is certain: for the zero spender (which
            // clears an ERC721 approval and which ERC20s refuse), or on a token the Safe has capped (declared
            // fungible) whose ownerOf(0) does not name the Safe. Otherwise it is an approval and needs a whitelisted
            // spender.
            if (
                selector == APPROVE &&
                amount == 0 &&
                (recipient == address(0) || (_assetSlots[safe][token] != 0 && !_ownsTokenZero(safe, token)))
            ) return true;
            _outflow(c, safe, token, recipient, amount);
        } else if (
            selector == TRANSFER_FROM ||
            selector == TRANSFER_FROM_AND_CALL ||
            selector == TRANSFER_FROM_AND_CALL_DATA ||
            selector == OPERATOR_SEND_777
        ) {
            // (from, to, amount): an outflow if from is the Safe; otherwise the Safe moves someone else's tokens
            // with its allowance, and only the recipient is checked.
            if (data.length < 100) return _flagTruncatedArgs(c);
            address to = _address(data, 36);
            if (_address(data, 4) == safe) _outflow(c, safe, token, to, _word(data, 68));
            else _recipient(c, safe, to);
        } else if (
            selector == SAFE_TRANSFER_FROM_721 ||
            selector == SAFE_TRANSFER_FROM_721_DATA ||
            selector == SAFE_TRANSFER_FROM_1155 ||
            selector == SAFE_BATCH_TRANSFER_FROM_1155
        ) {
            // (from, to, ...): non-fungible (no cap): the recipient must be whitelisted.
            if (data.length < 68) return _flagTruncatedArgs(c);
            _recipient(c, safe, _address(data, 36));
        } else if (selector == SET_APPROVAL_FOR_ALL) {
            // (operator, approved): revoking is instant; approving needs a whitelisted operator.
            if (data.length < 68) return _flagTruncatedArgs(c);
            if (_word(data, 36) != 0) _recipient(c, safe, _address(data, 4));
        } else if (selector == AUTHORIZE_OPERATOR_777) {
            // An ERC777 operator moves any amount of the Safe's tokens: no cap can bound it.
            _escalate(c, Verdict.Delayed, Reason.UnboundedAllowance);
        } else if (selector == DECREASE_ALLOWANCE || selector == REVOKE_OPERATOR_777) {
            // Tightening only.
        } else {
            return false;
        }
        return true;
    }

    /// @dev Judges a call on this guard itself (a setter, the queue or a hook): implemented by GuardPolicy.
    function _classifyGuardCall(Classification memory c, address safe, bytes calldata data) internal view virtual;

    /*//////////////////////////////////////////////////////////////
                       INTERNAL: CLASSIFICATION STATE
    //////////////////////////////////////////////////////////////*/

    /// @dev Raises the verdict if `verdict` is stricter; the first reason of the strictest verdict is kept.
    function _escalate(Classification memory c, Verdict verdict, Reason reason) internal pure {
        if (verdict > c.verdict) {
            c.verdict = verdict;
            c.reason = reason;
        }
    }

    function _flagTruncatedArgs(Classification memory c) private pure returns (bool) {
        _escalate(c, Verdict.Delayed, Reason.UntrustedTarget);
        return true;
    }

    /// @dev The recipient must be the Safe or whitelisted.
    function _recipient(Classification memory c, address safe, address recipient) private view {
        if (recipient != safe && !_recipients[safe][recipient])
            _escalate(c, Verdict.Delayed, Reason.RecipientNotAllowed);
    }

    /**
     * @dev `amount` of `asset` goes to (or becomes spendable by) `recipient`: the recipient is checked whatever the
     *      amount (an amount of 0 can still be a token id, e.g. ERC721 id 0), and a non-zero amount is summed.
     */
    function _outflow(
        Classification memory c,
        address safe,
        address asset,
        address recipient,
        uint256 amount
    ) private view {
        if (recipient == safe) return;
        if (!_recipients[safe][recipient]) _escalate(c, Verdict.Delayed, Reason.RecipientNotAllowed);
        if (amount != 0) _addOutflow(c, asset, amount);
    }

    /// @dev Adds `amount` to the sum of `asset`.
    function _addOutflow(Classification memory c, address asset, uint256 amount) private pure {
        uint256 count = c.count;
        address[] memory assets = c.assets;
        uint256[] memory amounts = c.amounts;
        for (uint256 i; i < count; ++i) {
            if (assets[i] == asset) {
                uint256 sum;
                // Saturating: a sum beyond 2^256 is over any cap and reverts CapExceeded, not a panic.
                unchecked {
                    sum = amounts[i] + amount;
                }
                amounts[i] = sum < amount ? type(uint256).max : sum;
                return;
            }
        }
        if (count == assets.length) {
            // Full (only batches with more than two assets get here): double the capacity.
            address[] memory grownAssets = new address[](2 * count);
            uint256[] memory grownAmounts = new uint256[](2 * count);
            for (uint256 i; i < count; ++i) {
                grownAssets[i] = assets[i];
                grownAmounts[i] = amounts[i];
            }
            (assets, amounts) = (grownAssets, grownAmounts);
            (c.assets, c.amounts) = (grownAssets, grownAmounts);
        }
        assets[count] = asset;
        amounts[count] = amount;
        c.count = count + 1;
    }

    function _outflowsOf(Classification memory c) private pure returns (Outflow[] memory outflows) {
        outflows = new Outflow[](c.count);
        for (uint256 i; i < c.count; ++i) outflows[i] = Outflow(c.assets[i], c.amounts[i]);
    }

    /// @dev Marks the classification Delayed (CapExceeded or NoCap) if an asset's sum exceeds its capacity.
    function _evaluateCaps(address safe, Classification memory c) internal view {
        for (uint256 i; i < c.count; ++i) {
            address asset = c.assets[i];
            RollingWindow.Window storage window = _windows[safe][asset];
            uint256 cap = _decodeCap(window.extra());
            if (c.amounts[i] > window.available(cap, block.timestamp)) {
                _escalate(c, Verdict.Delayed, cap == 0 ? Reason.NoCap : Reason.CapExceeded);
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                          INTERNAL: CALLDATA
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev Whether `token` answers ownerOf(0) with `safe`: then approve(x, 0) on it approves an NFT the Safe holds.
     *      Bounded gas; a revert, a short answer or another owner is "no".
     */
    function _ownsTokenZero(address safe, address token) private view returns (bool owns) {
        (bool ok, bytes memory answer) = token.staticcall{gas: 30_000}(abi.encodeWithSelector(OWNER_OF, 0));
        owns = ok && answer.length >= 32 && abi.decode(answer, (uint256)) == uint256(uint160(safe));
    }

    /// @dev The 32-byte word at `offset` of `data`; callers check offset + 32 <= data.length.
    function _word(bytes calldata data, uint256 offset) internal pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, offset))
        }
    }

    /// @dev The word at absolute calldata offset `p` (callers check bounds).
    function _load(uint256 p) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(p)
        }
    }

    function _offset(bytes calldata data) private pure returns (uint256 offset) {
        assembly ("memory-safe") {
            offset := data.offset
        }
    }

    /// @dev The calldata slice [p, p + length) (callers check bounds).
    function _slice(uint256 p, uint256 length) private pure returns (bytes calldata slice) {
        assembly ("memory-safe") {
            slice.offset := p
            slice.length := length
        }
    }

    function _address(bytes calldata data, uint256 offset) internal pure returns (address) {
        return address(uint160(_word(data, offset)));
    }
}
