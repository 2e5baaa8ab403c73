// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @notice Mintable ERC20 with EIP-2612 permits that contract holders sign through EIP-1271, as USDC 2.2 does
 *         (`permit(owner, spender, value, deadline, bytes signature)`, checked with SignatureChecker). Mock; never
 *         deploy.
 */
contract TestERC20Permit is ERC20Permit {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    /// @notice `signature` is not `owner`'s (an EOA's ECDSA signature or a contract's EIP-1271 answer).
    error PermitInvalidSignature(address owner);

    constructor() ERC20("Permit Token", "PRMT") ERC20Permit("Permit Token") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The EIP-712 digest `owner` signs for this permit (the next nonce).
    function permitDigest(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonces(owner), deadline)));
    }

    function permit(address owner, address spender, uint256 value, uint256 deadline, bytes memory signature) external {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(owner, digest, signature)) revert PermitInvalidSignature(owner);
        _approve(owner, spender, value);
    }
}
