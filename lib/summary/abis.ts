import { Interface } from "ethers";

/**
 * What the summary can decode without a verified ABI: the token standards the guard decodes, the Safe's own
 * configuration functions and the Safe libraries a transaction may DELEGATECALL. The toolkit's own contracts are
 * decoded with their compiled ABIs (lib/summary/names.ts).
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

/** The Safe's configuration functions (OwnerManager, ModuleManager, GuardManager, FallbackManager, 1.5.0). */
export const safeConfigInterface = new Interface([
  "function addOwnerWithThreshold(address owner, uint256 threshold)",
  "function removeOwner(address prevOwner, address owner, uint256 threshold)",
  "function swapOwner(address prevOwner, address oldOwner, address newOwner)",
  "function changeThreshold(uint256 threshold)",
  "function enableModule(address module)",
  "function disableModule(address prevModule, address module)",
  "function setGuard(address guard)",
  "function setModuleGuard(address moduleGuard)",
  "function setFallbackHandler(address handler)",
  "function approveHash(bytes32 hashToApprove)",
]);

/** The Safe libraries the TreasuryGuard lets a Safe DELEGATECALL (each through the queue except MultiSendCallOnly). */
export const safeLibraryInterface = new Interface([
  "function multiSend(bytes transactions)",
  "function signMessage(bytes _data)",
  "function migrateSingleton()",
  "function migrateWithFallbackHandler()",
  "function migrateL2Singleton()",
  "function migrateL2WithFallbackHandler()",
]);
