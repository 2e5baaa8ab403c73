import { Interface } from "ethers";

/**
 * Every hand-written fragment of a Safe contract the toolkit calls or decodes, in one place. Each is checked against
 * Safe's compiled 1.5.0 ABIs in test/lib/abi.test.ts, so a typo or a changed signature fails there.
 */

/** The Safe's views the toolkit reads (1.4.1 and 1.5.0). */
export const safeReadInterface = new Interface([
  "function isModuleEnabled(address module) view returns (bool)",
  "function VERSION() view returns (string)",
  "function nonce() view returns (uint256)",
  "function getThreshold() view returns (uint256)",
  "function getOwners() view returns (address[])",
  "function getModulesPaginated(address start, uint256 pageSize) view returns (address[] array, address next)",
  "function approvedHashes(address owner, bytes32 hash) view returns (uint256)",
  "function domainSeparator() view returns (bytes32)",
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

/**
 * Safe's execTransaction and the events the embedded service indexes (Safe and SafeL2), and StorageAccessible's
 * simulateAndRevert, through which the simulation runs SimulateTxAccessor.
 */
export const safeExecInterface = new Interface([
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, " +
    "uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
  "function simulateAndRevert(address targetContract, bytes calldataPayload)",
  "event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)",
  "event SafeMultiSigTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, " +
    "uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, bytes additionalInfo)",
]);

/** SimulateTxAccessor, which the simulation DELEGATECALLs through simulateAndRevert. */
export const simulateTxAccessorInterface = new Interface([
  "function simulate(address to, uint256 value, bytes data, uint8 operation) returns (uint256 estimate, bool success, bytes returnData)",
]);

/** EIP-1271 in both forms the CompatibilityFallbackHandler answers (bytes32 hash, and the legacy bytes message). */
export const eip1271Interface = new Interface([
  "function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)",
  "function isValidSignature(bytes data, bytes signature) view returns (bytes4)",
]);
