import { Interface } from "ethers";

/** Every hand-written TreasuryGuard fragment, checked against the compiled ABI in test/lib/abi.test.ts. */

/** The TreasuryGuard's policy setters (ITreasuryGuard), as the Safe calls them. */
export const treasuryGuardInterface = new Interface([
  "function setCap(address asset, uint256 cap)",
  "function setRecipient(address recipient, bool allowed)",
  "function setTrustedTarget(address target, bool trusted)",
  "function setTrustedSelector(address target, bytes4 selector, bool trusted)",
  "function setDelay(uint32 delay)",
  "function setExpiry(uint32 expiry)",
  "function setRecoveryModule(address module)",
  "function setOffchainSignatures(bool allowed)",
]);

/** The TreasuryGuard's policy views and change events, for reading a Safe's policy back (lib/guard/read.ts). */
export const treasuryGuardViews = new Interface([
  "function getCappedAssets(address safe) view returns (address[])",
  "function capOf(address safe, address asset) view returns (uint256)",
  "function remaining(address safe, address asset) view returns (uint256 available, uint256 nextIncreaseAt)",
  "function isRecipient(address safe, address recipient) view returns (bool)",
  "function isTrustedTarget(address safe, address target) view returns (bool)",
  "function isTrustedSelector(address safe, address target, bytes4 selector) view returns (bool)",
  "event CapChanged(address indexed safe, address indexed asset, uint256 oldCap, uint256 newCap)",
  "event RecipientChanged(address indexed safe, address indexed recipient, bool oldAllowed, bool newAllowed)",
  "event TrustedTargetChanged(address indexed safe, address indexed target, bool oldTrusted, bool newTrusted)",
  "event TrustedSelectorChanged(address indexed safe, address indexed target, bytes4 indexed selector, " +
    "bool oldTrusted, bool newTrusted)",
]);

export const guardQueueInterface = new Interface([
  "function queue(address to, uint256 value, bytes data, uint8 operation) returns (uint256 id)",
  "function policy(address safe) view returns ((uint64 lastActivity, uint32 delay, uint32 expiry, uint16 cancelStreak, " +
    "uint64 queued, address recoveryModule, bool offchainSignatures, uint32 activityEpoch))",
  "function queuedTransaction(address safe, uint256 id) view returns ((address to, uint256 value, bytes data, " +
    "uint8 operation, uint64 eta, uint64 expiresAt, uint16 vetoes, uint8 state))",
  "function cancelThreshold(address safe) view returns (uint256)",
  "function execute(address safe, uint256 id)",
  "function veto(address safe, uint256 id)",
  "function cancel(uint256 id)",
]);

/** The guard's queue events, which the embedded service indexes (checked against the compiled ABI in a test). */
export const treasuryGuardQueueEvents = new Interface([
  "event TransactionQueued(address indexed safe, uint256 indexed id, address to, uint256 value, bytes data, " +
    "uint8 operation, uint64 eta, uint64 expiresAt, uint8 verdict, uint8 reason)",
  "event TransactionExecuted(address indexed safe, uint256 indexed id, (address asset, uint256 amount)[] outflows)",
  "event TransactionVetoed(address indexed safe, uint256 indexed id, address indexed owner, uint256 vetoes, " +
    "uint256 required)",
  "event TransactionCancelled(address indexed safe, uint256 indexed id, address indexed by, uint16 cancelStreak)",
]);

/** The guard's custom errors (ITreasuryGuard and RollingWindow), for decoding revert data. */
export const treasuryGuardErrors = new Interface([
  "error CapExceeded(address asset, uint256 requested, uint256 available)",
  "error DelayRequired(uint8 reason)",
  "error TransactionForbidden(uint8 reason)",
  "error MalformedBatch()",
  "error InvalidDelay(uint256 delay, uint256 minDelay, uint256 maxDelay)",
  "error InvalidExpiry(uint256 expiry, uint256 minExpiry, uint256 maxExpiry)",
  "error TransactionNotQueued(address safe, uint256 id, uint8 state)",
  "error TransactionNotReady(address safe, uint256 id, uint256 eta)",
  "error QueuedTransactionFailed(address safe, uint256 id)",
  "error QueueWouldBeLost(address safe, uint256 id)",
  "error NotSafeOwner(address safe, address account)",
  "error AlreadyVetoed(address safe, uint256 id, address owner)",
  "error TooManyAssets(uint256 maxAssets)",
  "error RollingWindowTimestampOutOfRange(uint256 timestamp)",
]);
