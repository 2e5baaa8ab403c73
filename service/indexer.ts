import { Contract, dataSlice, getAddress, zeroPadValue } from "ethers";
import type { Log, TransactionReceipt, TransactionResponse } from "ethers";

import { safeTxHashes } from "../lib/safe/hashes";
import type { SafeTxFields } from "../lib/summary/types";
import type { ServiceContext } from "./context";
import type { ExecutionRow, GuardEventRow } from "./store";
import { safeExecInterface, safeReadInterface, treasuryGuardQueueEvents } from "../lib/abi";

/**
 * Follows the chain by polling: ExecutionSuccess/ExecutionFailure of every Safe the service knows mark proposals
 * executed (or record executions nobody proposed, so `executed=true` is the Safe's real history), and the
 * TreasuryGuard's queue events feed the guard-queue extension. Progress is stored with the data it covers, in one
 * SQLite transaction per step, so a restart resumes where the last step ended. The hashes of the last `reorgDepth`
 * indexed blocks are kept; when the chain no longer has one of them (a re-org, or a fork reverted to a snapshot),
 * everything indexed from the first differing block on is forgotten and read again.
 */

const EXEC_SELECTOR = safeExecInterface.getFunction("execTransaction")!.selector;
const SUCCESS = safeExecInterface.getEvent("ExecutionSuccess")!.topicHash;
const FAILURE = safeExecInterface.getEvent("ExecutionFailure")!.topicHash;
const L2_TX = safeExecInterface.getEvent("SafeMultiSigTransaction")!.topicHash;
const GUARD_KINDS: Record<string, GuardEventRow["kind"]> = {
  [treasuryGuardQueueEvents.getEvent("TransactionQueued")!.topicHash]: "queued",
  [treasuryGuardQueueEvents.getEvent("TransactionExecuted")!.topicHash]: "executed",
  [treasuryGuardQueueEvents.getEvent("TransactionVetoed")!.topicHash]: "vetoed",
  [treasuryGuardQueueEvents.getEvent("TransactionCancelled")!.topicHash]: "cancelled",
};

export interface IndexerOptions {
  /** Polling interval in ms (default 1,000). */
  pollIntervalMs?: number;
  /** Blocks kept for re-org detection (default 64). */
  reorgDepth?: number;
  /** First block to scan for a Safe's history (default 0). */
  fromBlock?: number;
  /** Most blocks read per step (default 5,000). */
  chunk?: number;
  onError?: (error: unknown) => void;
}

interface DecodedExecution {
  fields: SafeTxFields;
  signatures: string;
}

