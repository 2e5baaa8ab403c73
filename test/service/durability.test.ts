import { expect } from "chai";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import fc from "fast-check";

import { safeTxHashes } from "../../lib/safe/hashes";
import { safeTxOf } from "../../lib/safe/prevalidated";
import { proposalBody } from "../../lib/safe/service";
import { localAccountKeys } from "../../lib/signer";
import { hermetic } from "../fixtures/hermetic";
import { deployTestSafe } from "../fixtures/safe";
import { rpcServer } from "../fixtures/service";

/**
 * An acknowledged write is never lost: the service runs as a child process on one SQLite file and is killed with
 * SIGKILL at random moments while clients send proposals and confirmations; after every restart the file passes
 * PRAGMA integrity_check, every acknowledged proposal and confirmation is there, and nothing is half-written (every
 * stored proposal carries its proposer's confirmation, written in the same transaction).
 */

const KILLS = 24;
const PROPOSALS = 800;
const CLIENTS = 8;

interface Op {
  kind: "propose" | "confirm";
  key: string;
  url: string;
  body: unknown;
}

async function startChild(rpcUrl: string, db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "service/main.ts",
      "--rpc-url",
      rpcUrl,
      "--db",
      db,
      "--port",
      "0",
      "--poll-ms",
      "200",
    ],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`service did not start: ${out}${err}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+\/api)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`service exited with ${code}: ${out}${err}`)));
  });
  return { child, url };
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

describe("Embedded transaction service durability @service", function () {
  hermetic();
  this.timeout(600_000);

  it(`loses no acknowledged write across ${KILLS} SIGKILLs and leaves no half-written one`, async function () {
    const { address: safe, owners: ownerSigners } = await deployTestSafe({ ownerCount: 3, threshold: 2 });
    const owners = await Promise.all(ownerSigners.map((o) => o.getAddress()));
    const keys = localAccountKeys(hre, 3); // the owners' keys, to sign many SafeTx hashes quickly
    expect(keys.map((k) => k.address)).to.deep.equal(owners);
    const { chainId } = await hre.ethers.provider.getNetwork();
    const ops: Op[] = [];
    for (let nonce = 0; nonce < PROPOSALS; nonce++) {
      const fields = safeTxOf({ to: owners[nonce % 3], value: BigInt(nonce + 1) }, BigInt(nonce));
      const hash = safeTxHashes(safe, "1.5.0", chainId, fields).hash;
      const signatures = keys.map((k) => k.signingKey.sign(hash).serialized);
      ops.push({
        kind: "propose",
        key: hash,
        url: `/v2/safes/${safe}/multisig-transactions/`,
        body: proposalBody(fields, hash, owners[0], signatures[0]),
      });
      for (const i of [1, 2]) {
        ops.push({
          kind: "confirm",
          key: `${hash}/${owners[i]}`,
          url: `/v1/multisig-transactions/${hash}/confirmations/`,
          body: { signature: signatures[i] },
        });
      }
    }

    const rpc = await rpcServer();
    const dir = mkdtempSync(join(tmpdir(), "tx-service-kill-"));
    const db = join(dir, "service.sqlite");
    const acked = new Set<string>();
    const seed = Number(process.env.DURABILITY_SEED ?? Date.now() % 100_000);
    const delays = fc.sample(fc.integer({ min: 10, max: 300 }), { numRuns: KILLS, seed });
    let acknowledgedWrites = 0;
    let killedUnderLoad = 0;
    try {
      for (let round = 0; round <= KILLS; round++) {
        const { child, url } = await startChild(rpc.url, db);
        try {
          // After a restart: every acknowledged write is there.
          for (const key of acked) {
            const [hash, owner] = key.split("/");
            const response = await fetch(`${url}/v2/multisig-transactions/${hash}/`);
            expect(response.status, `round ${round} (seed ${seed}): ${hash}`).to.equal(200);
            if (owner) {
              const tx = (await response.json()) as { confirmations: { owner: string }[] };
              expect(
                tx.confirmations.map((c) => c.owner),
                `round ${round} (seed ${seed}): ${key}`,
              ).to.include(owner);
            }
          }
          if (round === KILLS) break;
          // Clients send what is not yet acknowledged (confirmations once their proposal is), in parallel.
          const todo = ops.filter(
            (op) => !acked.has(op.key) && (op.kind === "propose" || acked.has(op.key.split("/")[0])),
          );
          let next = 0;
          const client = async () => {
            while (next < todo.length) {
              const op = todo[next++];
              try {
                const response = await fetch(url + op.url, {
                  method: "POST",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify(op.body),
                });
                if (response.status === 201) {
                  acked.add(op.key);
                  acknowledgedWrites += 1;
                } else {
                  throw new Error(`${op.kind} answered ${response.status}: ${await response.text()}`);
                }
              } catch (error) {
                if ((error as Error).message.includes("answered")) throw error;
                return; // the connection died with the service
              }
            }
          };
          const load = Promise.all(Array.from({ length: CLIENTS }, client));
          await new Promise((resolve) => setTimeout(resolve, delays[round]));
          await killed(child);
          await load;
          if (next < todo.length) killedUnderLoad += 1;
        } finally {
          await killed(child);
        }
        // Between lives: the file is intact and nothing is half-written.
        const file = new Database(db);
        try {
          expect(file.pragma("integrity_check", { simple: true }), `round ${round}`).to.equal("ok");
          const orphans = file
            .prepare(
              `SELECT t.safe_tx_hash FROM multisig_transactions t WHERE NOT EXISTS
               (SELECT 1 FROM confirmations c WHERE c.safe_tx_hash = t.safe_tx_hash AND c.owner = t.proposer)`,
            )
            .all();
          expect(orphans, `round ${round}: proposals without their proposer's confirmation`).to.deep.equal([]);
          expect(file.pragma("foreign_key_check")).to.deep.equal([]);
        } finally {
          file.close();
        }
      }
      expect(acknowledgedWrites, "the load reached the service").to.be.greaterThan(KILLS);
      expect(killedUnderLoad, "kills that hit the service while clients were still sending").to.be.at.least(KILLS / 2);
      console.log(
        `      ${acknowledgedWrites} acknowledged writes, ${killedUnderLoad} of ${KILLS} kills under load ` +
          `(seed ${seed}): all found after every restart`,
      );
    } finally {
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
