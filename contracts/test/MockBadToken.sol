// SPDX-License-Identifier: LGPL-3.0-only
/* solhint-disable one-contract-per-file */
pragma solidity 0.8.28;

/**
 * @notice A minimal token whose transfer returns nothing (USDT-style) and reverts on insufficient balance (mock).
 */
contract MockBadTokenNoReturn {
    mapping(address account => uint256) public balanceOf;

    error InsufficientBalance(uint256 balance, uint256 amount);

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        if (balanceOf[msg.sender] < amount) revert InsufficientBalance(balanceOf[msg.sender], amount);
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }
}

/**
 * @notice A token whose transfer returns false instead of reverting when it fails (insufficient balance, or when
 *         `failing` is set), moving nothing (mock).
 */
contract MockBadTokenReturnsFalse {
    mapping(address account => uint256) public balanceOf;
    bool public failing;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function setFailing(bool value) external {
        failing = value;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (failing || balanceOf[msg.sender] < amount) return false;
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// @notice A token whose transfer moves the balance but returns 31 bytes of garbage (mock).
contract MockBadTokenShortReturn {
    mapping(address account => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        assembly {
            mstore(0, 1)
            return(0, 31)
        }
    }
}
