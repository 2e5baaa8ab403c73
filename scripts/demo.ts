/**
 * The quick-start demo on the embedded default chain (Hardhat's in-process network) and the embedded Safe
 * Transaction Service: the treasury's whole life through the same lib/ path the tasks use.
 *
 *   npm run demo
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { Contract, parseEther, ZeroAddress } from "ethers";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { serveChain } from "../lib/chain";
import { UserError } from "../lib/errors";
import { formatAmount, keyValues } from "../lib/format";
import { readQueue, sendQueueCall } from "../lib/guard/queue";
import { payoutTotals, payoutTransactions, readPayouts } from "../lib/payouts";
import { readAllowances, relaySpend, signRelayedSpend, spendingModule } from "../lib/modules/allowance";
import { formatRecoveryStatus, readRecoveryStatus, sendRecoveryCall } from "../lib/modules/recovery";
import { sortAddresses } from "../lib/args";
import { confirmTransaction, executeTransaction, proposeTransaction, type Approve } from "../lib/safe/workflow";
import { ownerSigner } from "../lib/signer";
import { formatSummary } from "../lib/summary";
import { deployTreasury, readTreasuryParams, toolkitAddressesFor } from "../lib/treasury";
import { startTxService } from "../service";
import { safeReadInterface } from "../lib/abi";

const PARAMETERS = "deploy/parameters/full.json";
const DAY = 86_400;

function step(n: number, title: string) {
  console.log(`\n[${n}] ${title}`);
}

const indent = (text: string) => text.replace(/^/gm, "    ");

/** The first signer reads the whole summary; later ones are shown that they see the same hashes. */
const reads: Approve = async (summary) => {
  console.log(indent(formatSummary(summary)));
  return true;
};
const checksHashes =
  (who: string): Approve =>
  async (summary) => {
    console.log(`    ${who} reviews the same summary: safeTxHash ${summary.hashes.safeTxHash}`);
    return true;
  };

/** Mines a block `seconds` after the latest one (the chain's clock, which can run ahead of the wall clock). */
const travel = (seconds: number) => time.increase(seconds);

