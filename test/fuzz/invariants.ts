import { ZeroAddress } from "ethers";

import { DAY, type Model, type Outcome } from "./model";
import { fungibleAssets, guardAssets, type Snapshot } from "./snapshot";
import type { World } from "./world";

/**
 * The five invariants of issue 13, stated from the treasury's point of view and checked on chain state after every
 * step, whatever the step was and whether it reverted. Each check returns a sentence naming what broke, or
 * undefined. `FUZZ_INVARIANTS` (e.g. "2" or "1,3") restricts the run to some of them: the mutation check proves that
 * each invariant alone finds the mutation aimed at it.
 */

export interface StepFacts {
  /** "owner" / "module": a Safe transaction judged by the guard's hooks; "execute": a queued one; else other. */
  kind: "owner" | "module" | "execute" | "veto" | "jump" | "final";
  /** The step ran through the guard's hooks (the guard was the transaction guard, or the module guard). */
  guarded: boolean;
  /** The step ran a transaction queued in the guard that waited its delay. */
  queued: boolean;
  /** A module transaction of the recovery module that only changes owners or threshold (docs/policy.md). */
  recoveryOwnerChange: boolean;
  /** Whether the chain transaction reverted; whether the Safe's call inside it failed (safeTxGas, modules). */
  reverted: boolean;
  innerFailed: boolean;
  /** The model's verdict (owner and module steps), and the guard error class the chain returned, if any. */
  expected?: Outcome;
  guardError?: Outcome | "other";
  /** The error a queue(tx) call inside the step must revert with (tx forbidden or malformed), if any. */
  innerRevert?: Outcome;
  /** The model's expectation for execute and veto steps. */
  expectedRevert?: boolean;
  /** Block time of the step's transaction, and the account that sent it (it pays gas). */
  t: bigint;
  sender?: string;
  /** Contracts that emitted a log in the step (their holdings are read again). */
  logged?: Set<string>;
}

/** Instant outflows measured on chain (not as the guard counts them), per asset. */
export type Measured = Map<string, { t: bigint; amount: bigint }[]>;

export function enabledInvariants(): Set<number> {
  const raw = process.env.FUZZ_INVARIANTS;
  if (!raw) return new Set([1, 2, 3, 4, 5]);
  return new Set(raw.split(",").map((x) => Number(x.trim())));
}

const big = (s: string | undefined) => (s === undefined || s === "revert" ? 0n : BigInt(s));

/** 1. Nothing leaves the Safe, and no allowance, NFT approval or operator goes, to a non-whitelisted address. */
export function checkNoLeak(w: World, pre: Snapshot, post: Snapshot, whitelist: Set<string>, facts: StepFacts) {
  if (!facts.guarded || facts.queued) return undefined;
  const safe = w.safeAddress.toLowerCase();
  for (const p of w.parties.map((x) => x.toLowerCase())) {
    if (whitelist.has(p) || p === safe) continue;
    const keys = [
      `eth:${p}`,
      `multi:${p}`,
      ...[w.tokenA, w.tokenB, w.hook].flatMap((t) => [`bal:${t.toLowerCase()}:${p}`, `allow:${t.toLowerCase()}:${p}`]),
    ];
    for (const key of keys) {
      if (big(post.get(key)) > big(pre.get(key)))
        return `1: ${key} rose from ${pre.get(key)} to ${post.get(key)} (not whitelisted)`;
    }
    for (const key of [`operator:${p}`, `nftAll:${p}`, `multiAll:${p}`]) {
      if (post.get(key) === "true" && pre.get(key) !== "true") return `1: ${key} granted to a non-whitelisted address`;
    }
  }
  for (const key of [...pre.keys()].filter((k) => k.startsWith("nftOwner:") || k.startsWith("nftApproved:"))) {
    const now = post.get(key)!;
    if (now !== pre.get(key) && now !== safe && now !== ZeroAddress && !whitelist.has(now)) {
      return `1: ${key} went from ${pre.get(key)} to ${now} (not whitelisted)`;
    }
  }
  return undefined;
}

/** 2. In every 24-hour interval, each capped asset's outflow executed without the queue is at most its cap. */
export function checkCaps(w: World, pre: Snapshot, post: Snapshot, model: Model, measured: Measured, facts: StepFacts) {
  if (!facts.guarded || facts.queued) return undefined;
  for (const p of w.parties.map((x) => x.toLowerCase())) {
    if (post.get(`operator:${p}`) === "true" && pre.get(`operator:${p}`) !== "true") {
      return `2: an ERC777 operator (${p}) was authorized without the queue: it can move any amount`;
    }
  }
  for (const asset of fungibleAssets(w).map((a) => a.toLowerCase())) {
    const balanceKey = asset === ZeroAddress ? "eth:safe" : `bal:${asset}:safe`;
    let out = big(pre.get(balanceKey)) - big(post.get(balanceKey));
    if (out < 0n) out = 0n;
    if (asset !== ZeroAddress) {
      for (const p of w.parties.map((x) => x.toLowerCase())) {
        const grown = big(post.get(`allow:${asset}:${p}`)) - big(pre.get(`allow:${asset}:${p}`));
        if (grown > 0n) out += grown;
      }
    }
    if (out === 0n) continue;
    const list = measured.get(asset) ?? [];
    list.push({ t: facts.t, amount: out });
    measured.set(asset, list);
    const inDay = list.filter((s) => s.t > facts.t - DAY).reduce((a, s) => a + s.amount, 0n);
    const cap = model.capOf(asset);
    if (inDay > cap) return `2: ${inDay} of ${asset} left without the queue within 24h; the cap is ${cap}`;
  }
  return undefined;
}

