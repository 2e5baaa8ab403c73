import { decodeMultiSendData } from "@safe-global/protocol-kit";
import { getAddress } from "ethers";
import type { Provider } from "ethers";

import { canonicalAddresses, SAFE_VERSIONS } from "../safe/canonical";
import type { QueueStateName } from "./policy";
import { readQueue, type QueueItem } from "./queue";
import { treasuryGuardInterface } from "../abi";

/** The policy changes a Safe's guard queue holds: each queued guard call decoded into the change it makes. */

export type PolicyChange =
  | { kind: "cap"; asset: string; cap: bigint }
  | { kind: "recipient"; recipient: string; allowed: boolean }
  | { kind: "target"; target: string; trusted: boolean }
  | { kind: "selector"; target: string; selector: string; trusted: boolean }
  | { kind: "delay"; seconds: number }
  | { kind: "expiry"; seconds: number }
  | { kind: "recovery-module"; module: string }
  | { kind: "offchain-signatures"; allowed: boolean };

/** A policy change waiting in the guard's queue: executable from `eta` until `expiresAt` (unix seconds). */
export interface PendingChange {
  id: number;
  state: QueueStateName;
  eta: number;
  expiresAt: number;
  change: PolicyChange;
}

const MULTI_SEND_CALL_ONLY = new Set(
  SAFE_VERSIONS.map((v) => canonicalAddresses(v).multiSendCallOnly?.toLowerCase()).filter(Boolean),
);

/** The guard calls a queued transaction makes: the item itself, or the guard entries of a MultiSendCallOnly batch. */
function guardCallsOf(item: QueueItem, guard: string): string[] {
  if (getAddress(item.to) === guard) return [item.data];
  if (item.operation !== 1 || !MULTI_SEND_CALL_ONLY.has(item.to.toLowerCase())) return [];
  try {
    return decodeMultiSendData(item.data)
      .filter((e) => getAddress(e.to) === guard)
      .map((e) => e.data);
  } catch {
    return []; // not a batch the guard would run
  }
}

/** The policy change a call to the guard makes, or undefined for other guard calls (queue, cancel, ...). */
export function decodePolicyChange(data: string): PolicyChange | undefined {
  let parsed;
  try {
    parsed = treasuryGuardInterface.parseTransaction({ data });
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const a = parsed.args;
  switch (parsed.name) {
    case "setCap":
      return { kind: "cap", asset: getAddress(a[0]), cap: a[1] as bigint };
    case "setRecipient":
      return { kind: "recipient", recipient: getAddress(a[0]), allowed: a[1] as boolean };
    case "setTrustedTarget":
      return { kind: "target", target: getAddress(a[0]), trusted: a[1] as boolean };
    case "setTrustedSelector":
      return { kind: "selector", target: getAddress(a[0]), selector: String(a[1]), trusted: a[2] as boolean };
    case "setDelay":
      return { kind: "delay", seconds: Number(a[0]) };
    case "setExpiry":
      return { kind: "expiry", seconds: Number(a[0]) };
    case "setRecoveryModule":
      return { kind: "recovery-module", module: getAddress(a[0]) };
    case "setOffchainSignatures":
      return { kind: "offchain-signatures", allowed: a[0] as boolean };
    default:
      return undefined;
  }
}

/** The policy changes waiting (or ready) in the guard's queue of `safe`. */
export async function pendingPolicyChanges(provider: Provider, safe: string): Promise<PendingChange[]> {
  const { guard, items } = await readQueue(provider, safe);
  return items
    .filter((i) => i.state === "waiting" || i.state === "ready")
    .flatMap((i) =>
      guardCallsOf(i, guard)
        .map(decodePolicyChange)
        .filter((c): c is PolicyChange => c !== undefined)
        .map((change) => ({ id: i.id, state: i.state, eta: i.eta, expiresAt: i.expiresAt, change })),
    );
}
