/**
 * Rehearsal benchmark: wall time of `safe:rehearse` on a local fork, for one pending transaction and for
 * `--all-pending` with 10. This process's Hardhat chain is served over JSON-RPC (as `npx hardhat node` serves it)
 * and plays the real chain; an embedded service on it holds the proposals (9 payments within the policy and one the
 * guard delays, so one rehearsal goes through the queue); each run opens a fresh in-process fork of it, which
 * fetches the state it needs once and keeps it for the run.
 *
 *   npx hardhat run scripts/bench-rehearsal.ts        (BENCH_RUNS=N runs of each; BENCH_JSON=1 for JSON)
 */
import { parseEther } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { serveChain } from "../lib/chain";
import { toJson, table } from "../lib/format";
import { rehearsePending } from "../lib/rehearsal";
import { proposeTransaction } from "../lib/safe/workflow";
import { ownerSigner } from "../lib/signer";
import { deployTreasury, parseTreasuryParams } from "../lib/treasury";
import { startTxService } from "../service";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function main() {
  await bootstrapSafeContracts(hre);
  const signers = await hre.ethers.getSigners();
  const [alice, bob] = [signers[5], signers[4]];
  const params = parseTreasuryParams({
    Treasury: {
      owners: signers.slice(0, 3).map((s) => s.address),
      threshold: 2,
      saltNonce: "31500001",
      guard: { caps: [{ asset: "ETH", amount: "10" }], recipients: [alice.address], delay: 86400 },
    },
  });
  const { address: safe } = await deployTreasury(hre, params);
  await (await signers[0].sendTransaction({ to: safe, value: parseEther("100") })).wait();

  const rpc = await serveChain(hre);
  const svc = await startTxService({ rpcUrl: rpc.url, db: ":memory:", pollIntervalMs: 50, headTtlMs: 0 });
  process.env.TX_SERVICE_URL = svc.url;
  try {
    const signer = await ownerSigner(hre, { unlocked: signers[0].address });
    for (let i = 0; i < 10; i++) {
      const to = i === 4 ? bob.address : alice.address; // bob is not whitelisted: queued, then run after the delay
      await proposeTransaction(
        hre,
        { safe, signer, transactions: [{ to, value: parseEther(i === 4 ? "2" : "0.5").toString(), data: "0x" }] },
        async () => true,
      );
    }
    process.env.FORK_URL = rpc.url;
    const time = async (selection: Parameters<typeof rehearsePending>[1]) => {
      const runs: number[] = [];
      let steps = 0;
      for (let r = 0; r < RUNS; r++) {
        const started = performance.now();
        const report = await rehearsePending(hre, selection);
        runs.push((performance.now() - started) / 1000);
        if (!report.ok) throw new Error("the benchmark's rehearsal failed");
        steps = report.steps.length;
      }
      runs.sort((a, b) => a - b);
      return { transactions: steps, min: runs[0], median: runs[Math.floor(runs.length / 2)], max: runs.at(-1)! };
    };
    const rows = [
      { run: "one pending transaction (--nonce 0)", ...(await time({ safe, nonce: 0 })) },
      { run: "--all-pending", ...(await time({ safe, all: true })) },
    ];
    if (process.env.BENCH_JSON) console.log(toJson(rows));
    else
      console.log(
        table(
          rows.map((r) => ({
            run: r.run,
            transactions: r.transactions,
            "min s": r.min.toFixed(2),
            "median s": r.median.toFixed(2),
            "max s": r.max.toFixed(2),
          })),
        ),
      );
  } finally {
    delete process.env.FORK_URL;
    await svc.close();
    await rpc.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
