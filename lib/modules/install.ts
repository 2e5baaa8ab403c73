import { Interface, ZeroAddress } from "ethers";

import { SAFE_SELF, type SafeCall } from "../safe/install";

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
  "function cancelRecovery()",
]);

const enableModule = new Interface(["function enableModule(address module)"]);

export interface SpendingLimitSetup {
  allowances: { delegate: string; asset: string; amount: bigint }[];
  recipients: { delegate: string; recipient: string }[];
  /** Delegates may also pay the guard's whitelisted recipients (needs the guard). */
  useGuardRecipients: boolean;
}

export interface RecoverySetup {
  guardians: string[];
  threshold: number;
  inactivityPeriod: number;
  recoveryDelay: number;
}

export interface ModuleAddresses {
  spendingLimit?: string;
  recovery?: string;
  /** The TreasuryGuard, when installed alongside: recipient registry and activity recorder. */
  guard?: string;
}

/** Enables and configures the SpendingLimitModule (msg.sender is the Safe on both install paths). */
export function spendingLimitCalls(module: string, setup: SpendingLimitSetup, guard?: string): SafeCall[] {
  const m = spendingLimitInterface;
  if (setup.useGuardRecipients && !guard) throw new Error("useGuardRecipients needs the TreasuryGuard's address");
  return [
    { to: SAFE_SELF, data: enableModule.encodeFunctionData("enableModule", [module]) },
    ...setup.allowances.map((a) => ({
      to: module,
      data: m.encodeFunctionData("setAllowance", [a.delegate, a.asset, a.amount]),
    })),
    ...setup.recipients.map((r) => ({
      to: module,
      data: m.encodeFunctionData("setRecipient", [r.delegate, r.recipient, true]),
    })),
    ...(setup.useGuardRecipients ? [{ to: module, data: m.encodeFunctionData("setRecipientRegistry", [guard]) }] : []),
  ];
}

/** Enables and configures the RecoveryModule; with the guard, its activity record counts too. */
export function recoveryCalls(module: string, setup: RecoverySetup, guard?: string): SafeCall[] {
  return [
    { to: SAFE_SELF, data: enableModule.encodeFunctionData("enableModule", [module]) },
    {
      to: module,
      data: recoveryInterface.encodeFunctionData("configure", [
        setup.guardians,
        setup.threshold,
        setup.inactivityPeriod,
        setup.recoveryDelay,
        guard ?? ZeroAddress,
      ]),
    },
  ];
}

/**
 * What the guard must know about the modules: the recovery module's owner changes pass the module guard, and the
 * modules' tightening-only operations (cancel a recovery, lower an allowance, remove a recipient) stay instant.
 */
export function guardPolicyForModules(addresses: ModuleAddresses): {
  recoveryModule?: string;
  trustedSelectors: { target: string; selector: string }[];
} {
  const trustedSelectors = [
    ...(addresses.recovery
      ? [{ target: addresses.recovery, selector: recoveryInterface.getFunction("cancelRecovery")!.selector }]
      : []),
    ...(addresses.spendingLimit
      ? ["lowerAllowance", "removeRecipient"].map((name) => ({
          target: addresses.spendingLimit!,
          selector: spendingLimitInterface.getFunction(name)!.selector,
        }))
      : []),
  ];
  return { recoveryModule: addresses.recovery, trustedSelectors };
}
