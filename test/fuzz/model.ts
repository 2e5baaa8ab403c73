import { getBytes, hexlify, Interface, ZeroAddress } from "ethers";

import { DAY, HOUR } from "../fixtures/constants";
import { windowAvailable } from "../fixtures/window";

/**
 * Reference model of the TreasuryGuard policy, written from docs/policy.md (not from the contract): what a Safe may
 * do instantly, what needs the queue, what is forbidden, what each instant transaction counts against the rolling
 * caps, and how the queue, vetoes and policy setters change the guard's state. The fuzzer runs each step on chain
 * and checks that the guard agrees with this model. Addresses are kept lower-case.
 */

export const ETH_ASSET = ZeroAddress;
export { DAY, HOUR };
export const MIN_DELAY = HOUR;
export const MAX_DELAY = 30n * DAY;

export type Outcome = "instant" | "delayed" | "forbidden" | "malformed";

export interface Tx {
  to: string;
  value: bigint;
  data: string;
  operation: number;
}

export interface Classified {
  outcome: Outcome;
  sums: Map<string, bigint>;
  innerRevert?: Outcome;
}

export interface QueueItem {
  tx: Tx;
  eta: bigint;
  expiresAt: bigint;
  vetoed: Set<string>;
  state: "queued" | "executed" | "cancelled";
}

/** Where the Safe's canonical libraries are (the policy names them by address). */
export interface Canonical {
  multiSendCallOnly150: string;
  multiSendCallOnly141: string;
  multiSendCallOnly130: string;
  multiSend: string[];
  safeLibraries: string[];
  /** Canonical addresses with no code on this chain: a DELEGATECALL to them succeeds and runs nothing. */
  undeployed: string[];
}

export const guardSetters = new Interface([
  "function setCap(address,uint256)",
  "function setRecipient(address,bool)",
  "function setTrustedTarget(address,bool)",
  "function setTrustedSelector(address,bytes4,bool)",
  "function setDelay(uint32)",
  "function setExpiry(uint32)",
  "function setRecoveryModule(address)",
  "function setOffchainSignatures(bool)",
  "function resetCancelStreak()",
  "function queue(address,uint256,bytes,uint8) returns (uint256)",
  "function cancel(uint256)",
]);

const sel = (signature: string) => guardSetters.getFunction(signature)!.selector;
const S = {
  setCap: sel("setCap"),
  setRecipient: sel("setRecipient"),
  setTrustedTarget: sel("setTrustedTarget"),
  setTrustedSelector: sel("setTrustedSelector"),
  setDelay: sel("setDelay"),
  setExpiry: sel("setExpiry"),
  setRecoveryModule: sel("setRecoveryModule"),
  setOffchainSignatures: sel("setOffchainSignatures"),
  resetCancelStreak: sel("resetCancelStreak"),
  queue: sel("queue"),
  cancel: sel("cancel"),
};

// Token selectors, spelled out from their signatures (docs/policy.md "How outflows are decoded").
const T = {
  transfer: "0xa9059cbb",
  transferFrom: "0x23b872dd",
  approve: "0x095ea7b3",
  increaseAllowance: "0x39509351",
  decreaseAllowance: "0xa457c2d7",
  safeTransferFrom721: "0x42842e0e",
  safeTransferFrom721Data: "0xb88d4fde",
  safeTransferFrom1155: "0xf242432a",
  safeBatchTransferFrom1155: "0x2eb2c2d6",
  setApprovalForAll: "0xa22cb465",
  send777: "0x9bd9bbc6",
  operatorSend777: "0x62ad1b83",
  authorizeOperator777: "0x959b8c3f",
  revokeOperator777: "0xfad8b32a",
  transferAndCall: "0x1296ee62",
  transferAndCallData: "0x4000aea0",
  transferFromAndCall: "0xd8fbe994",
  transferFromAndCallData: "0xc1d34b89",
  approveAndCall: "0x3177029f",
  approveAndCallData: "0xcae9ca51",
};
const AMOUNT_TO = [
  T.transfer,
  T.send777,
  T.transferAndCall,
  T.transferAndCallData,
  T.approve,
  T.increaseAllowance,
  T.approveAndCall,
  T.approveAndCallData,
];
const FROM_TO_AMOUNT = [T.transferFrom, T.transferFromAndCall, T.transferFromAndCallData, T.operatorSend777];
const NFT_TRANSFERS = [
  T.safeTransferFrom721,
  T.safeTransferFrom721Data,
  T.safeTransferFrom1155,
  T.safeBatchTransferFrom1155,
];
const MULTI_SEND = "0x8d80ff0a";
const OWNER_SELECTORS = ["0x0d582f13", "0xf8dc5dd9", "0xe318b52b", "0x694e80c3"];

