import { Contract, getAddress, ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { UserError } from "../errors";
import { policyDifferences } from "../guard/compare";
import { guardPolicyCalls, type GuardPolicy } from "../guard/install";
import { readQueue } from "../guard/queue";
import { readPolicy, type PolicyView } from "../guard/read";
import { observe } from "../rehearsal/observe";
import type { Check } from "../rehearsal/invariants";
import { isSafeVersion } from "../safe/canonical";
import { installBatch, SAFE_SELF, type SafeCall } from "../safe/install";
import { readSafeState } from "../safe/state";
import { queueWrapped, type UpgradePlan } from "./plan";
import { guardQueueInterface, safeConfigInterface, treasuryGuardViews } from "../abi";

/**
 * Moving a Safe to another TreasuryGuard deployment (a new version of ours): one delayed batch that writes the whole
 * policy into the new guard, installs it in the old one's three places (module, module guard on 1.5.0, transaction
 * guard, in the install order) and disables the old guard as a module. The rolling 24h window starts empty on the
 * new guard: the move waits the old guard's delay, which is never shorter than an hour.
 */

/** The policy in force on the old guard, as the install calls write it (queued changes are not carried). */
export function carriedPolicy(view: PolicyView): GuardPolicy {
  return {
    caps: view.caps.filter((c) => c.cap > 0n).map((c) => ({ asset: c.asset, cap: c.cap })),
    recipients: view.recipients.filter((r) => r.allowed).map((r) => r.address),
    trustedTargets: view.targets.filter((t) => t.trusted && t.selector === undefined).map((t) => t.target),
    trustedSelectors: view.targets
      .filter((t) => t.trusted && t.selector !== undefined)
      .map((t) => ({ target: t.target, selector: t.selector! })),
    delay: view.delay,
    expiry: view.expiry,
    ...(view.recoveryModule === ZeroAddress ? {} : { recoveryModule: view.recoveryModule }),
    offchainSignatures: view.offchainSignatures,
  };
}

export async function guardMovePlan(provider: Provider, safe: string, to: string): Promise<UpgradePlan> {
  const state = await readSafeState(provider, safe);
  if (!isSafeVersion(state.version)) throw new UserError(`Safe ${state.version} is not supported (1.5.0, 1.4.1).`);
  const view = await readPolicy(provider, safe);
  const oldGuard = view.guard;
  const newGuard = getAddress(to);
  if (newGuard === oldGuard) throw new UserError(`${safe} already uses the TreasuryGuard at ${newGuard}.`);
  try {
    await new Contract(newGuard, guardQueueInterface, provider).policy(safe);
  } catch {
    throw new UserError(`${newGuard} is not a TreasuryGuard (it does not answer policy(safe)): check --to.`);
  }
  const alreadyCapped = (await new Contract(newGuard, treasuryGuardViews, provider).getCappedAssets(safe)) as string[];
  if (alreadyCapped.length > 0) {
    throw new UserError(
      `The guard at ${newGuard} already holds a policy for ${safe} (caps on ${alreadyCapped.join(", ")}): ` +
        "a move carries the policy into a guard that has none for this Safe.",
    );
  }
  const open = (await readQueue(provider, safe)).items.filter((i) => i.state === "waiting" || i.state === "ready");
  if (open.length > 0) {
    throw new UserError(
      `The old guard's queue holds item(s) ${open.map((i) => i.id).join(", ")} still to run: execute or cancel them ` +
        "first (queue:execute, queue:cancel); they would be lost with the move.",
    );
  }

  // enableModule puts the new guard at the head of the module list, so it precedes the old one if nothing else does.
  const modules = [newGuard, ...state.modules];
  const at = modules.indexOf(oldGuard);
  const calls: SafeCall[] = [
    ...guardPolicyCalls(newGuard, carriedPolicy(view)),
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("enableModule", [newGuard]) },
    ...(state.version === "1.5.0"
      ? [{ to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("setModuleGuard", [newGuard]) }]
      : []),
    { to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("setGuard", [newGuard]) },
    ...(at > 0
      ? [{ to: SAFE_SELF, data: safeConfigInterface.encodeFunctionData("disableModule", [modules[at - 1], oldGuard]) }]
      : []),
  ];
  const batch = installBatch(safe, calls, state.version);
  const before = await observe(provider, safe);
  return {
    safe: state.address,
    transactions: [queueWrapped(oldGuard, batch)],
    origin: "upgrade:guard",
    async checks(chain) {
      const after = await observe(chain.provider, safe);
      const installed =
        after.state.guard === newGuard &&
        after.state.modules.includes(newGuard) &&
        !after.state.modules.includes(oldGuard) &&
        (state.version !== "1.5.0" || after.state.moduleGuard === newGuard);
      const differences = after.policy ? policyDifferences(before.policy!, after.policy) : ["no policy read back"];
      const checks: Check[] = [
        {
          name: "guard-installed",
          ok: installed,
          detail: installed
            ? `the new guard ${newGuard} is the transaction guard, module` +
              (state.version === "1.5.0" ? " and module guard" : "") +
              `; the old ${oldGuard} is no module any more`
            : `after the move: guard ${after.state.guard}, module guard ${after.state.moduleGuard}, modules ` +
              after.state.modules.join(", "),
        },
        {
          name: "policy-carried-over",
          ok: differences.length === 0,
          detail: differences.length === 0 ? `the new guard's policy equals the old one's` : differences.join("; "),
        },
      ];
      return checks;
    },
  };
}
