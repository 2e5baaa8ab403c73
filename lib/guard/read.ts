import { Contract, getAddress, zeroPadValue } from "ethers";
import type { Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { describeAsset } from "../assets";
import { UserError } from "../errors";
import { toJson } from "../format";
import { policyConfiguration } from "./compare";
import { guardOf } from "./queue";
import { pendingPolicyChanges, type PendingChange } from "./pending";
import { treasuryGuardViews } from "../abi";

export { decodePolicyChange, pendingPolicyChanges, type PendingChange, type PolicyChange } from "./pending";

/**
 * A Safe's TreasuryGuard policy read back from the chain: the views for everything they can answer, the guard's
 * change events only to find which recipients and targets to ask about (a mapping cannot be listed), and the
 * guard's queue for changes that wait there (additions take effect when queue:execute runs them, from `eta`).
 */

type Pending = Omit<PendingChange, "change">;

export interface CapView {
  asset: string;
  symbol: string;
  decimals: number;
  /** As the Safe set it (the guard enforces it rounded down to 6 significant digits). */
  cap: bigint;
  /** What can move instantly now. */
  available: bigint;
  /** When `available` next grows if nothing more moves (unix seconds), or null if it never does. */
  nextIncreaseAt: number | null;
  pending: (Pending & { cap: bigint })[];
}

export interface PolicyView {
  safe: string;
  guard: string;
  /** Queue delay and how long a ready queued transaction stays executable, in seconds. */
  delay: number;
  expiry: number;
  recoveryModule: string;
  offchainSignatures: boolean;
  caps: CapView[];
  /** Whitelisted recipients, and recipients whose addition waits in the queue (allowed: false until it runs). */
  recipients: { address: string; allowed: boolean; pending: (Pending & { allowed: boolean })[] }[];
  /** Trusted targets (any call) and target + selector pairs, with queued changes the same way. */
  targets: { target: string; selector?: string; trusted: boolean; pending: (Pending & { trusted: boolean })[] }[];
  /** Every policy change in the queue, in id order (waiting or ready). */
  pending: PendingChange[];
}

/** The assets `safe` caps now or capped before (from CapChanged), for resolving a token symbol. */
export async function policyAssets(provider: Provider, safe: string, fromBlock = 0): Promise<string[]> {
  const guard = await (await guardOf(provider, safe)).getAddress();
  const views = new Contract(guard, treasuryGuardViews, provider);
  const logs = await guardLogs(provider, guard, safe, fromBlock, ["CapChanged"]);
  return [...new Set([...((await views.getCappedAssets(safe)) as string[]), ...logs.map((l) => l.args[1] as string)])];
}

async function guardLogs(provider: Provider, guard: string, safe: string, fromBlock: number, events: string[]) {
  const topics = events.map((e) => treasuryGuardViews.getEvent(e)!.topicHash);
  let logs;
  try {
    logs = await provider.getLogs({
      address: guard,
      fromBlock,
      toBlock: "latest",
      topics: [topics, zeroPadValue(safe, 32)],
    });
  } catch (error) {
    throw new UserError(
      `The node refused the guard's events from block ${fromBlock} (${(error as Error).message.slice(0, 200)}): ` +
        "pass --from-block with the block the Safe's guard was installed in.",
    );
  }
  return logs.map((l) => treasuryGuardViews.parseLog(l)!).filter(Boolean);
}

const pendingOf = (p: PendingChange): Pending => ({ id: p.id, state: p.state, eta: p.eta, expiresAt: p.expiresAt });

export async function readPolicy(provider: Provider, safe: string, fromBlock = 0): Promise<PolicyView> {
  const queueGuard = await guardOf(provider, safe);
  const guard = await queueGuard.getAddress();
  const views = new Contract(guard, treasuryGuardViews, provider);
  const [policy, capped, logs, pending] = await Promise.all([
    queueGuard.policy(safe),
    views.getCappedAssets(safe) as Promise<string[]>,
    guardLogs(provider, guard, safe, fromBlock, ["RecipientChanged", "TrustedTargetChanged", "TrustedSelectorChanged"]),
    pendingPolicyChanges(provider, safe),
  ]);

  const capAssets = new Set(capped.map((a) => getAddress(a)));
  for (const p of pending) if (p.change.kind === "cap") capAssets.add(p.change.asset);
  const caps = await Promise.all(
    [...capAssets].map(async (asset): Promise<CapView> => {
      const [info, cap, [available, next]] = await Promise.all([
        describeAsset(provider, asset),
        views.capOf(safe, asset) as Promise<bigint>,
        views.remaining(safe, asset) as Promise<[bigint, bigint]>,
      ]);
      return {
        asset,
        symbol: info.symbol,
        decimals: info.decimals,
        cap,
        available: cap === 0n ? 0n : available,
        nextIncreaseAt: next === 0n ? null : Number(next),
        pending: pending.flatMap((p) =>
          p.change.kind === "cap" && p.change.asset === asset ? [{ ...pendingOf(p), cap: p.change.cap }] : [],
        ),
      };
    }),
  );

  const recipientSet = new Set<string>();
  const targetSet = new Map<string, { target: string; selector?: string }>();
  const addTarget = (target: string, selector?: string) =>
    targetSet.set(`${target}/${selector ?? ""}`, { target: getAddress(target), selector });
  for (const l of logs) {
    if (l.name === "RecipientChanged") recipientSet.add(getAddress(l.args[1]));
    else if (l.name === "TrustedTargetChanged") addTarget(l.args[1]);
    else addTarget(l.args[1], String(l.args[2]));
  }
  for (const { change } of pending) {
    if (change.kind === "recipient") recipientSet.add(change.recipient);
    if (change.kind === "target") addTarget(change.target);
    if (change.kind === "selector") addTarget(change.target, change.selector);
  }

  const recipients = (
    await Promise.all(
      [...recipientSet].map(async (address) => ({
        address,
        allowed: (await views.isRecipient(safe, address)) as boolean,
        pending: pending.flatMap((p) =>
          p.change.kind === "recipient" && p.change.recipient === address
            ? [{ ...pendingOf(p), allowed: p.change.allowed }]
            : [],
        ),
      })),
    )
  ).filter((r) => r.allowed || r.pending.length > 0);

  const targets = (
    await Promise.all(
      [...targetSet.values()].map(async ({ target, selector }) => ({
        target,
        ...(selector === undefined ? {} : { selector }),
        trusted: (selector === undefined
          ? await views.isTrustedTarget(safe, target)
          : await views.isTrustedSelector(safe, target, selector)) as boolean,
        pending: pending.flatMap((p) =>
          (p.change.kind === "target" && selector === undefined && p.change.target === target) ||
          (p.change.kind === "selector" && p.change.target === target && p.change.selector === selector)
            ? [{ ...pendingOf(p), trusted: p.change.trusted }]
            : [],
        ),
      })),
    )
  ).filter((t) => t.trusted || t.pending.length > 0);

  return {
    safe: getAddress(safe),
    guard,
    delay: Number(policy.delay),
    expiry: Number(policy.expiry),
    recoveryModule: policy.recoveryModule as string,
    offchainSignatures: policy.offchainSignatures as boolean,
    caps,
    recipients,
    targets,
    pending,
  };
}

/**
 * The policy as a part of `safe:info` (lib/info InfoPart): what `--check` compares (caps per asset in base units,
 * recipients, targets as "target" or "target:selector", delay, expiry, recovery module, off-chain signatures), and
 * what moves by itself (capacity left, queued changes). Nothing for a Safe without the TreasuryGuard.
 */
export async function policyInfo(
  hre: HardhatRuntimeEnvironment,
  info: { configuration: { safe: string } },
): Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }> {
  let view: PolicyView;
  try {
    view = await readPolicy(hre.ethers.provider, info.configuration.safe);
  } catch (error) {
    if (error instanceof UserError) return {};
    throw error;
  }
  return {
    configuration: { policy: policyConfiguration(view) },
    state: {
      capacity: view.caps.map((c) => ({
        asset: c.asset,
        symbol: c.symbol,
        available: c.available.toString(),
        nextIncreaseAt: c.nextIncreaseAt,
      })),
      queuedPolicyChanges: view.pending.map((p) => ({
        ...p,
        change: JSON.parse(toJson(p.change)) as Record<string, unknown>,
      })),
    },
  };
}
