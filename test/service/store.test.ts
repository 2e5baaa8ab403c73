import { expect } from "chai";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SCHEMA_VERSION, Store } from "../../service/store";

const row = (n: number) => ({
  safe: "",
  delegate: `0x${n.toString(16).padStart(40, "0")}`,
  delegator: "0x00000000000000000000000000000000000000aa",
  label: `d${n}`,
  expiry_date: null,
});

describe("Embedded transaction service store @service", function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), "tx-store-"));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("commits a burst of requests together; a failing one rolls back alone and the others land", async function () {
    const store = new Store(join(dir, "s.sqlite"));
    try {
      const results = await Promise.allSettled([
        store.write(() => store.upsertDelegate(row(1))),
        store.write(() => {
          store.upsertDelegate(row(2));
          throw new Error("refused half-way");
        }),
        store.write(() => {
          store.upsertDelegate(row(3));
          return "third";
        }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect((results[2] as PromiseFulfilledResult<string>).value).to.equal("third");
      const q = { safe: null, delegate: null, delegator: row(1).delegator, label: null, limit: 10, offset: 0 };
      expect(store.findDelegates(q).map((d) => d.label)).to.deep.equal(["d1", "d3"]);
    } finally {
      store.close();
    }
  });

  it("migrates a new file to the current schema and refuses a file from a newer service", function () {
    const file = join(dir, "s.sqlite");
    new Store(file).close();
    const raw = new Database(file);
    expect(raw.prepare("SELECT version FROM schema_version").get()).to.deep.equal({ version: SCHEMA_VERSION });
    expect(raw.pragma("journal_mode", { simple: true })).to.equal("wal");
    raw.prepare("UPDATE schema_version SET version = ?").run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => new Store(file)).to.throw(/newer than this service/);
  });
});
