import { Interface } from "ethers";

/** Every hand-written fragment of the SpendingLimitModule and RecoveryModule, checked against their compiled ABIs in
 * test/lib/abi.test.ts. */

/** The module setters a Safe calls to configure them (checked against the compiled ABIs in the tests). */
export const spendingLimitInterface = new Interface([
  "function setAllowance(address delegate, address asset, uint256 allowance)",
  "function lowerAllowance(address delegate, address asset, uint256 allowance)",
  "function setRecipient(address delegate, address recipient, bool allowed)",
  "function removeRecipient(address delegate, address recipient)",
  "function setRecipientRegistry(address registry)",
]);

/** What delegates, relayers and readers call on the SpendingLimitModule (lib/modules/allowance.ts), with its errors. */
export const spendingLimitViews = new Interface([
  "function getAllowance(address safe, address delegate, address asset) view returns (uint256 allowance, " +
    "uint256 spent, uint256 available, uint256 nextIncreaseAt)",
  "function getNonce(address safe, address delegate, address asset) view returns (uint256)",
  "function recipientRegistry(address safe) view returns (address)",
  "function canPay(address safe, address delegate, address recipient) view returns (bool)",
  "function spend(address safe, address asset, address to, uint256 amount)",
  "function spendWithSignature(address safe, address delegate, address asset, address to, uint256 amount, " +
    "uint256 deadline, bytes32 r, bytes32 vs)",
  "event AllowanceChanged(address indexed safe, address indexed delegate, address indexed asset, " +
    "uint256 oldAllowance, uint256 newAllowance)",
  "event Spent(address indexed safe, address indexed delegate, address asset, address to, uint256 amount)",
  "error ModuleNotEnabled(address account)",
  "error InvalidDelegate(address delegate)",
  "error AllowanceNotLowered(address safe, address delegate, address asset, uint256 current, uint256 requested)",
  "error RecipientNotAllowed(address safe, address delegate, address recipient)",
  "error ZeroAmount(address safe, address delegate, address asset)",
  "error UnknownDelegate(address safe, address delegate)",
  "error NoAllowance(address safe, address delegate, address asset)",
  "error AllowanceExceeded(address safe, address delegate, address asset, uint256 requested, uint256 available)",
  "error SignatureExpired(uint256 deadline, uint256 timestamp)",
  "error InvalidSignature(address delegate, address signer)",
  "error TransferFailed(address safe, address asset, address to, uint256 amount)",
]);

export const recoveryInterface = new Interface([
  "function configure(address[] guardians, uint256 threshold, uint32 inactivityPeriod, uint32 recoveryDelay, address activityRecorder)",
  "function setGuardians(address[] guardians, uint256 threshold)",
  "function setPeriods(uint32 inactivityPeriod, uint32 recoveryDelay)",
  "function setActivityRecorder(address recorder)",
  "function cancelRecovery()",
]);

/**
 * The RecoveryModule's calls that guardians and anyone send directly, its views, the events the status reads and
 * its custom errors (IRecoveryModule; checked against the compiled ABI in the tests).
 */
export const recoveryModuleInterface = new Interface([
  "function heartbeat(address safe)",
  "function poke(address safe)",
  "function approveRecovery(address safe, address[] newOwners, uint256 newThreshold, uint256 nonce)",
  "function approveRecoveryWithSignatures(address safe, address[] newOwners, uint256 newThreshold, uint256 nonce, " +
    "(address guardian, bytes signature)[] signatures)",
  "function initiateRecovery(address safe, address[] newOwners, uint256 newThreshold)",
  "function finalizeRecovery(address safe, address[] newOwners, uint256 newThreshold)",
  "function config(address safe) view returns ((uint16 threshold, uint32 inactivityPeriod, uint32 recoveryDelay, uint64 nonce))",
  "function getGuardians(address safe) view returns (address[])",
  "function isGuardian(address safe, address account) view returns (bool)",
  "function getActivityRecorder(address safe) view returns (address)",
  "function getRecoveryHash(address safe, address[] newOwners, uint256 newThreshold, uint256 nonce) view returns (bytes32)",
  "function approvalCount(address safe, bytes32 recoveryHash) view returns (uint256)",
  "function hasApproved(address safe, bytes32 recoveryHash, address guardian) view returns (bool)",
  "function pendingRecovery(address safe) view returns ((bytes32 recoveryHash, uint40 initiatedAt, uint40 executableAt, " +
    "bool inactivity, uint64 safeNonce))",
  "function recoveryState(address safe) view returns (uint8)",
  "function lastActivity(address safe) view returns (uint256)",
  "event NonceChanged(address indexed safe, uint64 oldNonce, uint64 newNonce)",
  "event RecoveryApproved(address indexed safe, bytes32 indexed recoveryHash, address indexed guardian, uint256 approvals)",
  "event RecoveryInitiated(address indexed safe, bytes32 indexed recoveryHash, address[] newOwners, uint256 newThreshold, " +
    "uint256 nonce, uint256 approvals, uint256 executableAt, bool inactivity)",
  "error ModuleNotEnabled(address account)",
  "error InvalidGuardian(address guardian)",
  "error DuplicateGuardian(address guardian)",
  "error TooManyGuardians(uint256 count, uint256 max)",
  "error InvalidGuardianThreshold(uint256 threshold, uint256 guardianCount)",
  "error InvalidInactivityPeriod(uint256 period, uint256 min, uint256 max)",
  "error InvalidRecoveryDelay(uint256 delay, uint256 min, uint256 max)",
  "error NotGuardian(address safe, address account)",
  "error NotSafeOwner(address safe, address account)",
  "error InvalidNonce(address safe, uint256 nonce, uint256 currentNonce)",
  "error InvalidGuardianSignature(address safe, address guardian)",
  "error AlreadyApproved(address safe, bytes32 recoveryHash, address guardian)",
  "error InvalidOwner(address owner)",
  "error OwnerCannotSign(address owner)",
  "error DuplicateOwner(address owner)",
  "error OwnersNotSorted(address previous, address owner)",
  "error TooManyOwners(uint256 count, uint256 max)",
  "error InvalidThreshold(uint256 threshold, uint256 ownerCount)",
  "error NotEnoughApprovals(address safe, bytes32 recoveryHash, uint256 approvals, uint256 threshold)",
  "error SafeNotInactive(address safe, uint256 lastActivity, uint256 inactiveFrom)",
  "error RecoveryAlreadyPending(address safe, bytes32 recoveryHash)",
  "error RecoveryNotReplaceable(address safe, bytes32 pendingHash, uint256 pendingApprovals, uint256 approvals)",
  "error NoPendingRecovery(address safe, uint8 state)",
  "error RecoveryMismatch(address safe, bytes32 pendingHash, bytes32 recoveryHash)",
  "error RecoveryNotReady(address safe, uint256 executableAt)",
  "error ModuleTransactionFailed(address safe, bytes4 selector)",
]);
