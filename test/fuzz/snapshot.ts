import { Interface, ZeroAddress } from "ethers";
import type { Result } from "ethers";

import { GUARD_SLOT, MODULE_GUARD_SLOT, SENTINEL } from "../fixtures/constants";
import type { Model } from "./model";
import { FALLBACK_SLOT, hookIface, multiIface, nftIface, type World } from "./world";

/**
 * Everything the invariants look at, read on chain in one eth_call (FuzzProbe.readAll): balances, allowances, NFT
 * owners and approvals, operators, the Safe's configuration and storage slot 0, and the guard's policy and ledger.
 * A snapshot is a flat map from a key ("bal:<token>:<holder>", "safe:guard", ...) to a value as a string, so "nothing
 * changed" is a plain comparison.
 */
export type Snapshot = Map<string, string>;
const erc20View = new Interface([
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
]);
const safeView = new Interface([
  "function nonce() view returns (uint256)",
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function getModulesPaginated(address,uint256) view returns (address[],address)",
]);
// getStorageAt(offset, 1) returns bytes (not one word): read as a blob, the address is the word's low 20 bytes.
const storageIface = new Interface(["function getStorageAt(uint256,uint256) view returns (bytes)"]);
const probeView = new Interface([
  "function ethBalance(address) view returns (uint256)",
  "function timestamp() view returns (uint256)",
]);

/** One view: a single word ("uint", "bool", "address") or a blob (anything else, decoded with its ABI). */
interface Read {
  key: string;
  target: string;
  data: string;
  shape: "uint" | "bool" | "address" | "blob";
  decode?: (raw: string) => string;
}

export const NFT_IDS = [0n, 1n, 2n];
export const MULTI_ID = 7n;

export function fungibleAssets(w: World): string[] {
  return [ZeroAddress, w.tokenA, w.tokenB, w.hook];
}
/** Assets whose guard state (cap, remaining) is compared: the fungible ones and the NFT collection. */
export function guardAssets(w: World): string[] {
  return [...fungibleAssets(w), w.nft];
}

export function snapshotReads(w: World, model: Model): Read[] {
  const reads: Read[] = [];
  const add = (key: string, target: string, iface: Interface, fn: string, args: unknown[], shape: Read["shape"]) =>
    reads.push({ key, target, data: iface.encodeFunctionData(fn, args), shape });
  const blob = (
    key: string,
    target: string,
    iface: Interface,
    fn: string,
    args: unknown[],
    decode?: (out: Result) => string,
  ) =>
    reads.push({
      key,
      target,
      data: iface.encodeFunctionData(fn, args),
      shape: "blob",
      decode: (raw) => {
        if (raw === "0x") return "revert";
        const out = iface.decodeFunctionResult(fn, raw);
        return decode ? decode(out) : out.map((x) => String(x).toLowerCase()).join(",");
      },
    });
  const probe = w.probe.target as string;
  const safe = w.safeAddress;

  add("time", probe, probeView, "timestamp", [], "uint");
  add("eth:safe", probe, probeView, "ethBalance", [safe], "uint");
  for (const p of w.parties) add(`eth:${p.toLowerCase()}`, probe, probeView, "ethBalance", [p], "uint");
  for (const token of [w.tokenA, w.tokenB, w.hook]) {
    const t = token.toLowerCase();
    add(`bal:${t}:safe`, token, erc20View, "balanceOf", [safe], "uint");
    for (const p of w.parties) {
      add(`bal:${t}:${p.toLowerCase()}`, token, erc20View, "balanceOf", [p], "uint");
      add(`allow:${t}:${p.toLowerCase()}`, token, erc20View, "allowance", [safe, p], "uint");
    }
  }
  for (const p of w.parties) {
    const k = p.toLowerCase();
    add(`operator:${k}`, w.hook, hookIface, "isOperatorFor", [p, safe], "bool");
    add(`nftAll:${k}`, w.nft, nftIface, "isApprovedForAll", [safe, p], "bool");
    add(`multi:${k}`, w.multi, multiIface, "balanceOf", [p, MULTI_ID], "uint");
    add(`multiAll:${k}`, w.multi, multiIface, "isApprovedForAll", [safe, p], "bool");
  }
  add("multi:safe", w.multi, multiIface, "balanceOf", [safe, MULTI_ID], "uint");
  for (const id of NFT_IDS) {
    add(`nftOwner:${id}`, w.nft, nftIface, "ownerOf", [id], "address");
    add(`nftApproved:${id}`, w.nft, nftIface, "getApproved", [id], "address");
  }
  add("safe:nonce", safe, safeView, "nonce", [], "uint");
  add("safe:threshold", safe, safeView, "getThreshold", [], "uint");
  for (const [key, slot] of [
    ["safe:slot0", 0n],
    ["safe:guard", BigInt(GUARD_SLOT)],
    ["safe:moduleGuard", BigInt(MODULE_GUARD_SLOT)],
    ["safe:fallback", BigInt(FALLBACK_SLOT)],
  ] as const) {
    blob(key, safe, storageIface, "getStorageAt", [slot, 1], (out) => "0x" + (out[0] as string).slice(-40));
  }
  const g = w.guard.interface;
  for (const asset of guardAssets(w)) {
    const a = asset.toLowerCase();
    add(`guard:cap:${a}`, w.guardAddress, g, "capOf", [safe, asset], "uint");
    add(`guard:remaining:${a}`, w.guardAddress, g, "remaining", [safe, asset], "uint");
  }
  for (const p of w.parties) {
    const k = p.toLowerCase();
    add(`guard:recipient:${k}`, w.guardAddress, g, "isRecipient", [safe, p], "bool");
    add(`guard:trusted:${k}`, w.guardAddress, g, "isTrustedTarget", [safe, p], "bool");
  }
  for (const key of model.touchedSelectors) {
    const [target, selector] = key.split(":");
    add(`guard:selector:${key}`, w.guardAddress, g, "isTrustedSelector", [safe, target, selector], "bool");
  }
  for (let id = 0; id < model.queue.length; id++) {
    add(`guard:queue:${id}`, w.guardAddress, g, "queueState", [safe, id], "uint");
  }
  blob("safe:owners", safe, safeView, "getOwners", [], (out) => (out[0] as string[]).join(",").toLowerCase());
  blob("safe:modules", safe, safeView, "getModulesPaginated", [SENTINEL, 20], (out) =>
    (out[0] as string[]).join(",").toLowerCase(),
  );
  // lastActivity is left out: "nothing changed" allows an owner transaction whose call failed to record it.
  blob("guard:policy", w.guardAddress, g, "policy", [safe], (out) => {
    const p = out[0];
    return [
      p.delay,
      p.expiry,
      p.cancelStreak,
      p.queued,
      p.recoveryModule.toLowerCase(),
      p.offchainSignatures,
      p.activityEpoch,
    ].join(",");
  });
  blob("guard:assets", w.guardAddress, g, "getCappedAssets", [safe], (out) =>
    (out[0] as string[]).join(",").toLowerCase(),
  );
  return reads;
}