const CONFIG_KEYS = [
  "safe:owners",
  "safe:threshold",
  "safe:modules",
  "safe:guard",
  "safe:moduleGuard",
  "safe:fallback",
  "safe:slot0",
];

/** 3. Owners, threshold, modules, guards, fallback handler and slot 0 change only through the queue (or recovery). */
export function checkConfig(pre: Snapshot, post: Snapshot, facts: StepFacts) {
  if (!facts.guarded || facts.queued) return undefined;
  for (const key of CONFIG_KEYS) {
    if (facts.recoveryOwnerChange && (key === "safe:owners" || key === "safe:threshold")) continue;
    if (pre.get(key) !== post.get(key))
      return `3: ${key} changed from ${pre.get(key)} to ${post.get(key)} without the queue`;
  }
  return undefined;
}

/** Keys that change with time alone or with a failed call's bookkeeping; the model checks them instead. */
function volatile(key: string, facts: StepFacts): boolean {
  return (
    key === "time" ||
    key.startsWith("guard:remaining:") ||
    key.startsWith("guard:queue:") ||
    (facts.sender !== undefined && key === `eth:${facts.sender.toLowerCase()}`) ||
    (facts.innerFailed && key === "safe:nonce")
  );
}

/** 4. The guard agrees with the model (verdicts, capacity, policy, queue), and a refused or failed step changes nothing. */
export function checkModel(w: World, pre: Snapshot, post: Snapshot, model: Model, facts: StepFacts) {
  if (facts.expected !== undefined && facts.guarded) {
    if (facts.expected !== "instant" && !facts.reverted)
      return `4: the guard let through a transaction the model classifies ${facts.expected}`;
    if (
      facts.expected === "instant" &&
      facts.reverted &&
      facts.guardError !== "other" &&
      facts.guardError !== facts.innerRevert
    ) {
      return `4: the guard refused (${facts.guardError}) a transaction the model classifies instant`;
    }
    if (facts.expected !== "instant" && facts.reverted && facts.guardError !== facts.expected) {
      return `4: the guard refused with ${facts.guardError}, the model expects ${facts.expected}`;
    }
  }
  if (
    facts.expectedRevert !== undefined &&
    facts.expectedRevert !== facts.reverted &&
    (facts.kind === "veto" || facts.expectedRevert)
  ) {
    return `4: ${facts.kind} ${facts.reverted ? "reverted" : "succeeded"}; the model expects the opposite`;
  }
  if (facts.reverted || facts.innerFailed) {
    for (const [key, value] of post) {
      if (volatile(key, facts) || !pre.has(key)) continue;
      if (pre.get(key) !== value) return `4: a refused or failed step changed ${key} from ${pre.get(key)} to ${value}`;
    }
  }
  const t = BigInt(post.get("time")!);
  const expected = new Map<string, string>();
  expected.set(
    "guard:policy",
    [
      model.delay,
      model.expiry,
      model.cancelStreak,
      BigInt(model.queue.length),
      model.recoveryModule,
      model.offchainSignatures,
      model.activityEpoch,
    ].join(","),
  );
  for (const asset of guardAssets(w).map((a) => a.toLowerCase())) {
    expected.set(`guard:cap:${asset}`, String(model.capOf(asset)));
    expected.set(`guard:remaining:${asset}`, String(model.available(asset, t)));
  }
  for (const p of w.parties.map((x) => x.toLowerCase())) {
    expected.set(`guard:recipient:${p}`, String(model.recipients.has(p)));
    expected.set(`guard:trusted:${p}`, String(model.trustedTargets.has(p)));
  }
  for (const key of model.touchedSelectors)
    expected.set(`guard:selector:${key}`, String(model.trustedSelectors.has(key)));
  model.queue.forEach((_, id) => expected.set(`guard:queue:${id}`, String(model.queueState(id, t))));
  for (const [key, value] of expected) {
    if (post.has(key) && post.get(key) !== value)
      return `4: ${key} is ${post.get(key)} on chain, ${value} in the model`;
  }
  const capped = [...model.caps]
    .filter(([, c]) => c !== 0n)
    .map(([a]) => a)
    .sort();
  const listed = (post.get("guard:assets") ?? "")
    .split(",")
    .filter((x) => x !== "")
    .sort();
  if (capped.join(",") !== listed.join(","))
    return `4: capped assets are [${listed}] on chain, [${capped}] in the model`;
  return undefined;
}