const MASK160 = (1n << 160n) - 1n;

function word(data: Uint8Array, offset: number): bigint {
  let w = 0n;
  for (let i = 0; i < 32; i++) w = (w << 8n) | BigInt(offset + i < data.length ? data[offset + i] : 0);
  return w;
}
function addr(data: Uint8Array, offset: number): string {
  return "0x" + (word(data, offset) & MASK160).toString(16).padStart(40, "0");
}
function selectorOf(data: Uint8Array): string {
  return hexlify(data.slice(0, 4));
}

class Verdict {
  outcome: Outcome = "instant";
  /** A module transaction (not the owners'). */
  byModule = false;
  /** A queue(tx) call in the transaction whose tx is forbidden or malformed: queue() reverts with that error. */
  innerRevert?: Outcome;
  sums = new Map<string, bigint>();
  flag(outcome: "delayed" | "forbidden") {
    if (outcome === "forbidden" || this.outcome === "instant") this.outcome = outcome;
  }
  add(asset: string, amount: bigint) {
    this.sums.set(asset, (this.sums.get(asset) ?? 0n) + amount);
  }
}

class Malformed extends Error {}

/** One MultiSend entry: (operation, to, value, data), or undefined if the payload is malformed at this entry. */
export interface Entry {
  operation: number;
  to: string;
  value: bigint;
  data: Uint8Array;
}

/** The packed entries of multiSend(bytes), decoded as MultiSendCallOnly runs them; throws Malformed otherwise. */
function batchEntries(data: Uint8Array): Entry[] {
  if (data.length < 68 || word(data, 4) !== 0x20n) throw new Malformed();
  const length = word(data, 36);
  if (length > BigInt(data.length - 68)) throw new Malformed();
  const payload = data.slice(68, 68 + Number(length));
  const entries: Entry[] = [];
  let i = 0;
  while (i < payload.length) {
    const left = payload.length - i;
    if (left < 85 || payload[i] !== 0) throw new Malformed();
    const dataLength = word(payload, i + 53);
    if (dataLength > BigInt(left - 85)) throw new Malformed();
    entries.push({
      operation: 0,
      to: hexlify(payload.slice(i + 1, i + 21)),
      value: word(payload, i + 21),
      data: payload.slice(i + 85, i + 85 + Number(dataLength)),
    });
    i += 85 + Number(dataLength);
  }
  return entries;
}

export class Model {
  caps = new Map<string, bigint>();
  recipients = new Set<string>();
  trustedTargets = new Set<string>();
  trustedSelectors = new Set<string>();
  /** Every (target, selector) pair a step ever named, so the invariants compare them with the guard. */
  touchedSelectors = new Set<string>();
  delay: bigint;
  expiry: bigint;
  recoveryModule: string;
  offchainSignatures = false;
  cancelStreak = 0n;
  activityEpoch = 0n;
  queue: QueueItem[] = [];
  /** Instant outflows the guard counts, per asset: (time, amount). */
  counted = new Map<string, { t: bigint; amount: bigint }[]>();

  constructor(
    readonly safe: string,
    readonly guard: string,
    readonly canonical: Canonical,
    init: {
      caps: [string, bigint][];
      recipients: string[];
      trustedTargets: string[];
      delay: bigint;
      expiry: bigint;
      recoveryModule: string;
    },
  ) {
    this.safe = safe.toLowerCase();
    this.guard = guard.toLowerCase();
    for (const [a, c] of init.caps) this.caps.set(a.toLowerCase(), c);
    for (const r of init.recipients) this.recipients.add(r.toLowerCase());
    for (const t of init.trustedTargets) this.trustedTargets.add(t.toLowerCase());
    this.delay = init.delay;
    this.expiry = init.expiry;
    this.recoveryModule = init.recoveryModule.toLowerCase();
  }

  capOf(asset: string): bigint {
    return this.caps.get(asset.toLowerCase()) ?? 0n;
  }

  /** Capacity at time t: the cap minus what was counted in hours h-24 .. h (docs/policy.md "Rolling window"). */
  available(asset: string, t: bigint): bigint {
    return windowAvailable(this.capOf(asset), this.counted.get(asset.toLowerCase()) ?? [], t);
  }

  queueState(id: number, t: bigint): bigint {
    const item = this.queue[id];
    if (!item) return 0n;
    if (item.state === "executed") return 4n;
    if (item.state === "cancelled") return 5n;
    if (t < item.eta) return 1n;
    if (t < item.expiresAt) return 2n;
    return 3n;
  }

