// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @notice Reads many views in one eth_call (mock; never deploy): the invariant fuzzer snapshots balances, approvals,
 *         Safe configuration and guard state after every step, and one call per view would dominate its run time.
 */
contract FuzzProbe {
    struct Read {
        address target;
        bytes data;
    }

    /// @notice Each read's return data, or empty bytes if it reverted (ok false).
    function readAll(Read[] calldata reads) external view returns (bool[] memory ok, bytes[] memory results) {
        ok = new bool[](reads.length);
        results = new bytes[](reads.length);
        for (uint256 i; i < reads.length; ++i) {
            (ok[i], results[i]) = reads[i].target.staticcall(reads[i].data);
        }
    }

    /**
     * @notice The first word each of `words` returns (ok false if it reverted or returned less), and the whole
     *         return data of each of `blobs`: most views return one word, and decoding one array of words is far
     *         cheaper for the fuzzer than decoding hundreds of byte strings.
     */
    function snapshot(
        Read[] calldata words,
        Read[] calldata blobs
    ) external view returns (uint256[] memory values, bool[] memory ok, bytes[] memory results) {
        values = new uint256[](words.length);
        ok = new bool[](words.length);
        // One scratch buffer for every call's input and output: memory stays small however many views are read.
        bytes memory buffer = new bytes(4 + 4 * 32);
        for (uint256 i; i < words.length; ++i) {
            bytes calldata data = words[i].data;
            address target = words[i].target;
            bool success;
            uint256 value;
            if (target == address(this) && bytes4(data) == this.ethBalance.selector) {
                // ethBalance(account) without a call frame: the fuzzer reads a dozen balances per snapshot.
                values[i] = address(uint160(uint256(bytes32(data[4:36])))).balance;
                ok[i] = true;
                continue;
            }
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                let input := add(buffer, 0x20)
                let size := data.length
                // Every word view the fuzzer reads takes at most three arguments.
                if gt(size, 132) {
                    revert(0, 0)
                }
                calldatacopy(input, data.offset, size)
                success := staticcall(gas(), target, input, size, input, 0x20)
                if lt(returndatasize(), 0x20) {
                    success := 0
                }
                value := mload(input)
            }
            if (success) {
                ok[i] = true;
                values[i] = value;
            }
        }
        results = new bytes[](blobs.length);
        for (uint256 i; i < blobs.length; ++i) {
            (, results[i]) = blobs[i].target.staticcall(blobs[i].data);
        }
    }

    function ethBalance(address account) external view returns (uint256) {
        return account.balance;
    }

    /// @notice The timestamp views are evaluated at (eth_call runs them in a block of its own).
    function timestamp() external view returns (uint256) {
        return block.timestamp;
    }
}
