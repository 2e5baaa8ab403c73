import Database from "better-sqlite3";
import type { Database as Db, Statement } from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Worker } from "node:worker_threads";

/**
 * The service's SQLite file: WAL with synchronous=FULL (a write is on disk before the HTTP answer), a schema
 * version and forward migrations, prepared statements only. Every request's writes run in one `store.tx(...)`.
 */

const MIGRATIONS: string[] = [
  // 1: proposals, confirmations, delegates, messages, executions, the guard's queue events, indexer progress.
  `
  CREATE TABLE safes (
    address TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    indexed_from INTEGER             -- first block the indexer scanned for this Safe (NULL: not yet backfilled)
  );
  CREATE TABLE multisig_transactions (
    safe_tx_hash TEXT PRIMARY KEY,
    safe TEXT NOT NULL,
    "to" TEXT NOT NULL,
    value TEXT NOT NULL,
    data TEXT,
    operation INTEGER NOT NULL,
    safe_tx_gas TEXT NOT NULL,
    base_gas TEXT NOT NULL,
    gas_price TEXT NOT NULL,
    gas_token TEXT NOT NULL,
    refund_receiver TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    proposer TEXT,
    proposed_by_delegate TEXT,
    origin TEXT NOT NULL,
    trusted INTEGER NOT NULL,
    submission_date TEXT NOT NULL,
    modified TEXT NOT NULL,
    indexed_block INTEGER              -- set for executions found on chain that were never proposed
  );
  CREATE INDEX multisig_transactions_safe_nonce ON multisig_transactions (safe, nonce);
  CREATE TABLE confirmations (
    safe_tx_hash TEXT NOT NULL REFERENCES multisig_transactions (safe_tx_hash) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_type TEXT NOT NULL,
    submission_date TEXT NOT NULL,
    PRIMARY KEY (safe_tx_hash, owner)
  );
  CREATE TABLE executions (
    safe_tx_hash TEXT PRIMARY KEY,
    safe TEXT NOT NULL,
    nonce INTEGER,
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    transaction_hash TEXT NOT NULL,
    execution_date TEXT NOT NULL,
    is_successful INTEGER NOT NULL,
    executor TEXT NOT NULL,
    signatures TEXT,
    gas_used INTEGER,
    eth_gas_price TEXT,
    fee TEXT,
    payment TEXT
  );
  CREATE INDEX executions_safe_nonce ON executions (safe, nonce);
  CREATE INDEX executions_block ON executions (block_number);
  CREATE TABLE delegates (
    safe TEXT NOT NULL,                -- '' for a delegate of every Safe of the delegator
    delegate TEXT NOT NULL,
    delegator TEXT NOT NULL,
    label TEXT NOT NULL,
    expiry_date TEXT,
    PRIMARY KEY (safe, delegate, delegator)
  );
  CREATE TABLE messages (
    message_hash TEXT PRIMARY KEY,
    safe TEXT NOT NULL,
    message TEXT NOT NULL,             -- JSON: a string or EIP-712 typed data
    proposed_by TEXT NOT NULL,
    safe_app_id INTEGER,
    origin TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
  );
  CREATE INDEX messages_safe ON messages (safe, created);
  CREATE TABLE message_confirmations (
    message_hash TEXT NOT NULL REFERENCES messages (message_hash) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_type TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (message_hash, owner)
  );
  CREATE TABLE guard_events (
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    transaction_hash TEXT NOT NULL,
    guard TEXT NOT NULL,
    safe TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,                -- queued | executed | vetoed | cancelled
    payload TEXT NOT NULL,             -- JSON of the event's other fields
    block_time INTEGER NOT NULL,
    PRIMARY KEY (block_number, log_index)
  );
  CREATE INDEX guard_events_safe ON guard_events (safe, id);
  CREATE TABLE indexed_blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
  );
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface TxRow {
  safe_tx_hash: string;
  safe: string;
  to: string;
  value: string;
  data: string | null;
  operation: number;
  safe_tx_gas: string;
  base_gas: string;
  gas_price: string;
  gas_token: string;
  refund_receiver: string;
  nonce: number;
  proposer: string | null;
  proposed_by_delegate: string | null;
  origin: string;
  trusted: number;
  submission_date: string;
  modified: string;
  indexed_block: number | null;
  // from executions (LEFT JOIN)
  block_number: number | null;
  transaction_hash: string | null;
  execution_date: string | null;
  is_successful: number | null;
  executor: string | null;
  signatures: string | null;
  gas_used: number | null;
  eth_gas_price: string | null;
  fee: string | null;
}

export interface ConfirmationRow {
  safe_tx_hash: string;
  owner: string;
  signature: string;
  signature_type: string;
  submission_date: string;
}

export interface ExecutionRow {
  safe_tx_hash: string;
  safe: string;
  nonce: number | null;
  block_number: number;
  log_index: number;
  transaction_hash: string;
  execution_date: string;
  is_successful: number;
  executor: string;
  signatures: string | null;
  gas_used: number | null;
  eth_gas_price: string | null;
  fee: string | null;
  payment: string | null;
}

export interface DelegateRow {
  safe: string;
  delegate: string;
  delegator: string;
  label: string;
  expiry_date: string | null;
}

export interface MessageRow {
  message_hash: string;
  safe: string;
  message: string;
  proposed_by: string;
  safe_app_id: number | null;
  origin: string | null;
  created: string;
  modified: string;
}

export interface MessageConfirmationRow {
  message_hash: string;
  owner: string;
  signature: string;
  signature_type: string;
  created: string;
}

export interface GuardEventRow {
  block_number: number;
  log_index: number;
  transaction_hash: string;
  guard: string;
  safe: string;
  id: string;
  kind: string;
  payload: string;
  block_time: number;
}

/** The filters of a transaction list; null means "not filtered". */
export interface TxFilter {
  safe: string;
  executed: number | null;
  trusted: number | null;
  nonce: number | null;
  nonceGte: number | null;
  nonceGt: number | null;
  nonceLte: number | null;
  nonceLt: number | null;
  hasConfirmations: number | null;
  limit: number;
  offset: number;
}

/** Orderings a client may ask for, each a fixed prepared statement (the service never builds SQL from input). */
export const TX_ORDERINGS = {
  "-nonce": "t.nonce DESC, t.submission_date DESC",
  nonce: "t.nonce ASC, t.submission_date ASC",
  "-created": "t.submission_date DESC",
  created: "t.submission_date ASC",
  "-modified": "t.modified DESC",
  modified: "t.modified ASC",
  "-execution_date": "e.execution_date DESC",
  execution_date: "e.execution_date ASC",
  "-nonce,-created": "t.nonce DESC, t.submission_date DESC",
  "nonce,created": "t.nonce ASC, t.submission_date ASC",
} as const;
export type TxOrdering = keyof typeof TX_ORDERINGS;

const TX_SELECT = `
  SELECT t.*, e.block_number, e.transaction_hash, e.execution_date, e.is_successful, e.executor, e.signatures,
         e.gas_used, e.eth_gas_price, e.fee
  FROM multisig_transactions t LEFT JOIN executions e ON e.safe_tx_hash = t.safe_tx_hash AND e.safe = t.safe`;

const TX_WHERE = `
  WHERE t.safe = @safe
    AND (@executed IS NULL OR (e.safe_tx_hash IS NOT NULL) = @executed)
    AND (@trusted IS NULL OR t.trusted = @trusted)
    AND (@nonce IS NULL OR t.nonce = @nonce)
    AND (@nonceGte IS NULL OR t.nonce >= @nonceGte)
    AND (@nonceGt IS NULL OR t.nonce > @nonceGt)
    AND (@nonceLte IS NULL OR t.nonce <= @nonceLte)
    AND (@nonceLt IS NULL OR t.nonce < @nonceLt)
    AND (@hasConfirmations IS NULL OR
         (EXISTS (SELECT 1 FROM confirmations c WHERE c.safe_tx_hash = t.safe_tx_hash)) = @hasConfirmations)`;

/** The checkpoint worker's code (a string, so it runs the same under ts-node and compiled). */
const CHECKPOINTER = `
  const { workerData, parentPort } = require("node:worker_threads");
  const Database = require(workerData.module);
  const db = new Database(workerData.file);
  db.pragma("busy_timeout = 5000");
  const timer = setInterval(() => {
    try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
  }, 500);
  parentPort.on("message", () => {
    clearInterval(timer);
    db.close();
    Atomics.store(workerData.closed, 0, 1);
    Atomics.notify(workerData.closed, 0);
    parentPort.close();
  });
`;

export class Store {
  readonly db: Db;
  private checkpointer: Worker | undefined;
  private checkpointerClosed: Int32Array | undefined;
  private readonly s: Record<string, Statement>;
  private readonly listByOrdering: Record<TxOrdering, Statement>;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
    if (file !== ":memory:") {
      // WAL checkpoints copy the log into the database file and fsync it: run on the request path (SQLite's
      // automatic checkpoint), that stalls whichever commit crosses the threshold for tens of milliseconds. A worker
      // thread with its own connection checkpoints instead, every 500 ms, without blocking requests.
      this.db.pragma("wal_autocheckpoint = 0");
      this.checkpointerClosed = new Int32Array(new SharedArrayBuffer(4));
      this.checkpointer = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: { file, module: require.resolve("better-sqlite3"), closed: this.checkpointerClosed },
      });
      this.checkpointer.unref();
    }
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      addSafe: p("INSERT OR IGNORE INTO safes (address, first_seen) VALUES (?, ?)"),
      safes: p("SELECT address, indexed_from FROM safes ORDER BY address"),
      hasSafe: p("SELECT 1 FROM safes WHERE address = ?"),
      setIndexedFrom: p("UPDATE safes SET indexed_from = ? WHERE address = ?"),
      tx: p(`${TX_SELECT} WHERE t.safe_tx_hash = ?`),
      insertTx: p(`INSERT OR IGNORE INTO multisig_transactions
        (safe_tx_hash, safe, "to", value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver,
         nonce, proposer, proposed_by_delegate, origin, trusted, submission_date, modified, indexed_block)
        VALUES (@safe_tx_hash, @safe, @to, @value, @data, @operation, @safe_tx_gas, @base_gas, @gas_price, @gas_token,
         @refund_receiver, @nonce, @proposer, @proposed_by_delegate, @origin, @trusted, @submission_date, @modified,
         @indexed_block)`),
      trust: p("UPDATE multisig_transactions SET trusted = 1, modified = ? WHERE safe_tx_hash = ? AND trusted = 0"),
      touch: p("UPDATE multisig_transactions SET modified = ? WHERE safe_tx_hash = ?"),
      confirmations: p("SELECT * FROM confirmations WHERE safe_tx_hash = ? ORDER BY submission_date, owner"),
      insertConfirmation: p(`INSERT OR IGNORE INTO confirmations
        (safe_tx_hash, owner, signature, signature_type, submission_date) VALUES (?, ?, ?, ?, ?)`),
      executionAtNonce: p("SELECT * FROM executions WHERE safe = ? AND nonce = ? ORDER BY block_number LIMIT 1"),
      insertExecution: p(`INSERT OR REPLACE INTO executions
        (safe_tx_hash, safe, nonce, block_number, log_index, transaction_hash, execution_date, is_successful, executor,
         signatures, gas_used, eth_gas_price, fee, payment)
        VALUES (@safe_tx_hash, @safe, @nonce, @block_number, @log_index, @transaction_hash, @execution_date,
         @is_successful, @executor, @signatures, @gas_used, @eth_gas_price, @fee, @payment)`),
      count: p(`SELECT COUNT(*) AS n, COUNT(DISTINCT t.nonce) AS u FROM multisig_transactions t
        LEFT JOIN executions e ON e.safe_tx_hash = t.safe_tx_hash AND e.safe = t.safe ${TX_WHERE}`),
      delegatesOf: p(`SELECT * FROM delegates WHERE (safe = ? OR safe = '') AND delegate = ?
        AND (expiry_date IS NULL OR expiry_date > ?)`),
      findDelegates: p(`SELECT * FROM delegates
        WHERE (@safe IS NULL OR safe = @safe) AND (@delegate IS NULL OR delegate = @delegate)
          AND (@delegator IS NULL OR delegator = @delegator) AND (@label IS NULL OR label = @label)
        ORDER BY safe, delegate, delegator LIMIT @limit OFFSET @offset`),
      countDelegates: p(`SELECT COUNT(*) AS n FROM delegates
        WHERE (@safe IS NULL OR safe = @safe) AND (@delegate IS NULL OR delegate = @delegate)
          AND (@delegator IS NULL OR delegator = @delegator) AND (@label IS NULL OR label = @label)`),
      upsertDelegate: p(`INSERT INTO delegates (safe, delegate, delegator, label, expiry_date)
        VALUES (@safe, @delegate, @delegator, @label, @expiry_date)
        ON CONFLICT (safe, delegate, delegator) DO UPDATE SET label = excluded.label, expiry_date = excluded.expiry_date`),
      deleteDelegate: p(`DELETE FROM delegates WHERE delegate = @delegate AND delegator = @delegator
        AND (@safe IS NULL OR safe = @safe)`),
      message: p("SELECT * FROM messages WHERE message_hash = ?"),
      messagesOf: p("SELECT * FROM messages WHERE safe = ? ORDER BY created DESC LIMIT ? OFFSET ?"),
      countMessages: p("SELECT COUNT(*) AS n FROM messages WHERE safe = ?"),
      insertMessage: p(`INSERT OR IGNORE INTO messages
        (message_hash, safe, message, proposed_by, safe_app_id, origin, created, modified)
        VALUES (@message_hash, @safe, @message, @proposed_by, @safe_app_id, @origin, @created, @modified)`),
      touchMessage: p("UPDATE messages SET modified = ? WHERE message_hash = ?"),
      messageConfirmations: p("SELECT * FROM message_confirmations WHERE message_hash = ? ORDER BY created, owner"),
      insertMessageConfirmation: p(`INSERT OR IGNORE INTO message_confirmations
        (message_hash, owner, signature, signature_type, created) VALUES (?, ?, ?, ?, ?)`),
      insertGuardEvent: p(`INSERT OR IGNORE INTO guard_events
        (block_number, log_index, transaction_hash, guard, safe, id, kind, payload, block_time)
        VALUES (@block_number, @log_index, @transaction_hash, @guard, @safe, @id, @kind, @payload, @block_time)`),
      guardEvents: p("SELECT * FROM guard_events WHERE safe = ? AND guard = ? ORDER BY block_number, log_index"),
      meta: p("SELECT value FROM meta WHERE key = ?"),
      setMeta: p("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      blockHash: p("SELECT hash FROM indexed_blocks WHERE number = ?"),
      recentBlocks: p("SELECT number, hash FROM indexed_blocks ORDER BY number DESC LIMIT ?"),
      addBlock: p("INSERT OR REPLACE INTO indexed_blocks (number, hash) VALUES (?, ?)"),
      pruneBlocks: p("DELETE FROM indexed_blocks WHERE number < ?"),
      dropBlocksFrom: p("DELETE FROM indexed_blocks WHERE number >= ?"),
      dropExecutionsFrom: p("DELETE FROM executions WHERE block_number >= ?"),
      dropIndexedTxsFrom: p("DELETE FROM multisig_transactions WHERE indexed_block >= ?"),
      dropGuardEventsFrom: p("DELETE FROM guard_events WHERE block_number >= ?"),
    };
    this.listByOrdering = Object.fromEntries(
      Object.entries(TX_ORDERINGS).map(([key, order]) => [
        key,
        p(`${TX_SELECT} ${TX_WHERE} ORDER BY ${order} LIMIT @limit OFFSET @offset`),
      ]),
    ) as Record<TxOrdering, Statement>;
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = this.db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `The database is at schema version ${current}, newer than this service (${MIGRATIONS.length}): ` +
          "run the newer service, or point --db at another file.",
      );
    }
    this.tx(() => {
      for (let v = current; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]);
      if (row) this.db.prepare("UPDATE schema_version SET version = ?").run(MIGRATIONS.length);
      else this.db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(MIGRATIONS.length);
    });
  }

  /** Runs `fn` in one IMMEDIATE transaction: all its writes land together or none do. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private pending: { fn: () => unknown; resolve(value: unknown): void; reject(error: unknown): void }[] = [];

  /**
   * Group commit for requests: `fn` runs in its own savepoint, so its writes land together or not at all, inside
   * one transaction shared with the other requests that arrived in the same turn of the event loop; the promise
   * settles after that transaction's COMMIT, i.e. after the one fsync that makes all of them durable
   * (synchronous=FULL). A request is therefore answered only once its writes are on disk, and a burst of N
   * requests costs one fsync instead of N.
   */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: { ok: boolean; value?: unknown; error?: unknown }[] = [];
    try {
      this.tx(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(item.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i].ok ? item.resolve(outcomes[i].value) : item.reject(outcomes[i].error)));
  }

  /** Closes the checkpoint worker's connection first (waiting for it), so this one, the last, ends the WAL. */
  close(): void {
    if (this.checkpointer && this.checkpointerClosed) {
      this.checkpointer.postMessage("close");
      Atomics.wait(this.checkpointerClosed, 0, 0, 10_000);
      this.checkpointer = undefined;
    }
    this.db.close();
  }

  addSafe(address: string, now: string): void {
    this.s.addSafe.run(address, now);
  }
  hasSafe(address: string): boolean {
    return this.s.hasSafe.get(address) !== undefined;
  }
  safes(): { address: string; indexed_from: number | null }[] {
    return this.s.safes.all() as { address: string; indexed_from: number | null }[];
  }
  setIndexedFrom(address: string, block: number): void {
    this.s.setIndexedFrom.run(block, address);
  }

  getTx(hash: string): TxRow | undefined {
    return this.s.tx.get(hash) as TxRow | undefined;
  }
  insertTx(row: Omit<TxRow, keyof ExecutionColumns>): boolean {
    return this.s.insertTx.run(row).changes > 0;
  }
  trust(hash: string, now: string): void {
    this.s.trust.run(now, hash);
  }
  touch(hash: string, now: string): void {
    this.s.touch.run(now, hash);
  }
  listTxs(filter: TxFilter, ordering: TxOrdering): TxRow[] {
    return this.listByOrdering[ordering].all(filter) as TxRow[];
  }
  countTxs(filter: TxFilter): { n: number; u: number } {
    const { limit: _l, offset: _o, ...where } = filter;
    void _l;
    void _o;
    return this.s.count.get(where) as { n: number; u: number };
  }
  confirmations(hash: string): ConfirmationRow[] {
    return this.s.confirmations.all(hash) as ConfirmationRow[];
  }
  insertConfirmation(c: ConfirmationRow): boolean {
    return (
      this.s.insertConfirmation.run(c.safe_tx_hash, c.owner, c.signature, c.signature_type, c.submission_date).changes >
      0
    );
  }
  executionAtNonce(safe: string, nonce: number): ExecutionRow | undefined {
    return this.s.executionAtNonce.get(safe, nonce) as ExecutionRow | undefined;
  }
  insertExecution(row: ExecutionRow): void {
    this.s.insertExecution.run(row);
  }

  delegatesOf(safe: string, delegate: string, now: string): DelegateRow[] {
    return this.s.delegatesOf.all(safe, delegate, now) as DelegateRow[];
  }
  findDelegates(q: DelegateQuery): DelegateRow[] {
    return this.s.findDelegates.all(q) as DelegateRow[];
  }
  countDelegates(q: DelegateQuery): number {
    const { limit: _l, offset: _o, ...where } = q;
    void _l;
    void _o;
    return (this.s.countDelegates.get(where) as { n: number }).n;
  }
  upsertDelegate(row: DelegateRow): void {
    this.s.upsertDelegate.run(row);
  }
  deleteDelegate(delegate: string, delegator: string, safe: string | null): number {
    return this.s.deleteDelegate.run({ delegate, delegator, safe }).changes;
  }

  message(hash: string): MessageRow | undefined {
    return this.s.message.get(hash) as MessageRow | undefined;
  }
  messagesOf(safe: string, limit: number, offset: number): MessageRow[] {
    return this.s.messagesOf.all(safe, limit, offset) as MessageRow[];
  }
  countMessages(safe: string): number {
    return (this.s.countMessages.get(safe) as { n: number }).n;
  }
  /** False when a message with that hash exists (another request added it first). */
  insertMessage(row: MessageRow): boolean {
    return this.s.insertMessage.run(row).changes > 0;
  }
  touchMessage(hash: string, now: string): void {
    this.s.touchMessage.run(now, hash);
  }
  messageConfirmations(hash: string): MessageConfirmationRow[] {
    return this.s.messageConfirmations.all(hash) as MessageConfirmationRow[];
  }
  insertMessageConfirmation(c: MessageConfirmationRow): boolean {
    return (
      this.s.insertMessageConfirmation.run(c.message_hash, c.owner, c.signature, c.signature_type, c.created).changes >
      0
    );
  }

  insertGuardEvent(row: GuardEventRow): void {
    this.s.insertGuardEvent.run(row);
  }
  guardEvents(safe: string, guard: string): GuardEventRow[] {
    return this.s.guardEvents.all(safe, guard) as GuardEventRow[];
  }

  meta(key: string): string | undefined {
    return (this.s.meta.get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }
  blockHash(n: number): string | undefined {
    return (this.s.blockHash.get(n) as { hash: string } | undefined)?.hash;
  }
  recentBlocks(limit: number): { number: number; hash: string }[] {
    return this.s.recentBlocks.all(limit) as { number: number; hash: string }[];
  }
  addBlock(n: number, hash: string, keep: number): void {
    this.s.addBlock.run(n, hash);
    this.s.pruneBlocks.run(n - keep);
  }
  /** Forgets everything indexed from block `n` on (a re-org replaced those blocks). */
  rollbackFrom(n: number): void {
    this.s.dropBlocksFrom.run(n);
    this.s.dropExecutionsFrom.run(n);
    this.s.dropIndexedTxsFrom.run(n);
    this.s.dropGuardEventsFrom.run(n);
  }
}

type ExecutionColumns = Pick<
  TxRow,
  | "block_number"
  | "transaction_hash"
  | "execution_date"
  | "is_successful"
  | "executor"
  | "signatures"
  | "gas_used"
  | "eth_gas_price"
  | "fee"
>;

export interface DelegateQuery {
  safe: string | null;
  delegate: string | null;
  delegator: string | null;
  label: string | null;
  limit: number;
  offset: number;
}
