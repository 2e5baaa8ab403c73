import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { keyValues, table, toJson } from "./format";
import { readQueue, type QueueItem } from "./guard/queue";
import { apiKit } from "./safe/kit";
import { serviceRead } from "./safe/service";
import { readSafeState } from "./safe/state";
import { ZeroAddress } from "ethers";

/**
 * `safe:info`: everything about one treasury, read from the chain (and its pending proposals from the service).
 * `configuration` is the backup documentation: what reconstructs and audits the setup, compared by `--check`;
 * `state` is what moves by itself (nonce, queue, remaining capacity, activity) and is shown, not compared.
 */
export interface TreasuryInfo {
  format: "safe-treasury-info/1";
  configuration: {
    chainId: string;
    safe: string;
    version: string;
    singleton: string;
    owners: string[];
    threshold: number;
    modules: string[];
    guard: string;
    moduleGuard: string;
    fallbackHandler: string;
    [part: string]: unknown;
  };
  state: {
    block: number;
    readAt: string;
    nonce: string;
    queue: (Omit<QueueItem, "value"> & { value: string })[];
    pending: { nonce: string; safeTxHash: string; to: string; value: string; confirmations: string }[] | string;
    [part: string]: unknown;
  };
}

/** Parts of the picture owned by other layers (policy, allowances, recovery), each read by its own module. */
export type InfoPart = (
  hre: HardhatRuntimeEnvironment,
  info: TreasuryInfo,
) => Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }>;

export async function readTreasuryInfo(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  parts: InfoPart[] = [],
): Promise<TreasuryInfo> {
  const provider = hre.ethers.provider;
  const block = await provider.getBlock("latest");
  const s = await readSafeState(provider, safe, block!.number);
  const { chainId } = await provider.getNetwork();
  const guarded = s.guard !== ZeroAddress;
  const queue = guarded
    ? await readQueue(provider, s.address).then(
        (q) => q.items,
        () => [],
      )
    : [];
  const info: TreasuryInfo = {
    format: "safe-treasury-info/1",
    configuration: {
      chainId: chainId.toString(),
      safe: s.address,
      version: s.version,
      singleton: s.singleton,
      owners: s.owners,
      threshold: s.threshold,
      modules: s.modules,
      guard: s.guard,
      moduleGuard: s.moduleGuard,
      fallbackHandler: s.fallbackHandler,
    },
    state: {
      block: block!.number,
      readAt: new Date(block!.timestamp * 1000).toISOString(),
      nonce: s.nonce.toString(),
      queue: queue.map((q) => ({ ...q, value: q.value.toString() })),
      pending: await pendingOf(hre, s.address),
    },
  };
  for (const part of parts) {
    const found = await part(hre, info);
    Object.assign(info.configuration, found.configuration ?? {});
    Object.assign(info.state, found.state ?? {});
  }
  return info;
}

/** Pending proposals, or why they could not be listed (the chain's picture stands without the service). */
async function pendingOf(hre: HardhatRuntimeEnvironment, safe: string): Promise<TreasuryInfo["state"]["pending"]> {
  try {
    const api = await apiKit(hre);
    const pending = await serviceRead("list pending transactions", () => api.getPendingTransactions(safe));
    return pending.results.map((t) => ({
      nonce: t.nonce,
      safeTxHash: t.safeTxHash,
      to: t.to,
      value: t.value,
      confirmations: `${t.confirmations?.length ?? 0}/${t.confirmationsRequired}`,
    }));
  } catch (error) {
    return `not listed: ${(error as Error).message}`;
  }
}

/**
 * Every difference between a saved configuration and the chain's, one line each: lists of addresses as added and
 * removed entries, everything else as "saved X, now Y". Empty when they agree.
 */
export function diffConfiguration(saved: Record<string, unknown>, now: Record<string, unknown>, path = ""): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  for (const key of keys) {
    const at = path ? `${path}.${key}` : key;
    const [a, b] = [saved[key], now[key]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (a === undefined) lines.push(`${at}: not in the saved export, now ${text(b)}`);
    else if (b === undefined) lines.push(`${at}: saved ${text(a)}, now absent`);
    else if (isStringList(a) && isStringList(b)) {
      const lower = (l: string[]) => l.map((x) => x.toLowerCase());
      const added = b.filter((x) => !lower(a).includes(x.toLowerCase()));
      const removed = a.filter((x) => !lower(b).includes(x.toLowerCase()));
      const parts = [
        added.length ? `added ${added.join(", ")}` : "",
        removed.length ? `removed ${removed.join(", ")}` : "",
      ];
      lines.push(`${at}: ${parts.filter(Boolean).join("; ") || "same entries, new order: " + b.join(", ")}`);
    } else if (isRecord(a) && isRecord(b)) lines.push(...diffConfiguration(a, b, at));
    else if (Array.isArray(a) && Array.isArray(b)) {
      const records = (l: unknown[]) => Object.fromEntries(l.map((x, i) => [String(i), x]));
      lines.push(...diffConfiguration(records(a), records(b), at));
    } else lines.push(`${at}: saved ${text(a)}, now ${text(b)}`);
  }
  return lines;
}

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** The human form of safe:info: the Safe as aligned lines, every other part in turn, queue and pending as tables. */
export function formatInfo(info: TreasuryInfo): string {
  const c = info.configuration;
  const {
    safe,
    chainId,
    version,
    singleton,
    owners,
    threshold,
    modules,
    guard,
    moduleGuard,
    fallbackHandler,
    ...parts
  } = c;
  const sections = [
    keyValues([
      ["safe", `${safe} (chain ${chainId}, block ${info.state.block}, ${info.state.readAt})`],
      ["version", `${version}, singleton ${singleton}`],
      ["owners", `${threshold} of ${owners.length}: ${owners.join(", ")}`],
      ["nonce", info.state.nonce],
      ["guard", guard],
      ["module guard", moduleGuard],
      ["modules", modules.join(", ") || "(none)"],
      ["fallback handler", fallbackHandler],
    ]),
  ];
  for (const [name, value] of Object.entries(parts)) sections.push(`${name}:\n${toJson(value)}`);
  const { block: _b, readAt: _r, nonce: _n, queue, pending, ...stateParts } = info.state;
  void [_b, _r, _n];
  for (const [name, value] of Object.entries(stateParts)) sections.push(`${name}:\n${toJson(value)}`);
  sections.push(
    `queue:\n${table(queue.map((q) => ({ ...q, data: q.data.length > 10 ? `${q.data.slice(0, 10)}…` : q.data })))}`,
  );
  sections.push(`pending proposals:\n${typeof pending === "string" ? pending : table(pending)}`);
  return sections.join("\n\n");
}