  // ------------------------------------------------------------------ classification

  /** The verdict the guard must reach for an owner transaction (gasPrice: the SafeTx field) at time t. */
  classifyOwnerTx(tx: Tx, gasPrice: bigint, t: bigint): Classified {
    if (gasPrice !== 0n) return { outcome: "forbidden", sums: new Map() };
    return this.classify(tx, t);
  }

  /** The verdict for a module transaction: the recovery module's owner changes pass uncounted. */
  classifyModuleTx(module: string, tx: Tx, t: bigint): Classified {
    if (module.toLowerCase() === this.recoveryModule && this.isOwnerManagement(tx)) {
      return { outcome: "instant", sums: new Map() };
    }
    return this.classify(tx, t, true);
  }

  /** Whether the Safe holds token id 0 of `token` (ownerOf(0)), set by the runner from the step's snapshot. */
  ownsTokenZero: (token: string) => boolean = () => false;

  classify(tx: Tx, t: bigint, byModule = false): Classified {
    const v = new Verdict();
    v.byModule = byModule;
    try {
      const data = getBytes(tx.data);
      if (tx.operation === 1) this.classifyDelegateCall(v, tx.to.toLowerCase(), data);
      else this.classifyCall(v, tx.to.toLowerCase(), tx.value, data);
    } catch (e) {
      if (e instanceof Malformed) return { outcome: "malformed", sums: new Map() };
      throw e;
    }
    for (const [asset, amount] of v.sums) if (amount > this.available(asset, t)) v.flag("delayed");
    return { outcome: v.outcome, sums: v.sums, innerRevert: v.innerRevert };
  }

  private msco(to: string): boolean {
    const c = this.canonical;
    return [c.multiSendCallOnly150, c.multiSendCallOnly141, c.multiSendCallOnly130].some((a) => a.toLowerCase() === to);
  }

  private classifyDelegateCall(v: Verdict, to: string, data: Uint8Array) {
    const c = this.canonical;
    if (this.msco(to)) {
      if (data.length < 4 || selectorOf(data) !== MULTI_SEND) return v.flag("forbidden");
      const zeroIsSafe = to === c.multiSendCallOnly150.toLowerCase();
      for (const e of batchEntries(data)) {
        let sub = e.to.toLowerCase();
        if (sub === ZeroAddress && zeroIsSafe) sub = this.safe;
        this.classifyCall(v, sub, e.value, e.data);
      }
    } else if (c.safeLibraries.some((a) => a.toLowerCase() === to)) {
      v.flag("delayed");
    } else {
      v.flag("forbidden"); // plain MultiSend and everything else
    }
  }

  private outflow(v: Verdict, asset: string, recipient: string, amount: bigint) {
    if (recipient === this.safe) return;
    if (!this.recipients.has(recipient)) v.flag("delayed");
    if (amount !== 0n) v.add(asset, amount);
  }

  private recipientCheck(v: Verdict, recipient: string) {
    if (recipient !== this.safe && !this.recipients.has(recipient)) v.flag("delayed");
  }

  private classifyCall(v: Verdict, to: string, value: bigint, data: Uint8Array) {
    if (to === this.safe) {
      if (data.length !== 0) v.flag("delayed"); // owners, modules, guards, handler, fallback: all privileged
      return;
    }
    if (value !== 0n) this.outflow(v, ETH_ASSET, to, value);
    // Modules may not call the guard at all, nor the recovery module (the owners' trust in its selectors).
    if (to === this.guard) return v.byModule ? v.flag("forbidden") : this.classifyGuardCall(v, data);
    if (data.length === 0) return;
    if (data.length >= 4 && this.classifyTokenCall(v, to, selectorOf(data), data)) return;
    if (v.byModule && to === this.recoveryModule) return v.flag("delayed");
    if (this.trustedTargets.has(to)) return;
    if (data.length >= 4 && this.trustedSelectors.has(`${to}:${selectorOf(data)}`)) return;
    v.flag("delayed");
  }

