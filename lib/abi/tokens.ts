import { Interface } from "ethers";

/** Every hand-written token fragment, checked against OpenZeppelin's and the test tokens' ABIs in test/lib/abi.test.ts. */

/**
 * The token calls the guard decodes (ERC20, ERC721, ERC1155, ERC777, ERC1363): what the summary can decode without
 * a verified ABI. The toolkit's own contracts are decoded with their compiled ABIs (lib/summary/names.ts).
 */
export const tokenInterface = new Interface([
  "function transfer(address to, uint256 amount)",
  "function transferFrom(address from, address to, uint256 amountOrId)",
  "function approve(address spender, uint256 amountOrId)",
  "function increaseAllowance(address spender, uint256 amount)",
  "function decreaseAllowance(address spender, uint256 amount)",
  "function safeTransferFrom(address from, address to, uint256 id)",
  "function safeTransferFrom(address from, address to, uint256 id, bytes data)",
  "function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)",
  "function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] amounts, bytes data)",
  "function setApprovalForAll(address operator, bool approved)",
  "function send(address to, uint256 amount, bytes data)",
  "function operatorSend(address from, address to, uint256 amount, bytes data, bytes operatorData)",
  "function authorizeOperator(address operator)",
  "function revokeOperator(address operator)",
  "function transferAndCall(address to, uint256 amount)",
  "function transferAndCall(address to, uint256 amount, bytes data)",
  "function transferFromAndCall(address from, address to, uint256 amount)",
  "function transferFromAndCall(address from, address to, uint256 amount, bytes data)",
  "function approveAndCall(address spender, uint256 amount)",
  "function approveAndCall(address spender, uint256 amount, bytes data)",
]);

/** Token functions whose `amount` argument is an ERC20 amount (printed with the token's decimals). */
export const FUNGIBLE_AMOUNT_FUNCTIONS = new Set([
  "transfer",
  "transferFrom",
  "approve",
  "increaseAllowance",
  "decreaseAllowance",
  "send",
  "operatorSend",
  "transferAndCall",
  "transferFromAndCall",
  "approveAndCall",
]);

/** The token events whose logs the simulation decodes. */
export const tokenEvents = new Interface([
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
  "event ApprovalForAll(address indexed owner, address indexed operator, bool approved)",
]);

/** What the toolkit reads from an ERC20 and the payment it sends. */
export const erc20Interface = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function balanceOf(address account) view returns (uint256)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
]);

/** Solidity's own revert reason, `Error(string)`. */
export const solidityErrorInterface = new Interface(["error Error(string)"]);
