/**
 * Embedded transaction service benchmark: the service runs as its own process (service/main.ts) on a fresh SQLite
 * file, reading this process's Hardhat chain over JSON-RPC like a `hardhat node`; autocannon drives 50 concurrent
 * connections on loopback with real signatures:
 *   1. proposals (each with its proposer's EIP-712 signature),
 *   2. mixed: the remaining proposals interleaved with confirmations of the first ones,
 *   3. confirmations of the rest (two owners each, every one recovered and checked against the owners): half as
 *      fast as the connections go, half at an offered rate of 1,000/s (the latency a steady load sees),
 *   4. reads: a transaction by hash and the pending list, for a fixed time.
 * Reported per phase: requests/s, p50/p99 latency, non-2xx answers; and the share of the service's CPU time spent
 * in signature recovery (recoveries x the measured cost of one, over the service process's CPU time).
 *
 *   npx hardhat run scripts/bench-service.ts        (BENCH_PROPOSALS=N to change the size; BENCH_JSON=1 for JSON)
 */
import autocannon from "autocannon";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { createSafe } from "../lib/safe/create";
import { safeTxHashes } from "../lib/safe/hashes";
import { safeTxOf } from "../lib/safe/prevalidated";
import { proposalBody } from "../lib/safe/service";
import { parseSignatures } from "../lib/safe/signatures";
import { localAccountKeys } from "../lib/signer";

const PROPOSALS = Number(process.env.BENCH_PROPOSALS ?? 4000);
const CONNECTIONS = 50;
const READ_SECONDS = 10;

interface Request {
  method: "POST" | "GET";
  path: string;
  body?: string;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function drive(url: string, requests: Request[], overallRate?: number) {
  let next = 0;
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: requests.length,
    ...(overallRate ? { overallRate } : {}),
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[next++ % requests.length];
          return { ...req, method: r.method, path: new URL(url).pathname + r.path, body: r.body };
        },
      },
    ],
  });
  return summary(result, Number(process.hrtime.bigint() - started) / 1e9);
}

/** requests/s over the measured wall time (autocannon's own duration is too coarse for runs of a few seconds). */
function summary(result: autocannon.Result, seconds: number) {
  return {
    requests: result.requests.total,
    perSecond: Math.round(result.requests.total / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  await bootstrapSafeContracts(hre);
  const signers = await hre.ethers.getSigners();
  const owners = await Promise.all(signers.slice(0, 3).map((s) => s.getAddress()));
  const safe = await createSafe(hre, { owners, threshold: 2, saltNonce: 0xbe9c4n });
  const keys = localAccountKeys(hre, 3);
  const { chainId } = await hre.ethers.provider.getNetwork();

  console.log(`signing ${PROPOSALS} proposals and ${2 * PROPOSALS} confirmations...`);
  const proposals: Request[] = [];
  const confirmations: Request[][] = [];
  const hashes: string[] = [];
  for (let nonce = 0; nonce < PROPOSALS; nonce++) {
    const fields = safeTxOf({ to: owners[nonce % 3], value: BigInt(nonce + 1) }, BigInt(nonce));
    const hash = safeTxHashes(safe, "1.5.0", chainId, fields).hash;
    hashes.push(hash);
    const [s0, s1, s2] = keys.map((k) => k.signingKey.sign(hash).serialized);
    proposals.push({
      method: "POST",
      path: `/v2/safes/${safe}/multisig-transactions/`,
      body: JSON.stringify(proposalBody(fields, hash, owners[0], s0)),
    });
    confirmations.push(
      [s1, s2].map((signature) => ({
        method: "POST" as const,
        path: `/v1/multisig-transactions/${hash}/confirmations/`,
        body: JSON.stringify({ signature }),
      })),
    );
  }

  // The cost of one recovery as the service does it, measured here.
  const sample = JSON.parse(proposals[0].body!).signature as string;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) parseSignatures(sample, hashes[0]);
  const recoveryMs = Number(process.hrtime.bigint() - t0) / 1e6 / 2000;

  const rpc = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await rpc.listen();
  const dir = mkdtempSync(join(tmpdir(), "bench-service-"));
  const child = spawn(
    process.execPath,
    [
      // BENCH_PROF=dir writes a V8 CPU profile of the service there.
      ...(process.env.BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROF] : []),
      "-r",
      "ts-node/register/transpile-only",
      "service/main.ts",
      "--rpc-url",
      `http://127.0.0.1:${port}`,
      "--db",
      join(dir, "bench.sqlite"),
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+\/api)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`service exited with ${code}`)));
    });
    const half = Math.floor(PROPOSALS / 2);
    const cpuStart = cpuSeconds(child.pid!);
    const phases: Record<string, ReturnType<typeof summary>> = {};
    phases.proposals = await drive(url, proposals.slice(0, half));
    const mixed: Request[] = [];
    for (let i = half; i < PROPOSALS; i++) mixed.push(proposals[i], confirmations[i - half][0]);
    phases.mixed = await drive(url, mixed);
    const rest = [
      ...confirmations.slice(0, PROPOSALS - half).map((c) => c[1]),
      ...confirmations.slice(PROPOSALS - half).flat(),
    ];
    const split = Math.floor(rest.length / 2);
    // As fast as 50 connections can go (latency is then mostly queueing), then at an offered 1,000/s.
    phases.confirmations = await drive(url, rest.slice(0, split));
    phases["confirmations at 1,000/s"] = await drive(url, rest.slice(split), 1000);
    const cpuWrites = cpuSeconds(child.pid!) - cpuStart;
    const recoveries = PROPOSALS * 3;
    let r = 0;
    const readsStarted = process.hrtime.bigint();
    const reads = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: READ_SECONDS,
      requests: [
        {
          setupRequest: (req) => {
            r += 1;
            const path =
              r % 4 === 0
                ? `/v2/safes/${safe}/multisig-transactions/?executed=false&nonce__gte=0&limit=20`
                : `/v2/multisig-transactions/${hashes[r % hashes.length]}/`;
            return { ...req, method: "GET", path: new URL(url).pathname + path };
          },
        },
      ],
    });
    phases.reads = summary(reads, Number(process.hrtime.bigint() - readsStarted) / 1e9);
    const report = {
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), shared by the chain, the service and the load generator`,
      proposals: PROPOSALS,
      connections: CONNECTIONS,
      phases,
      recovery: {
        msPerRecovery: Number(recoveryMs.toFixed(4)),
        recoveries,
        serviceCpuSecondsForWrites: Number(cpuWrites.toFixed(2)),
        shareOfServiceCpu: Number(((recoveries * recoveryMs) / 1000 / cpuWrites).toFixed(3)),
      },
    };
    if (process.env.BENCH_JSON) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`\n${report.machine}; ${CONNECTIONS} connections\n`);
      console.log("| phase | requests | requests/s | p50 ms | p99 ms | non-2xx |");
      console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
      for (const [name, p] of Object.entries(phases)) {
        console.log(`| ${name} | ${p.requests} | ${p.perSecond} | ${p.p50} | ${p.p99} | ${p.non2xx + p.errors} |`);
      }
      console.log(
        `\nsignature recovery: ${report.recovery.msPerRecovery} ms each, ${recoveries} recoveries, ` +
          `${(report.recovery.shareOfServiceCpu * 100).toFixed(1)}% of the service's ${report.recovery.serviceCpuSecondsForWrites} s of CPU for the writes`,
      );
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rpc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