  private classifyTokenCall(v: Verdict, token: string, selector: string, data: Uint8Array): boolean {
    if (AMOUNT_TO.includes(selector)) {
      if (data.length < 68) return (v.flag("delayed"), true);
      const recipient = addr(data, 4);
      const amount = word(data, 36);
      // approve(x, 0) is a revocation only to address(0) or on a token the Safe capped (declared fungible).
      // ... unless the Safe holds that token's id 0 (ownerOf(0)): then it approves an NFT.
      if (
        selector === T.approve &&
        amount === 0n &&
        (recipient === ZeroAddress || (this.capOf(token) !== 0n && !this.ownsTokenZero(token)))
      )
        return true;
      this.outflow(v, token, recipient, amount);
    } else if (FROM_TO_AMOUNT.includes(selector)) {
      if (data.length < 100) return (v.flag("delayed"), true);
      const to = addr(data, 36);
      if (addr(data, 4) === this.safe) this.outflow(v, token, to, word(data, 68));
      else this.recipientCheck(v, to);
    } else if (NFT_TRANSFERS.includes(selector)) {
      if (data.length < 68) return (v.flag("delayed"), true);
      this.recipientCheck(v, addr(data, 36));
    } else if (selector === T.setApprovalForAll) {
      if (data.length < 68) return (v.flag("delayed"), true);
      if (word(data, 36) !== 0n) this.recipientCheck(v, addr(data, 4));
    } else if (selector === T.authorizeOperator777) {
      v.flag("delayed");
    } else if (selector === T.decreaseAllowance || selector === T.revokeOperator777) {
      // only tightens
    } else {
      return false;
    }
    return true;
  }

  /** Guard calls: tightening, queue, cancel and reset are instant; loosening is delayed; anything else forbidden. */
  private classifyGuardCall(v: Verdict, data: Uint8Array) {
    if (data.length < 4) return v.flag("forbidden");
    const s = selectorOf(data);
    const need = (n: number) => data.length >= n;
    let loosens = false;
    if (s === S.queue) {
      // queue() itself refuses forbidden and malformed transactions (the Safe's call then fails with that error).
      let inner: Tx | undefined;
      try {
        const [to, value, payload, operation] = guardSetters.decodeFunctionData("queue", hexlify(data));
        inner = { to: to as string, value: value as bigint, data: payload as string, operation: Number(operation) };
      } catch {
        return; // not decodable: the call reverts before the guard looks at it
      }
      const { outcome } = this.classify(inner, 0n);
      if ((outcome === "forbidden" || outcome === "malformed") && !v.innerRevert) v.innerRevert = outcome;
      return;
    }
    if (s === S.cancel || s === S.resetCancelStreak) return;
    if (s === S.setCap) {
      if (!need(68)) return v.flag("forbidden");
      loosens = word(data, 36) > this.capOf(addr(data, 4));
    } else if (s === S.setRecipient) {
      if (!need(68)) return v.flag("forbidden");
      loosens = word(data, 36) !== 0n && !this.recipients.has(addr(data, 4));
    } else if (s === S.setTrustedTarget) {
      if (!need(68)) return v.flag("forbidden");
      loosens = word(data, 36) !== 0n && !this.trustedTargets.has(addr(data, 4));
    } else if (s === S.setTrustedSelector) {
      if (!need(100)) return v.flag("forbidden");
      const selector = "0x" + word(data, 36).toString(16).padStart(64, "0").slice(0, 8);
      loosens = word(data, 68) !== 0n && !this.trustedSelectors.has(`${addr(data, 4)}:${selector}`);
    } else if (s === S.setDelay) {
      if (!need(36)) return v.flag("forbidden");
      loosens = word(data, 4) < this.delay;
    } else if (s === S.setExpiry) {
      if (!need(36)) return v.flag("forbidden");
      loosens = word(data, 4) > this.expiry;
    } else if (s === S.setRecoveryModule) {
      if (!need(36)) return v.flag("forbidden");
      const module = addr(data, 4);
      loosens = module !== ZeroAddress && module !== this.recoveryModule;
    } else if (s === S.setOffchainSignatures) {
      if (!need(36)) return v.flag("forbidden");
      loosens = word(data, 4) !== 0n && !this.offchainSignatures;
    } else {
      return v.flag("forbidden"); // hooks, execute, veto, unknown selectors
    }
    if (loosens) v.flag("delayed");
  }

  /** A module transaction that only changes owners or threshold (a CALL to the Safe or a batch of such calls). */
  isOwnerManagement(tx: Tx): boolean {
    const data = getBytes(tx.data);
    const isOwnerCall = (to: string, value: bigint, d: Uint8Array) =>
      to === this.safe && value === 0n && d.length >= 4 && OWNER_SELECTORS.includes(selectorOf(d));
    if (tx.operation === 0) return isOwnerCall(tx.to.toLowerCase(), tx.value, data);
    const to = tx.to.toLowerCase();
    if (!this.msco(to) || data.length < 68 || selectorOf(data) !== MULTI_SEND) return false;
    let entries: Entry[];
    try {
      entries = batchEntries(data);
    } catch {
      return false;
    }
    if (entries.length === 0) return false;
    const zeroIsSafe = to === this.canonical.multiSendCallOnly150.toLowerCase();
    return entries.every((e) => {
      const sub = e.to.toLowerCase() === ZeroAddress && zeroIsSafe ? this.safe : e.to.toLowerCase();
      return isOwnerCall(sub, e.value, e.data);
    });
  }

