// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/// @notice A contract owner that accepts every signature through one EIP-1271 form only: the standard
///         `isValidSignature(bytes32,bytes)` (which Safe 1.5.0 calls) or the legacy `isValidSignature(bytes,bytes)`
///         (which Safe 1.3.0 and 1.4.1 call) (mock; never deploy).
contract SingleFormSigner {
    bytes4 private constant _MAGIC = 0x1626ba7e;
    bytes4 private constant _LEGACY_MAGIC = 0x20c13b0b;

    bool private immutable _LEGACY;

    constructor(bool legacy) {
        _LEGACY = legacy;
    }

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        return _LEGACY ? bytes4(0) : _MAGIC;
    }

    function isValidSignature(bytes calldata, bytes calldata) external view returns (bytes4) {
        return _LEGACY ? _LEGACY_MAGIC : bytes4(0);
    }
}
