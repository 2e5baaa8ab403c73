import { ZeroAddress } from "ethers";

import { SAFE_SELF, type SafeCall } from "../safe/install";
import { recoveryInterface, safeConfigInterface, spendingLimitInterface } from "../abi";

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
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("enableModule", [module]) },
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
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("enableModule", [module]) },
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
export function modulePolicyAdditions(addresses: ModuleAddresses): {
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