async function main() {
  const provider = hre.ethers.provider;
  const balance = async (a: string) => formatAmount(await provider.getBalance(a));

  step(1, "Bootstrap the Safe contracts at their canonical addresses");
  const boot = await bootstrapSafeContracts(hre);
  const deployed = boot.entries.filter((e) => e.status === "deployed").length;
  console.log(
    `chain ${boot.chainId}: ${deployed} contracts deployed, ${boot.entries.length - deployed} already present`,
  );

  step(2, `Create the guarded 2-of-3 treasury with both modules from ${PARAMETERS} (Ignition)`);
  const params = readTreasuryParams(PARAMETERS);
  const treasury = await deployTreasury(hre, params);
  const toolkit = await toolkitAddressesFor(hre, params);
  const safe = treasury.address;
  const [funder] = await hre.ethers.getSigners();
  await (await funder.sendTransaction({ to: safe, value: parseEther("20") })).wait();
  const recipient = params.guard!.recipients[0];
  console.log(
    keyValues([
      ["treasury", `${safe} (${treasury.status})`],
      ["threshold", `${params.threshold} of ${params.owners.length}`],
      ["guard", `${toolkit.guard}: 3 ETH per rolling 24h, recipient ${recipient} whitelisted, 1 day delay`],
      [
        "spending limit",
        `${toolkit.spendingLimit}: delegate ${params.spendingLimit!.allowances[0].delegate}, 2 ETH/24h`,
      ],
      ["recovery", `${toolkit.recovery}: 2 of 3 guardians after 90 days of inactivity, then 7 days' delay`],
      ["balance", await balance(safe)],
    ]),
  );

  step(3, "Start the embedded Safe Transaction Service (unmodified api-kit talks to it)");
  const chain = await serveChain(hre);
  const service = await startTxService({ rpcUrl: chain.url, db: ":memory:", pollIntervalMs: 100 });
  process.env.TX_SERVICE_URL = service.url;
  console.log(`listening on ${service.url}, indexing ${chain.url}`);
  const dir = mkdtempSync(join(tmpdir(), "treasury-demo-"));
  try {
    const [first, second] = await Promise.all(params.owners.slice(0, 2).map((o) => ownerSigner(hre, { unlocked: o })));

    step(4, "Owner 1 proposes 1 ETH to the whitelisted recipient, after reading what it does");
    const payment = await proposeTransaction(
      hre,
      { safe, transactions: [{ to: recipient, value: parseEther("1").toString(), data: "0x" }], signer: first },
      reads,
    );
    console.log(`  proposed ${payment.safeTxHash} at nonce ${payment.nonce}`);

    step(5, "Owner 2 confirms and executes");
    await confirmTransaction(hre, payment.safeTxHash, second, checksHashes("owner 2"));
    const paid = await executeTransaction(hre, payment.safeTxHash, second);
    console.log(`  executed ${paid.hash} (gas ${paid.gasUsed}); recipient now holds ${await balance(recipient)}`);

    step(6, "2.5 ETH more is over the 2 ETH left of today's cap: it is proposed as the guard's queue wrapper");
    const overCap = await proposeTransaction(
      hre,
      { safe, transactions: [{ to: recipient, value: parseEther("2.5").toString(), data: "0x" }], signer: first },
      async (summary) => {
        console.log(
          `    verdict: ${"unavailable" in summary.verdict ? summary.verdict.unavailable : summary.verdict.verdict}`,
        );
        return true;
      },
    );
    if (!overCap.queued) throw new Error("The over-cap payment was not proposed through the queue.");
    await confirmTransaction(hre, overCap.safeTxHash, second, checksHashes("owner 2"));
    await executeTransaction(hre, overCap.safeTxHash, second);
    const { items } = await readQueue(provider, safe);
    const queued = items[items.length - 1];
    console.log(
      `  queued as item ${queued.id}: ${queued.state}, executable from ${new Date(queued.eta * 1000).toISOString()}`,
    );

    step(7, "A day later (time travel), anyone runs the queued payment");
    await travel(DAY + 1);
    const [, , , , , , , , , , anyone] = await hre.ethers.getSigners();
    const ran = await sendQueueCall(provider, anyone, "execute", safe, queued.id);
    console.log(`  guard.execute: ${ran.transactionHash}; recipient now holds ${await balance(recipient)}`);

    step(8, "Pay a CSV batch: every row checked, then one MultiSendCallOnly batch");
    const csv = join(dir, "payouts.csv");
    writeFileSync(csv, `token,to,amount\nETH,${recipient},0.4\nETH,${recipient},0.6\n`);
    const payouts = await readPayouts(provider, readFileSync(csv, "utf8"));
    console.log(`  ${payouts.length} payments: ${payoutTotals(payouts).join("; ")}`);
    const batch = await proposeTransaction(
      hre,
      { safe, transactions: payoutTransactions(payouts), signer: first, origin: `payouts ${csv}` },
      checksHashes("owner 1"),
    );
    await confirmTransaction(hre, batch.safeTxHash, second, checksHashes("owner 2"));
    const batchPaid = await executeTransaction(hre, batch.safeTxHash, second);
    console.log(`  executed ${batchPaid.hash}; recipient now holds ${await balance(recipient)}`);

    step(9, "The delegate relays a signed spend of 0.5 ETH from its allowance: no owner involved, anyone submits it");
    const delegate = await hre.ethers.getSigner(params.spendingLimit!.allowances[0].delegate);
    const module = await spendingModule(hre, safe);
    const spend = { safe, asset: ZeroAddress, to: recipient, amount: parseEther("0.5") };
    const signedSpend = await signRelayedSpend(module, delegate, spend, 3600);
    await relaySpend(module, anyone, signedSpend);
    const [allowance] = (await readAllowances(provider, module, safe, { delegate: delegate.address })).allowances;
    console.log(
      `  spent; the delegate has ${formatAmount(allowance.available)} left of ${formatAmount(allowance.allowance)} today`,
    );

    step(10, "The owners go silent for 90 days: two guardians recover the Safe to new owners");
    const recovery = toolkit.recovery!;
    const guardians = await Promise.all(params.recovery!.guardians.slice(0, 2).map((g) => hre.ethers.getSigner(g)));
    const newOwners = sortAddresses(params.recovery!.guardians.slice(0, 2));
    // The guard records activity to the minute, rounded up (docs/policy.md): wait the period plus that minute.
    await travel(90 * DAY + 60);
    const { nonce } = await readRecoveryStatus(provider, recovery, safe);
    for (const g of guardians) {
      await sendRecoveryCall(recovery, g, "approveRecovery", [safe, newOwners, 1, nonce], "approve");
    }
    await sendRecoveryCall(recovery, guardians[0], "initiateRecovery", [safe, newOwners, 1], "initiate");
    console.log(indent(formatRecoveryStatus(await readRecoveryStatus(provider, recovery, safe))));
    await travel(7 * DAY + 1);
    await sendRecoveryCall(recovery, guardians[1], "finalizeRecovery", [safe, newOwners, 1], "finalize");
    const owners = (await new Contract(safe, safeReadInterface, hre.ethers.provider).getOwners()) as string[];
    console.log(`  finalized: owners now ${owners.join(", ")} (threshold 1)`);
    console.log(`\n  treasury holds ${await balance(safe)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await service.close();
    await chain.close();
  }
  console.log("\nDemo complete.");
}

main().catch((error: unknown) => {
  if (error instanceof UserError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
