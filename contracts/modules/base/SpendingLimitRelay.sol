// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {RollingWindow} from "../../libraries/RollingWindow.sol";

import {SpendingLimitModuleStorage} from "./SpendingLimitModuleStorage.sol";

/**
 * @title SpendingLimitRelay - SpendingLimitModule's relayed spends: EIP-712 hash, signature check, relay nonce
 * @dev The relay nonce lives in each window's header (see _nonce); invalidation moves it past every earlier value.
 */
abstract contract SpendingLimitRelay is SpendingLimitModuleStorage {
    using RollingWindow for RollingWindow.Window;

    /*//////////////////////////////////////////////////////////////
                           INTERNAL: RELAY
    //////////////////////////////////////////////////////////////*/

    function _spendHash(
        address safe,
        address delegate,
        address asset,
        address to,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
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
    function _verifyRelay(address delegate, uint256 nonce, bytes32 r, bytes32 vs) internal view {
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
    ) internal view returns (uint256) {
        return _nonceOf(safe, delegate, asset, window.header);
    }

    /// @dev _nonce of the window whose header is `header`. The epoch is at most one per transaction, far below
    ///      2^128, so the shift cannot drop bits.
    function _nonceOf(
        address safe,
        address delegate,
        address asset,
        uint256 header
    ) internal view returns (uint256 nonce) {
        nonce = RollingWindow.markOf(header);
        if (RollingWindow.extraOf(header) & _INVALIDATED != 0) {
            nonce |= _epochs[safe][delegate][asset] << _EPOCH_SHIFT;
        }
    }

    function _invalidate(address safe, address delegate, address asset) internal {
        RollingWindow.Window storage window = _window(safe, delegate, asset);
        uint256 old = _nonce(safe, delegate, asset, window);
        uint256 epoch = _epochs[safe][delegate][asset] + 1;
        _epochs[safe][delegate][asset] = epoch;
        window.setExtra(window.extra() | _INVALIDATED);
        emit SignaturesInvalidated(safe, delegate, asset, old, (epoch << _EPOCH_SHIFT) | window.mark());
    }
}