  // ------------------------------------------------------------------ effects

  /** The calls the Safe itself makes when `tx` runs (a MultiSendCallOnly batch runs each entry as the Safe). */
  safeCalls(tx: Tx): { to: string; value: bigint; data: Uint8Array }[] {
    const data = getBytes(tx.data);
    const to = tx.to.toLowerCase();
    if (tx.operation === 1) {
      if (!this.msco(to) || selectorOf(data) !== MULTI_SEND) return [];
      if (this.canonical.undeployed.some((a) => a.toLowerCase() === to)) return [];
      const zeroIsSafe = to === this.canonical.multiSendCallOnly150.toLowerCase();
      return batchEntries(data).map((e) => ({
        to: e.to.toLowerCase() === ZeroAddress && zeroIsSafe ? this.safe : e.to.toLowerCase(),
        value: e.value,
        data: e.data,
      }));
    }
    return [{ to, value: tx.value, data }];
  }

  /** Counts an instant transaction's outflows at time t. */
  count(sums: Map<string, bigint>, t: bigint) {
    for (const [asset, amount] of sums) {
      const list = this.counted.get(asset) ?? [];
      list.push({ t, amount });
      this.counted.set(asset, list);
    }
  }

  /** Applies the guard calls a successful Safe transaction made, in order, at time t. */
  applyEffects(tx: Tx, t: bigint) {
    for (const call of this.safeCalls(tx)) {
      if (call.to !== this.guard || call.data.length < 4) continue;
      const d = call.data;
      const s = selectorOf(d);
      if (s === S.setCap) this.caps.set(addr(d, 4), word(d, 36));
      else if (s === S.setRecipient) this.setFlag(this.recipients, addr(d, 4), word(d, 36));
      else if (s === S.setTrustedTarget) this.setFlag(this.trustedTargets, addr(d, 4), word(d, 36));
      else if (s === S.setTrustedSelector) {
        const key = `${addr(d, 4)}:0x${word(d, 36).toString(16).padStart(64, "0").slice(0, 8)}`;
        this.touchedSelectors.add(key);
        this.setFlag(this.trustedSelectors, key, word(d, 68));
      } else if (s === S.setDelay) this.delay = word(d, 4);
      else if (s === S.setExpiry) this.expiry = word(d, 4);
      else if (s === S.setRecoveryModule) this.recoveryModule = addr(d, 4);
      else if (s === S.setOffchainSignatures) this.offchainSignatures = word(d, 4) !== 0n;
      else if (s === S.resetCancelStreak) this.cancelStreak = 0n;
      else if (s === S.queue) {
        const [to, value, data, operation] = guardSetters.decodeFunctionData("queue", hexlify(d));
        const eta = t + this.delay;
        this.queue.push({
          tx: {
            to: (to as string).toLowerCase(),
            value: value as bigint,
            data: data as string,
            operation: Number(operation),
          },
          eta,
          expiresAt: eta + this.expiry,
          vetoed: new Set(),
          state: "queued",
        });
      } else if (s === S.cancel) {
        const item = this.queue[Number(word(d, 4))];
        if (item) item.state = "cancelled";
      }
    }
  }

  private setFlag(set: Set<string>, key: string, value: bigint) {
    if (value !== 0n) set.add(key);
    else set.delete(key);
  }

  /** A veto by `owner` at time t: "revert" if the guard must refuse it, else whether it cancels. */
  veto(id: number, owner: string, isOwner: boolean, threshold: bigint, t: bigint): "revert" | "vetoed" | "cancelled" {
    const item = this.queue[id];
    const state = this.queueState(id, t);
    if (!isOwner || !item || (state !== 1n && state !== 2n) || item.vetoed.has(owner.toLowerCase())) return "revert";
    item.vetoed.add(owner.toLowerCase());
    const rising = this.cancelStreak + 1n;
    const required = rising < threshold ? rising : threshold;
    if (BigInt(item.vetoed.size) >= required) {
      item.state = "cancelled";
      if (this.cancelStreak < 0xffffn) this.cancelStreak += 1n;
      return "cancelled";
    }
    return "vetoed";
  }
}

export { Malformed };
