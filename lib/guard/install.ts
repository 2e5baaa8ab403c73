import type { MetaTransactionData } from "@safe-global/types-kit";
import { isAddress } from "ethers";

import type { SafeVersion } from "../safe/canonical";
import { installBatch, installTransactions, SAFE_SELF, setupHook, type SafeCall } from "../safe/install";
import { safeConfigInterface, treasuryGuardInterface } from "../abi";

/**
 * Pass instead of a handler address to leave the Safe's fallback handler as it is. With Safe's
 * CompatibilityFallbackHandler, the owners' off-chain signatures are the Safe's own (permits, Permit2, orders) and
 * move assets without any Safe transaction the guard could see: see docs/threat-model.md before choosing this.
 */
export const KEEP_FALLBACK_HANDLER = "keep";

/** The TreasuryFallbackHandler's address (lib/toolkit toolkitAddress), another handler's, or KEEP_FALLBACK_HANDLER. */
export type FallbackHandlerChoice = string;

/** A Safe's initial TreasuryGuard policy. Amounts in base units; `asset` address(0) is native ETH. */
export interface GuardPolicy {
  caps?: { asset: string; cap: bigint }[];
  recipients?: string[];
  trustedTargets?: string[];
  trustedSelectors?: { target: string; selector: string }[];
  /** Queue delay in seconds (1 hour .. 30 days; the guard's default is 2 days). */
  delay?: number;
  /** How long a ready queued transaction stays executable, in seconds (1 hour .. 30 days; default 7 days). */
  expiry?: number;
  /** Module whose owner/threshold changes always pass the module guard (e.g. the RecoveryModule). */
  recoveryModule?: string;
  /**
   * Opt in to the owners' off-chain signatures counting as the Safe's (TreasuryFallbackHandler). Off by default; set
   * here it is part of the initial policy, later it is a delayed change (docs/policy.md).
   */
  offchainSignatures?: boolean;
}

/** The Safe calls that write `policy` into `guard` (msg.sender is the Safe on both install paths). */
export function guardPolicyCalls(guard: string, policy: GuardPolicy): SafeCall[] {
  const g = treasuryGuardInterface;
  const calls: SafeCall[] = [];
  for (const { asset, cap } of policy.caps ?? [])
    calls.push({ to: guard, data: g.encodeFunctionData("setCap", [asset, cap]) });
  for (const r of policy.recipients ?? [])
    calls.push({ to: guard, data: g.encodeFunctionData("setRecipient", [r, true]) });
  for (const t of policy.trustedTargets ?? []) {
    calls.push({ to: guard, data: g.encodeFunctionData("setTrustedTarget", [t, true]) });
  }
  for (const { target, selector } of policy.trustedSelectors ?? []) {
    calls.push({ to: guard, data: g.encodeFunctionData("setTrustedSelector", [target, selector, true]) });
  }
  if (policy.delay !== undefined) calls.push({ to: guard, data: g.encodeFunctionData("setDelay", [policy.delay]) });
  if (policy.expiry !== undefined) calls.push({ to: guard, data: g.encodeFunctionData("setExpiry", [policy.expiry]) });
  if (policy.recoveryModule !== undefined) {
    calls.push({ to: guard, data: g.encodeFunctionData("setRecoveryModule", [policy.recoveryModule]) });
  }
  // Always explicit: a guard reinstalled on a Safe keeps the opt-in it had before it was removed.
  calls.push({ to: guard, data: g.encodeFunctionData("setOffchainSignatures", [policy.offchainSignatures ?? false]) });
  return calls;
}

/**
 * Every call that installs the TreasuryGuard on a Safe: the policy first, then the fallback handler (when given),
 * the guard as module (queued executions), as module guard (Safe 1.5.0 only: 1.4.1 has none) and, last, as
 * transaction guard. Safe reads its guard once, before it runs a transaction, so the batch is judged by the guard
 * installed before it (none) and none of its calls is checked. Switching the guard on last keeps that true even if
 * the calls are sent one by one in this order: setFallbackHandler, a delayed Safe self-call once the guard is on,
 * runs before it. A Safe that already has the TreasuryGuard must queue the batch. Safe self-calls use SAFE_SELF.
 * `fallbackHandler` is for existing Safes; at creation Safe.setup's own fallbackHandler argument sets it.
 */
export function guardInstallCalls(
  guard: string,
  version: SafeVersion,
  policy: GuardPolicy = {},
  fallbackHandler: FallbackHandlerChoice = KEEP_FALLBACK_HANDLER,
): SafeCall[] {
  return [
    ...guardPolicyCalls(guard, policy),
    ...(fallbackHandler === KEEP_FALLBACK_HANDLER
      ? []
      : [
          {
            to: SAFE_SELF,
            data: safeConfigInterface.encodeFunctionData("setFallbackHandler", [handler(fallbackHandler)]),
          },
        ]),
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("enableModule", [guard]) },
    ...(version === "1.5.0"
      ? [{ to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("setModuleGuard", [guard]) }]
      : []),
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("setGuard", [guard]) },
  ];
}

function handler(choice: string): string {
  if (!isAddress(choice)) {
    throw new Error(
      `fallbackHandler must be a handler address (the TreasuryFallbackHandler: toolkitAddress(hre, "TreasuryFallbackHandler")) or "${KEEP_FALLBACK_HANDLER}", got "${choice}"`,
    );
  }
  return choice;
}

/** Safe.setup's `to`/`data` for a Safe created with the guard installed (see lib/safe/install setupHook). */
export function guardSetupHook(guard: string, version: SafeVersion, policy: GuardPolicy = {}) {
  return setupHook(guardInstallCalls(guard, version, policy));
}

/**
 * The install calls for an existing Safe, as protocol-kit transactions (batch them with buildSafeTransaction).
 * `fallbackHandler`: the TreasuryFallbackHandler's address, so off-chain signatures stop bypassing the guard, or
 * KEEP_FALLBACK_HANDLER (read its warning).
 */
export function guardInstallTransactions(
  safeAddress: string,
  guard: string,
  version: SafeVersion,
  policy: GuardPolicy,
  fallbackHandler: FallbackHandlerChoice,
): MetaTransactionData[] {
  return installTransactions(safeAddress, guardInstallCalls(guard, version, policy, fallbackHandler));
}

/** The same as one Safe transaction (DELEGATECALL to MultiSendCallOnly), for an existing Safe with no TreasuryGuard yet. */
export function guardInstallBatch(
  safeAddress: string,
  guard: string,
  version: SafeVersion,
  policy: GuardPolicy,
  fallbackHandler: FallbackHandlerChoice,
) {
  return installBatch(safeAddress, guardInstallCalls(guard, version, policy, fallbackHandler), version);
}
