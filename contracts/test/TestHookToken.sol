// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receiver hook of TestHookToken (ERC777 tokensReceived / ERC1363 onTransferReceived style).
interface ITokenHookReceiver {
    function onTokensReceived(address operator, address from, uint256 amount, bytes calldata data) external;
}

/**
 * @notice An ERC20 with the ERC777 and ERC1363 entry points the guard decodes (mock; never deploy): send,
 *         operatorSend, authorizeOperator/revokeOperator, transferAndCall, transferFromAndCall, approveAndCall.
 *         Transfers to contracts call their hook; a reverting hook reverts the transfer, as ERC777 and ERC1363 do.
 *         No ERC1820 registry: the fuzzer only needs the calldata shapes and the hooks to run.
 */
contract TestHookToken is ERC20 {
    // holder -> operator -> authorized (ERC777 operators move any amount of the holder's tokens)
    mapping(address holder => mapping(address operator => bool)) private _operators;

    event AuthorizedOperator(address indexed operator, address indexed holder);
    event RevokedOperator(address indexed operator, address indexed holder);

    error NotOperator(address operator, address holder);

    constructor() ERC20("Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function isOperatorFor(address operator, address holder) public view returns (bool) {
        return operator == holder || _operators[holder][operator];
    }

    function authorizeOperator(address operator) external {
        _operators[msg.sender][operator] = true;
        emit AuthorizedOperator(operator, msg.sender);
    }

    function revokeOperator(address operator) external {
        delete _operators[msg.sender][operator];
        emit RevokedOperator(operator, msg.sender);
    }

    function send(address to, uint256 amount, bytes calldata data) external {
        _move(msg.sender, msg.sender, to, amount, data);
    }

    function operatorSend(address from, address to, uint256 amount, bytes calldata data, bytes calldata) external {
        if (!isOperatorFor(msg.sender, from)) revert NotOperator(msg.sender, from);
        _move(msg.sender, from, to, amount, data);
    }

    function transferAndCall(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, msg.sender, to, amount, "");
        return true;
    }

    function transferAndCall(address to, uint256 amount, bytes calldata data) external returns (bool) {
        _move(msg.sender, msg.sender, to, amount, data);
        return true;
    }

    function transferFromAndCall(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _move(msg.sender, from, to, amount, "");
        return true;
    }

    function transferFromAndCall(
        address from,
        address to,
        uint256 amount,
        bytes calldata data
    ) external returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _move(msg.sender, from, to, amount, data);
        return true;
    }

    function approveAndCall(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    function approveAndCall(address spender, uint256 amount, bytes calldata) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    function _move(address operator, address from, address to, uint256 amount, bytes memory data) private {
        _transfer(from, to, amount);
        if (to.code.length != 0) ITokenHookReceiver(to).onTokensReceived(operator, from, amount, data);
    }
}
