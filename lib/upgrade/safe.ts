import { getAddress } from "ethers";
import type { Provider } from "ethers";

import { UserError } from "../errors";
import { policyDifferences } from "../guard/compare";
import type { Check } from "../rehearsal/invariants";
import { observe } from "../rehearsal/observe";
import { canonicalContract } from "../safe/canonical";
import type { SafeTxLike } from "../summary/decode";
import { queueWrapped, type UpgradePlan } from "./plan";
import { safeConfigInterface, safeLibraryInterface } from "../abi";

/**
 * Migrating a Safe 1.4.1 to 1.5.0 through Safe's SafeMigration library (a DELEGATECALL that rewrites slot 0, and the
 * fallback handler when the Safe uses Safe's own). The TreasuryGuard delays a DELEGATECALL to SafeMigration, so the
 * first proposal queues the migration; the second queues setModuleGuard, which Safe 1.4.1 does not have and 1.5.0
 * needs for the guard to check module transactions. protocol-kit refuses a batch holding a DELEGATECALL, hence two.
 */

export const MIGRATION_TARGETS = ["1.5.0"] as const;

export async function safeMigrationPlan(provider: Provider, safe: string, to = "1.5.0"): Promise<UpgradePlan> {
  if (!(MIGRATION_TARGETS as readonly string[]).includes(to)) {
    throw new UserError(`--to ${to} is not a version upgrade:safe migrates to (${MIGRATION_TARGETS.join(", ")}).`);
  }
  const before = await observe(provider, safe);
  const { state } = before;
  if (state.version === to) throw new UserError(`${safe} is already a Safe ${to}: nothing to migrate.`);
  if (state.version !== "1.4.1") {
    throw new UserError(`${safe} is a Safe ${state.version}: upgrade:safe migrates Safe 1.4.1 to ${to}.`);
  }
  const singleton = getAddress(state.singleton);
  const l1 = canonicalContract("1.4.1", "safe").address;
  const l2 = canonicalContract("1.4.1", "safeL2").address;
  if (singleton !== l1 && singleton !== l2) {
    throw new UserError(
      `${safe}'s singleton ${singleton} is not Safe 1.4.1's canonical Safe or SafeL2: SafeMigration migrates only those.`,
    );
  }
  const migration = canonicalContract("1.5.0", "safeMigration").address;
  if ((await provider.getCode(migration)) === "0x") {
    throw new UserError(`SafeMigration 1.5.0 is not deployed on this chain at ${migration}: run safe:bootstrap first.`);
  }
  const isL2 = singleton === l2;
  // Safe's own handler is replaced by its 1.5.0 counterpart; any other (the TreasuryFallbackHandler) stays.
  const ownHandler =
    getAddress(state.fallbackHandler) === canonicalContract("1.4.1", "compatibilityFallbackHandler").address;
  const method = `migrate${isL2 ? "L2" : ""}${ownHandler ? "WithFallbackHandler" : "Singleton"}` as const;
  const migrate: SafeTxLike = {
    to: migration,
    value: 0n,
    data: safeLibraryInterface.encodeFunctionData(method),
    operation: 1,
  };
  const guarded = before.treasuryGuard.transactionGuard;
  const guard = state.guard;
  const transactions = guarded
    ? [
        queueWrapped(guard, migrate),
        queueWrapped(guard, {
          to: state.address,
          value: 0n,
          data: safeConfigInterface.encodeFunctionData("setModuleGuard", [guard]),
          operation: 0,
        }),
      ]
    : [migrate];
  const target = canonicalContract("1.5.0", isL2 ? "safeL2" : "safe").address;
  return {
    safe: state.address,
    transactions,
    origin: "upgrade:safe",
    async checks(chain) {
      const after = await observe(chain.provider, safe);
      const problems: string[] = [];
      if (after.state.singleton !== target) problems.push(`singleton ${after.state.singleton}, not ${target}`);
      if (after.state.version !== to) problems.push(`VERSION() is ${after.state.version}`);
      if (guarded) {
        if (after.state.guard !== guard) problems.push(`guard ${after.state.guard}, not ${guard}`);
        if (after.state.moduleGuard !== guard) problems.push(`module guard ${after.state.moduleGuard}, not ${guard}`);
        if (!after.state.modules.includes(guard)) problems.push("the guard is no module any more");
        const differences = after.policy ? policyDifferences(before.policy!, after.policy) : ["no policy read back"];
        problems.push(...differences.map((d) => `policy ${d}`));
      }
      const check: Check = {
        name: "safe-upgraded",
        ok: problems.length === 0,
        detail:
          problems.join("; ") ||
          `Safe ${to} on the canonical ${isL2 ? "SafeL2" : "Safe"} ${target} (${method})` +
            (guarded ? ", guard, module guard and policy intact" : ""),
      };
      return [check];
    },
  };
}
