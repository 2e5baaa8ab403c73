// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";

/**
 * @title ITreasuryFallbackHandler - Safe's CompatibilityFallbackHandler, with off-chain signatures governed
 * @notice A fallback handler for Safe 1.5.0 and 1.4.1 with every function of CompatibilityFallbackHandler 1.5.0
 *         (same selectors, same answers; token callbacks and supportsInterface come from Safe's TokenCallbackHandler)
 *         plus the legacy `isValidSignature(bytes,bytes)` of the 1.4.1 handler. One difference: EIP-1271 signature
 *         checks accept only messages the Safe marked on chain (`signedMessages(hash) != 0`, written by a
 *         DELEGATECALL to SignMessageLib, which the TreasuryGuard delays), whatever signature bytes are passed,
 *         unless the Safe opted in to off-chain messages through its TreasuryGuard (`setOffchainSignatures(true)`,
 *         a delayed change; opting out is instant). Opted in, it answers exactly as Safe's handler does.
 *
 *         Why: with Safe's handler, a quorum's off-chain signature of a SafeMessage is the Safe's own signature. A
 *         tricked quorum can sign an EIP-2612 permit, a Permit2 allowance or an exchange order, and anyone can then
 *         move the Safe's tokens with no Safe transaction, so no guard ever sees it. See docs/threat-model.md.
 *
 *         Only TREASURY_GUARD counts: when the Safe's transaction guard is anything else (none, another guard, a
 *         contract that claims every Safe opted in), off-chain signatures are refused. The guard is found through the
 *         Safe's own guard slot and asked with a bounded staticcall; a failed or malformed answer means "not opted in".
 *         The handler keeps no state: every answer is about msg.sender, the Safe that forwards the call.
 */
interface ITreasuryFallbackHandler {
    /*//////////////////////////////////////////////////////////////
                                  ERRORS
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice `safe` did not mark the SafeMessage `messageHash` on chain (SignMessageLib) and has not opted in to
     *         off-chain signatures through its TreasuryGuard, so no signature bytes make it valid.
     */
    error MessageNotSignedOnChain(address safe, bytes32 messageHash);

    /// @notice The constructor was given the zero address as the TreasuryGuard.
    error InvalidTreasuryGuard();

    /*//////////////////////////////////////////////////////////////
                                SIGNATURES
    //////////////////////////////////////////////////////////////*/

    /**
     * @notice EIP-1271 for the calling Safe: returns 0x1626ba7e if the Safe signed `dataHash`, reverts otherwise.
     *         The SafeMessage hash is getMessageHashForSafe(safe, abi.encode(dataHash)). Accepted when the Safe marked
     *         it on chain (any `signature`); with an opt-in through the TreasuryGuard and a non-empty `signature`,
     *         when `signature` carries the owners' signatures instead, checked by the Safe exactly as Safe's handler
     *         does (`checkSignatures(address(0), hash, signature)` on 1.5.0, `checkSignatures(hash, data, signature)`
     *         on 1.4.1 and 1.3.0). Refused with MessageNotSignedOnChain(safe, hash).
     * @param dataHash Hash of the data the Safe is asked to have signed (e.g. an EIP-2612 permit digest).
     * @param signature Ignored unless the Safe opted in; then the owners' signatures of the SafeMessage, or empty.
     * @return magicValue 0x1626ba7e.
     */
    function isValidSignature(bytes32 dataHash, bytes calldata signature) external view returns (bytes4 magicValue);

    /**
     * @notice Legacy EIP-1271 (Safe 1.4.1's handler; some protocols still call it): returns 0x20c13b0b if the calling
     *         Safe signed `data`, under the same rule as isValidSignature(bytes32,bytes), with the SafeMessage hash
     *         getMessageHashForSafe(safe, data). Served to Safes of every version, since it grants nothing the
     *         bytes32 variant does not.
     * @param data The message bytes the Safe is asked to have signed.
     * @param signature Ignored unless the Safe opted in; then the owners' signatures of the SafeMessage, or empty.
     * @return magicValue 0x20c13b0b.
     */
    function isValidSignature(bytes calldata data, bytes calldata signature) external view returns (bytes4 magicValue);

    /**
     * @notice Whether off-chain signatures of `safe`'s owners count as `safe`'s: its transaction guard is
     *         TREASURY_GUARD and that guard says `safe` opted in. False for a guard-less Safe, any other guard, a
     *         failed or malformed answer, and any account that is not a Safe.
     */
    function isOffchainSignatureAllowed(address safe) external view returns (bool);

    /// @notice The only TreasuryGuard whose opt-in this handler trusts (the toolkit's singleton on this chain).
    // solhint-disable-next-line func-name-mixedcase
    function TREASURY_GUARD() external view returns (address);

    /*//////////////////////////////////////////////////////////////
                     COMPATIBILITY FALLBACK HANDLER 1.5.0
    //////////////////////////////////////////////////////////////*/

    /// @notice The SafeMessage hash of `message` for the calling Safe (as CompatibilityFallbackHandler 1.5.0).
    function getMessageHash(bytes memory message) external view returns (bytes32);

    /// @notice The EIP-712 pre-image of the SafeMessage hash of `message` for `safe` (as Safe's handler).
    function encodeMessageDataForSafe(ISafe safe, bytes memory message) external view returns (bytes memory);

    /// @notice The SafeMessage hash of `message` for `safe` (as Safe's handler).
    function getMessageHashForSafe(ISafe safe, bytes memory message) external view returns (bytes32);

    /// @notice The first 10 modules of the calling Safe (as Safe's handler).
    function getModules() external view returns (address[] memory);

    /**
     * @notice Simulates `calldataPayload` DELEGATECALLed to `targetContract` in the calling Safe through its
     *         `simulateAndRevert`, which reverts every state change; returns the response (as Safe's handler 1.5.0).
     */
    function simulate(address targetContract, bytes calldata calldataPayload) external returns (bytes memory response);

    /**
     * @notice The pre-image of the calling Safe's transaction hash, `getTransactionHash(...)` ==
     *         keccak256(encodeTransactionData(...)) (as Safe's handler 1.5.0; Safe 1.4.1 answers this itself).
     */
    function encodeTransactionData(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 nonce
    ) external view returns (bytes memory);
}