const probeIface = new Interface([
  "function snapshot((address target, bytes data)[] words, (address target, bytes data)[] blobs) view returns (uint256[] values, bool[] ok, bytes[] results)",
]);
const cache = new Map<string, { reads: Read[]; words: Read[]; blobs: Read[]; data: string }>();

/**
 * Reads that change with time alone, and ETH balances (the sender of a reverted transaction still pays gas; they cost
 * no call frame): what a reverted transaction leaves to read (the EVM undid the rest).
 */
const timeDependent = (r: Read) =>
  r.key === "time" ||
  r.key.startsWith("eth:") ||
  r.key.startsWith("guard:remaining:") ||
  r.key.startsWith("guard:queue:");

/**
 * The snapshot after a step whose transaction reverted: the EVM guarantees that nothing else changed (the sender only
 * paid gas), so only the views that depend on time are read again.
 */
export async function takeSnapshotAfterRevert(w: World, model: Model, pre: Snapshot): Promise<Snapshot> {
  const fresh = await takeSnapshot(w, model, timeDependent);
  const snap: Snapshot = new Map(pre);
  for (const [k, v] of fresh) snap.set(k, v);
  return snap;
}

/** The token contract whose state a key reads, if any. */
function tokenOfKey(w: World, key: string): string | undefined {
  const [kind, token] = key.split(":");
  if (kind === "bal" || kind === "allow") return token;
  if (kind === "operator") return w.hook.toLowerCase();
  if (kind === "nftAll" || kind === "nftOwner" || kind === "nftApproved") return w.nft.toLowerCase();
  if (kind === "multi" || kind === "multiAll") return w.multi.toLowerCase();
  return undefined;
}

/**
 * The snapshot after a step that ran: everything is read again except the holdings and approvals of token contracts
 * that emitted no log in the step (a token's balances, allowances, owners and approvals only change in calls to it,
 * and the test tokens log every such change). This keeps a snapshot to a few dozen calls.
 */
export async function takeSnapshotAfterRun(
  w: World,
  model: Model,
  pre: Snapshot,
  logged: Set<string>,
): Promise<Snapshot> {
  const fresh = await takeSnapshot(
    w,
    model,
    (r) => {
      const token = tokenOfKey(w, r.key);
      return token === undefined || logged.has(token);
    },
    [...logged].sort().join(),
  );
  const snap: Snapshot = new Map(pre);
  for (const [k, v] of fresh) snap.set(k, v);
  return snap;
}

export async function takeSnapshot(
  w: World,
  model: Model,
  only?: (r: Read) => boolean,
  onlyKey = "time",
): Promise<Snapshot> {
  // The reads only depend on the queue's length and the selectors named so far: encode them once per shape.
  const cacheKey = `${w.safeAddress}|${model.queue.length}|${[...model.touchedSelectors].join()}|${only ? onlyKey : "all"}`;
  let entry = cache.get(cacheKey);
  if (!entry) {
    const reads = snapshotReads(w, model).filter(only ?? (() => true));
    const words = reads.filter((r) => r.shape !== "blob");
    const blobs = reads.filter((r) => r.shape === "blob");
    const pack = (rs: Read[]) => rs.map((r) => [r.target, r.data]);
    entry = { reads, words, blobs, data: probeIface.encodeFunctionData("snapshot", [pack(words), pack(blobs)]) };
    cache.set(cacheKey, entry);
  }
  const raw = await w.probe.runner!.provider!.call({ to: w.probe.target as string, data: entry.data });
  const [values, ok, results] = probeIface.decodeFunctionResult("snapshot", raw) as unknown as [
    bigint[],
    boolean[],
    string[],
  ];
  const snap: Snapshot = new Map();
  entry.words.forEach((r, i) => {
    if (!ok[i]) return snap.set(r.key, "revert");
    const v = values[i];
    if (r.shape === "uint") snap.set(r.key, v.toString());
    else if (r.shape === "bool") snap.set(r.key, String(v !== 0n));
    else snap.set(r.key, "0x" + v.toString(16).padStart(64, "0").slice(24));
  });
  entry.blobs.forEach((r, i) => snap.set(r.key, r.decode!(results[i])));
  return snap;
}

export function ownersOf(s: Snapshot): string[] {
  const owners = s.get("safe:owners")!;
  return owners === "" ? [] : owners.split(",");
}
