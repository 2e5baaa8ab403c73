// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {TokenCallbackHandler} from "@safe-global/safe-smart-account/contracts/handler/TokenCallbackHandler.sol";
import {ISafe} from "@safe-global/safe-smart-account/contracts/interfaces/ISafe.sol";
import {IStorageAccessible} from "@safe-global/safe-smart-account/contracts/interfaces/IStorageAccessible.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";

import {ILegacySignatureChecker} from "../interfaces/ILegacySignatureChecker.sol";
import {ITreasuryFallbackHandler} from "../interfaces/ITreasuryFallbackHandler.sol";
import {ITreasuryGuard} from "../interfaces/ITreasuryGuard.sol";

/**
 * @title TreasuryFallbackHandler - Safe's CompatibilityFallbackHandler 1.5.0, with off-chain signatures governed
 * @notice Set as a Safe's fallback handler (Safe 1.5.0 or 1.4.1). Stateless singleton: every answer concerns
 *         msg.sender, the Safe forwarding the call. Everything but EIP-1271 is CompatibilityFallbackHandler 1.5.0
 *         (token callbacks and supportsInterface are inherited from Safe's TokenCallbackHandler; the rest is Safe's
 *         code, restated because its isValidSignature cannot be overridden).
 */
contract TreasuryFallbackHandler is TokenCallbackHandler, ITreasuryFallbackHandler {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev keccak256("SafeMessage(bytes message)"), as in Safe's handler.
    bytes32 private constant SAFE_MSG_TYPEHASH = 0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca;
    /// @dev keccak256 of Safe's SafeTx type string, as in Safe's handler (and Safe.getTransactionHash).
    bytes32 private constant SAFE_TX_TYPEHASH = 0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8;
    /// @dev keccak256("guard_manager.guard.address"): the Safe's transaction guard (GuardManager, 1.3.0 to 1.5.0).
    bytes32 private constant GUARD_STORAGE_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;
    address private constant SENTINEL_MODULES = address(0x1);
    bytes4 private constant EIP1271_MAGIC_VALUE = 0x1626ba7e;
    bytes4 private constant LEGACY_EIP1271_MAGIC_VALUE = 0x20c13b0b;
    /// @dev Gas for the guard's answer (one cold storage read, ~2,600): a fixed bound, so what the guard spends is
    ///      known whatever gas the verifier forwards. Too little gas left means "not opted in" (fail closed).
    uint256 private constant GUARD_QUERY_GAS = 30_000;

    /// @inheritdoc ITreasuryFallbackHandler
    address public immutable override TREASURY_GUARD;

    constructor(address treasuryGuard) {
        if (treasuryGuard == address(0)) revert InvalidTreasuryGuard();
        TREASURY_GUARD = treasuryGuard;
    }

    /*//////////////////////////////////////////////////////////////
                                SIGNATURES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasuryFallbackHandler
    function isValidSignature(bytes32 dataHash, bytes calldata signature) external view override returns (bytes4) {
        // Caller should be a Safe (as in Safe's handler): a direct caller only ever asks about itself.
        ISafe safe = ISafe(payable(msg.sender));
        _checkSignature(safe, encodeMessageDataForSafe(safe, abi.encode(dataHash)), signature);
        return EIP1271_MAGIC_VALUE;
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function isValidSignature(bytes calldata data, bytes calldata signature) external view override returns (bytes4) {
        ISafe safe = ISafe(payable(msg.sender));
        _checkSignature(safe, encodeMessageDataForSafe(safe, data), signature);
        return LEGACY_EIP1271_MAGIC_VALUE;
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function isOffchainSignatureAllowed(address safe) public view override returns (bool) {
        // Low-level calls throughout: `safe` may be any account, and no answer of it may make this revert.
        (bool ok, bytes memory slot) = safe.staticcall(
            abi.encodeCall(IStorageAccessible.getStorageAt, (uint256(GUARD_STORAGE_SLOT), 1))
        );
        // getStorageAt(slot, 1) returns `bytes` of one word: offset, length, word.
        if (!ok || slot.length != 96) return false;
        if (address(uint160(uint256(_wordAt(slot, 64)))) != TREASURY_GUARD) return false;

        bytes memory query = abi.encodeCall(ITreasuryGuard.isOffchainSignatureAllowed, (safe));
        address guard = TREASURY_GUARD;
        bool success;
        uint256 size;
        uint256 answer;
        // Bounded gas and at most one word copied back, so the answer costs the same whatever the callee does.
        assembly ("memory-safe") {
            success := staticcall(GUARD_QUERY_GAS, guard, add(query, 0x20), mload(query), 0x00, 0x20)
            size := returndatasize()
            answer := mload(0x00)
        }
        return success && size == 32 && answer == 1;
    }

    /*//////////////////////////////////////////////////////////////
                     COMPATIBILITY FALLBACK HANDLER 1.5.0
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasuryFallbackHandler
    function getMessageHash(bytes memory message) external view override returns (bytes32) {
        return getMessageHashForSafe(ISafe(payable(msg.sender)), message);
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function encodeMessageDataForSafe(ISafe safe, bytes memory message) public view override returns (bytes memory) {
        bytes32 safeMessageHash = keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)));
        return abi.encodePacked(bytes1(0x19), bytes1(0x01), safe.domainSeparator(), safeMessageHash);
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function getMessageHashForSafe(ISafe safe, bytes memory message) public view override returns (bytes32) {
        return keccak256(encodeMessageDataForSafe(safe, message));
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function getModules() external view override returns (address[] memory) {
        (address[] memory array, ) = ISafe(payable(msg.sender)).getModulesPaginated(SENTINEL_MODULES, 10);
        return array;
    }

    /// @inheritdoc ITreasuryFallbackHandler
    function simulate(
        address targetContract,
        bytes calldata calldataPayload
    ) external override returns (bytes memory response) {
        // Safe's CompatibilityFallbackHandler 1.5.0 code, unchanged: the calldata is forwarded as
        // `simulateAndRevert(targetContract, calldataPayload)` to the calling Safe, which always reverts and encodes
        // (success, response) in its revert data.
        targetContract;
        calldataPayload;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // simulateAndRevert.selector; the string literal is right-padded.
            mstore(ptr, "\xb4\xfa\xba\x09")
            // Same argument types as simulate(address,bytes), so the arguments are copied as they are.
            calldatacopy(add(ptr, 0x04), 0x04, sub(calldatasize(), 0x04))
            let success := call(gas(), caller(), 0, ptr, calldatasize(), 0x00, 0x40)
            // simulateAndRevert must revert with at least (bool success, uint256 length); anything else is not a Safe.
            if or(success, lt(returndatasize(), 0x40)) {
                revert(0, 0)
            }
            let responseEncodedSize := add(mload(0x20), 0x20)
            response := mload(0x40)
            mstore(0x40, add(response, responseEncodedSize))
            returndatacopy(response, 0x20, responseEncodedSize)
            if iszero(mload(0x00)) {
                revert(add(response, 0x20), responseEncodedSize)
            }
        }
    }

    /// @inheritdoc ITreasuryFallbackHandler
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
    ) external view override returns (bytes memory) {
        bytes32 domainSeparator = ISafe(payable(msg.sender)).domainSeparator();
        bytes32 safeTxHash = keccak256(
            abi.encode(
                SAFE_TX_TYPEHASH,
                to,
                value,
                keccak256(data),
                operation,
                safeTxGas,
                baseGas,
                gasPrice,
                gasToken,
                refundReceiver,
                nonce
            )
        );
        return abi.encodePacked(bytes1(0x19), bytes1(0x01), domainSeparator, safeTxHash);
    }

    /*//////////////////////////////////////////////////////////////
                                 INTERNAL
    //////////////////////////////////////////////////////////////*/

    /**
     * @dev Reverts unless `safe` signed the SafeMessage `messageData` (its EIP-712 pre-image). Off-chain signatures
     *      are looked at only when the Safe opted in; otherwise only the Safe's on-chain mark counts.
     */
    function _checkSignature(ISafe safe, bytes memory messageData, bytes calldata signature) private view {
        bytes32 messageHash = keccak256(messageData);
        if (signature.length != 0 && isOffchainSignatureAllowed(address(safe))) {
            if (_hasExecutorCheck(safe)) {
                // Executor address(0) can never be an owner: no caller-approved signatures (Safe's handler 1.5.0).
                safe.checkSignatures(address(0), messageHash, signature);
            } else {
                ILegacySignatureChecker(address(safe)).checkSignatures(messageHash, messageData, signature);
            }
        } else if (safe.signedMessages(messageHash) == 0) {
            revert MessageNotSignedOnChain(address(safe), messageHash);
        }
    }

    /// @dev Whether `safe` has checkSignatures(address,bytes32,bytes): every Safe but 1.3.0 and 1.4.1 (fail closed:
    ///      an unknown version without it reverts).
    function _hasExecutorCheck(ISafe safe) private view returns (bool) {
        bytes32 version = keccak256(bytes(safe.VERSION()));
        return version != keccak256("1.4.1") && version != keccak256("1.3.0");
    }

    function _wordAt(bytes memory data, uint256 offset) private pure returns (bytes32 word) {
        assembly ("memory-safe") {
            word := mload(add(add(data, 0x20), offset))
        }
    }
}