export class Indexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly pollIntervalMs: number;
  private readonly reorgDepth: number;
  private readonly fromBlock: number;
  private readonly chunk: number;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: IndexerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.reorgDepth = options.reorgDepth ?? 64;
    this.fromBlock = options.fromBlock ?? 0;
    this.chunk = options.chunk ?? 5000;
  }

  /** The last block whose events are stored (fromBlock - 1 before the first step). */
  lastBlock(): number {
    const value = this.ctx.store.meta("last_block");
    return value === undefined ? this.fromBlock - 1 : Number(value);
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.sync();
      } catch (error) {
        this.options.onError?.(error);
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.pollIntervalMs);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Indexes up to the chain's head now (steps run one at a time). */
  async sync(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.syncOnce();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async syncOnce(): Promise<void> {
    const provider = this.ctx.chain.provider;
    await this.detectReorg();
    const head = await provider.getBlockNumber();
    await this.backfill();
    for (let from = this.lastBlock() + 1; from <= head && !this.stopped; from = this.lastBlock() + 1) {
      const to = Math.min(head, from + this.chunk - 1);
      const safes = this.ctx.store.safes().map((s) => s.address);
      // The step must continue the indexed chain (its first block's parent is the last indexed block: a re-org
      // after this step's re-org check shows here), and its last block must keep its hash while its logs are read.
      // Otherwise nothing is written, and the next step's re-org check rolls back what changed.
      const last = await provider.getBlock(to);
      const first = from === to ? last : await provider.getBlock(from);
      const indexedParent = this.ctx.store.blockHash(from - 1);
      if (!last?.hash || !first || (indexedParent !== undefined && first.parentHash !== indexedParent)) return;
      const found = await this.scan(from, to, safes);
      if ((await provider.getBlock(to))?.hash !== last.hash) return;
      const hash = last.hash;
      this.ctx.store.tx(() => {
        this.write(found);
        this.ctx.store.addBlock(to, hash, this.reorgDepth);
        this.ctx.store.setMeta("last_block", String(to));
      });
    }
  }

  /**
   * Safes first seen after the indexer passed their history: scan it for all of them in one pass (anyone can have
   * the service follow a Safe by asking about it, so a pass per Safe would let many requests stall the indexer).
   */
  private async backfill(): Promise<void> {
    const last = this.lastBlock();
    const safes = this.ctx.store
      .safes()
      .filter((s) => s.indexed_from === null)
      .map((s) => s.address);
    if (safes.length === 0) return;
    const found: Found = { executions: [], transactions: [], guardEvents: [] };
    for (let from = this.fromBlock; from <= last && !this.stopped; from += this.chunk) {
      const part = await this.scan(from, Math.min(last, from + this.chunk - 1), safes);
      found.executions.push(...part.executions);
      found.transactions.push(...part.transactions);
      found.guardEvents.push(...part.guardEvents);
    }
    if (this.stopped) return;
    this.ctx.store.tx(() => {
      this.write(found);
      for (const safe of safes) this.ctx.store.setIndexedFrom(safe, this.fromBlock);
    });
  }

  private async detectReorg(): Promise<void> {
    const provider = this.ctx.chain.provider;
    const recent = this.ctx.store.recentBlocks(this.reorgDepth);
    if (recent.length === 0) return;
    let keep: number | undefined;
    for (const { number, hash } of recent) {
      const block = await provider.getBlock(number);
      if (block?.hash === hash) {
        keep = number;
        break;
      }
    }
    if (keep === recent[0].number) return;
    // Nothing matched: the re-org is deeper than the blocks kept; re-read everything.
    const from = keep === undefined ? this.fromBlock : keep + 1;
    this.ctx.store.tx(() => {
      this.ctx.store.rollbackFrom(from);
      if (keep === undefined) {
        for (const s of this.ctx.store.safes()) this.ctx.store.setIndexedFrom(s.address, this.fromBlock);
      }
      this.ctx.store.setMeta("last_block", String(from - 1));
    });
  }

  private async scan(from: number, to: number, safes: string[]): Promise<Found> {
    const found: Found = { executions: [], transactions: [], guardEvents: [] };
    if (safes.length === 0 || from > to) return found;
    const provider = this.ctx.chain.provider;
    const [executions, guardLogs] = await Promise.all([
      provider.getLogs({ fromBlock: from, toBlock: to, address: safes, topics: [[SUCCESS, FAILURE]] }),
      provider.getLogs({
        fromBlock: from,
        toBlock: to,
        topics: [Object.keys(GUARD_KINDS), safes.map((s) => zeroPadValue(s, 32))],
      }),
    ]);
    const times = new Map<number, number>();
    const timeOf = async (n: number) => {
      if (!times.has(n)) times.set(n, (await provider.getBlock(n))?.timestamp ?? 0);
      return times.get(n)!;
    };
    for (const log of guardLogs) found.guardEvents.push(await this.guardEvent(log, await timeOf(log.blockNumber)));
    const perBlock = new Map<string, number>();
    for (const log of executions) {
      const key = `${log.blockNumber}/${log.address}`;
      const earlier = perBlock.get(key) ?? 0;
      perBlock.set(key, earlier + 1);
      await this.execution(log, earlier, await timeOf(log.blockNumber), found);
    }
    return found;
  }

  private async guardEvent(log: Log, time: number): Promise<GuardEventRow> {
    const parsed = treasuryGuardQueueEvents.parseLog(log)!;
    const kind = GUARD_KINDS[log.topics[0]];
    const payload: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      if (input.name === "safe" || input.name === "id") return;
      const v = parsed.args[i];
      payload[input.name] =
        input.name === "outflows"
          ? (v as { asset: string; amount: bigint }[]).map((o) => ({ asset: o.asset, amount: o.amount.toString() }))
          : typeof v === "bigint"
            ? Number(v) <= Number.MAX_SAFE_INTEGER && input.name !== "value"
              ? Number(v)
              : v.toString()
            : v;
    });
    return {
      block_number: log.blockNumber,
      log_index: log.index,
      transaction_hash: log.transactionHash,
      guard: getAddress(log.address),
      safe: getAddress(parsed.args.safe as string),
      id: (parsed.args.id as bigint).toString(),
      kind,
      payload: JSON.stringify(payload),
      block_time: time,
    };
  }

  private async execution(log: Log, earlierInBlock: number, time: number, found: Found): Promise<void> {
    const provider = this.ctx.chain.provider;
    const safe = getAddress(log.address);
    const safeTxHash = log.topics[1].toLowerCase();
    const [tx, receipt] = await Promise.all([
      provider.getTransaction(log.transactionHash),
      provider.getTransactionReceipt(log.transactionHash),
    ]);
    if (!tx || !receipt) return;
    const known = this.ctx.store.getTx(safeTxHash);
    // A safeTxHash commits to its Safe's address (the EIP-712 domain), so no Safe emits another Safe's hash: a
    // "Safe" that does is a contract posing as one, and its log must not mark the real Safe's proposal executed.
    if (known && known.safe !== safe) return;
    let nonce = known?.nonce;
    const baseNonce = known
      ? undefined
      : Number(
          await new Contract(safe, safeReadInterface, provider).nonce({ blockTag: Math.max(0, log.blockNumber - 1) }),
        ) + earlierInBlock;
    const decoded = await this.decode(safe, safeTxHash, tx, receipt, log, known?.nonce ?? baseNonce!);
    if (decoded) nonce = Number(decoded.fields.nonce);
    const gasPrice = receipt.gasPrice ?? tx.gasPrice ?? 0n;
    found.executions.push({
      safe_tx_hash: safeTxHash,
      safe,
      nonce: nonce ?? null,
      block_number: log.blockNumber,
      log_index: log.index,
      transaction_hash: log.transactionHash,
      execution_date: new Date(time * 1000).toISOString(),
      is_successful: log.topics[0] === SUCCESS ? 1 : 0,
      executor: getAddress(tx.from),
      signatures: decoded?.signatures ?? null,
      gas_used: Number(receipt.gasUsed),
      eth_gas_price: gasPrice.toString(),
      fee: (receipt.gasUsed * gasPrice).toString(),
      payment: BigInt(dataSlice(log.data, 0, 32)).toString(),
    });
    if (!known && decoded) found.transactions.push({ safe, safeTxHash, block: log.blockNumber, ...decoded, time });
  }

  /**
   * The executed transaction's fields and signatures: from SafeL2's SafeMultiSigTransaction event, else from
   * execTransaction calldata found in the transaction's input (a direct call, or one embedded in a batch or a
   * relayer's call), accepted only if it hashes to the executed safeTxHash.
   */
  private async decode(
    safe: string,
    safeTxHash: string,
    tx: TransactionResponse,
    receipt: TransactionReceipt,
    log: Log,
    nonce: number,
  ): Promise<DecodedExecution | undefined> {
    const state = await this.ctx.chain.safeState(safe).catch(() => undefined);
    const version = state?.version ?? "1.5.0";
    const matches = (fields: SafeTxFields) =>
      safeTxHashes(safe, version, this.ctx.chainId, fields).hash.toLowerCase() === safeTxHash;
    const l2 = receipt.logs.find((l) => l.address === log.address && l.topics[0] === L2_TX && l.index < log.index);
    if (l2) {
      const args = safeExecInterface.parseLog(l2)!.args;
      const l2Nonce = BigInt(dataSlice(args.additionalInfo as string, 0, 32));
      const fields = toFields(args, l2Nonce);
      if (matches(fields)) return { fields, signatures: args.signatures as string };
    }
    const input = tx.data.toLowerCase();
    const selector = EXEC_SELECTOR.slice(2);
    for (let at = input.indexOf(selector, 2); at >= 0; at = input.indexOf(selector, at + 1)) {
      if ((at - 2) % 2 !== 0) continue;
      try {
        const args = safeExecInterface.decodeFunctionData("execTransaction", "0x" + input.slice(at));
        for (let n = nonce; n >= Math.max(0, nonce - 3); n--) {
          const fields = toFields(args, BigInt(n));
          if (matches(fields)) return { fields, signatures: args.signatures as string };
        }
      } catch {
        // not an execTransaction encoding at this offset
      }
    }
    return undefined;
  }

  private write(found: Found): void {
    for (const t of found.transactions) {
      this.ctx.store.addSafe(t.safe, this.ctx.now());
      this.ctx.store.insertTx({
        safe_tx_hash: t.safeTxHash,
        safe: t.safe,
        to: getAddress(t.fields.to),
        value: t.fields.value.toString(),
        data: t.fields.data === "0x" ? null : t.fields.data.toLowerCase(),
        operation: t.fields.operation,
        safe_tx_gas: t.fields.safeTxGas.toString(),
        base_gas: t.fields.baseGas.toString(),
        gas_price: t.fields.gasPrice.toString(),
        gas_token: getAddress(t.fields.gasToken),
        refund_receiver: getAddress(t.fields.refundReceiver),
        nonce: Number(t.fields.nonce),
        proposer: null,
        proposed_by_delegate: null,
        origin: "{}",
        trusted: 1,
        submission_date: new Date(t.time * 1000).toISOString(),
        modified: new Date(t.time * 1000).toISOString(),
        indexed_block: t.block,
      });
    }
    for (const e of found.executions) this.ctx.store.insertExecution(e);
    for (const g of found.guardEvents) this.ctx.store.insertGuardEvent(g);
  }
}

interface Found {
  executions: ExecutionRow[];
  transactions: (DecodedExecution & { safe: string; safeTxHash: string; block: number; time: number })[];
  guardEvents: GuardEventRow[];
}

function toFields(args: { [key: string]: unknown }, nonce: bigint): SafeTxFields {
  return {
    to: args.to as string,
    value: args.value as bigint,
    data: args.data as string,
    operation: Number(args.operation),
    safeTxGas: args.safeTxGas as bigint,
    baseGas: args.baseGas as bigint,
    gasPrice: args.gasPrice as bigint,
    gasToken: args.gasToken as string,
    refundReceiver: args.refundReceiver as string,
    nonce,
  };
}
