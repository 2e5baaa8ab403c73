import { getAddress, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { guardInstallCalls, type GuardPolicy } from "../guard/install";
import { modulePolicyAdditions, recoveryCalls, spendingLimitCalls, type ModuleAddresses } from "../modules/install";
import { setupHook, type SafeCall } from "../safe/install";
import { canonicalContract } from "../safe/canonical";
import { resolveSafeSetup, type ResolvedSafeSetup } from "../safe/create";
import { toolkitAddress, type ToolkitContract } from "../toolkit";
import { toBaseUnits } from "./fields";
import type { TreasuryParams } from "./params";

/** The guard section as the policy lib/guard/install.ts writes (amounts in base units). */
export function toGuardPolicy(guard: NonNullable<TreasuryParams["guard"]>): GuardPolicy {
  return {
    caps: guard.caps.map((c) => {
      const { asset, amount } = toBaseUnits(c);
      return { asset, cap: amount };
    }),
    recipients: guard.recipients.map((r) => getAddress(r)),
    trustedTargets: guard.trustedTargets.map((t) => getAddress(t)),
    trustedSelectors: guard.trustedSelectors.map((t) => ({ target: getAddress(t.target), selector: t.selector })),
    delay: guard.delay,
    expiry: guard.expiry,
    recoveryModule: guard.recoveryModule && getAddress(guard.recoveryModule),
    offchainSignatures: guard.offchainSignatures,
  };
}

/** Addresses of the toolkit singletons the parameters install (the same on every chain). */
export interface ToolkitAddresses {
  guard?: string;
  /** The TreasuryFallbackHandler (needed unless the parameters name another fallback handler). */
  fallbackHandler?: string;
  spendingLimit?: string;
  recovery?: string;
}

export const usesToolkitHandler = (params: TreasuryParams) => params.fallbackHandler === "TreasuryFallbackHandler";

/** Resolves the toolkit singletons the parameters need (reads compiled artifacts, not the chain). */
export async function toolkitAddressesFor(
  hre: HardhatRuntimeEnvironment,
  params: TreasuryParams,
): Promise<ToolkitAddresses> {
  return {
    ...(params.guard ? { guard: await toolkitAddress(hre, "TreasuryGuard") } : {}),
    ...(usesToolkitHandler(params) ? { fallbackHandler: await toolkitAddress(hre, "TreasuryFallbackHandler") } : {}),
    ...(params.spendingLimit ? { spendingLimit: await toolkitAddress(hre, "SpendingLimitModule") } : {}),
    ...(params.recovery ? { recovery: await toolkitAddress(hre, "RecoveryModule") } : {}),
  };
}

/** The toolkit singletons a treasury's parameters install. */
export function toolkitContractsFor(params: TreasuryParams): ToolkitContract[] {
  return [
    ...(params.guard ? (["TreasuryGuard"] as const) : []),
    ...(usesToolkitHandler(params) ? (["TreasuryFallbackHandler"] as const) : []),
    ...(params.spendingLimit ? (["SpendingLimitModule"] as const) : []),
    ...(params.recovery ? (["RecoveryModule"] as const) : []),
  ];
}

function requireAddress(address: string | undefined, what: string): string {
  if (!address) throw new Error(`treasurySetup: the parameters install the ${what}; pass its address`);
  return address;
}

/**
 * Every call the creation transaction makes: modules first (enabled and configured), then the guard, whose policy
 * also learns about the modules, switched on last.
 */
export function treasuryInstallCalls(params: TreasuryParams, toolkit: ToolkitAddresses): SafeCall[] {
  const calls: SafeCall[] = [];
  const guard = params.guard ? requireAddress(toolkit.guard, "TreasuryGuard") : undefined;
  const modules: ModuleAddresses = { guard };
  if (params.spendingLimit) {
    modules.spendingLimit = requireAddress(toolkit.spendingLimit, "SpendingLimitModule");
    calls.push(
      ...spendingLimitCalls(
        modules.spendingLimit,
        {
          allowances: params.spendingLimit.allowances.map((a) => {
            const { asset, amount } = toBaseUnits(a);
            return { delegate: getAddress(a.delegate), asset, amount };
          }),
          recipients: params.spendingLimit.recipients.map((r) => ({
            delegate: getAddress(r.delegate),
            recipient: getAddress(r.recipient),
          })),
          useGuardRecipients: params.spendingLimit.useGuardRecipients,
        },
        guard,
      ),
    );
  }
  // The recovery module is configured after the guard is installed: it trusts the guard's activity record only if
  // the guard was already the Safe's guard when the module first observed the Safe.
  const recovery: SafeCall[] = [];
  if (params.recovery) {
    modules.recovery = requireAddress(toolkit.recovery, "RecoveryModule");
    recovery.push(
      ...recoveryCalls(
        modules.recovery,
        { ...params.recovery, guardians: params.recovery.guardians.map((g) => getAddress(g)) },
        guard,
      ),
    );
  }
  if (params.guard && guard) {
    const policy = toGuardPolicy(params.guard);
    const forModules = modulePolicyAdditions(modules);
    calls.push(
      ...guardInstallCalls(guard, params.safeVersion, {
        ...policy,
        recoveryModule: policy.recoveryModule ?? forModules.recoveryModule,
        trustedSelectors: [...(policy.trustedSelectors ?? []), ...forModules.trustedSelectors],
      }),
    );
  }
  return [...calls, ...recovery];
}

export type TreasurySetup = ResolvedSafeSetup & { fallbackHandler: string; setupTo: string; setupData: string };

/**
 * The fallback handler Safe.setup installs: by default the TreasuryFallbackHandler, so the owners' off-chain
 * signatures do not count as the Safe's unless it opts in through the guard (docs/threat-model.md).
 */
function fallbackHandlerFor(params: TreasuryParams, toolkit: ToolkitAddresses): string {
  if (usesToolkitHandler(params)) return requireAddress(toolkit.fallbackHandler, "TreasuryFallbackHandler");
  if (params.fallbackHandler === "CompatibilityFallbackHandler") {
    return canonicalContract(params.safeVersion, "compatibilityFallbackHandler").address;
  }
  return getAddress(params.fallbackHandler);
}

/**
 * The deterministic Safe setup the parameters describe (address predicted without touching a chain). With a
 * guard, spendingLimit or recovery section, the creation transaction installs them through Safe.setup's hook
 * (see treasuryInstallCalls).
 */
export function treasurySetup(params: TreasuryParams, toolkit: ToolkitAddresses = {}): TreasurySetup {
  const fallbackHandler = fallbackHandlerFor(params, toolkit);
  let hook = { to: params.setupTo, data: params.setupData };
  const calls = treasuryInstallCalls(params, toolkit);
  if (calls.length > 0) {
    const { setupTo, setupData } = setupHook(calls);
    hook = { to: setupTo, data: setupData };
  }
  return {
    ...resolveSafeSetup({
      owners: params.owners,
      threshold: params.threshold,
      saltNonce: params.saltNonce,
      version: params.safeVersion,
      l2: params.l2,
      to: hook.to,
      data: hook.data,
      fallbackHandler,
    }),
    fallbackHandler,
    setupTo: hook.to ?? ZeroAddress,
    setupData: hook.data ?? "0x",
  };
}
