// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title ILegacySignatureChecker - the signature check of Safe 1.3.0 and 1.4.1
 * @notice Those Safes have no `checkSignatures(address executor, ...)`; this is the check their
 *         CompatibilityFallbackHandler calls (`data` is the pre-image of `dataHash`, passed to contract owners).
 */
interface ILegacySignatureChecker {
    function checkSignatures(bytes32 dataHash, bytes memory data, bytes memory signatures) external view;
}
