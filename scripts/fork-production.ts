/**
 * Plays "production" on a running node (used by `npm run test:fork`): bootstraps Safe, creates the treasury from
 * deploy/parameters/example.json, funds it and executes one payment, so the fork suite finds a live treasury with
 * history. With TX_SERVICE_URL set (scripts/test-fork.sh starts an embedded service beside the node) it also
 * leaves what a team would rehearse before an upgrade, as pending proposals in that service:
 * - a guarded treasury (deploy/parameters/full.json's policy, recovery guardians included) with a payment, a
 *   proxy upgrade of the example vault it owns (the script then runs with HARDHAT_UPGRADES=1) and a move
 *   to a new TreasuryGuard deployment carrying its policy over, at consecutive nonces;
 * - a guarded Safe 1.4.1 with its migration to 1.5.0 (the queued SafeMigration call, then setModuleGuard);
 * - a plain Safe with one deliberately bad proposal: a harmless-looking call that pulls the Safe's tokens through
 *   an old approval, which its rehearsal must refuse (no-unannounced-outflow).
 * PRODUCTION_OUT names a JSON file that receives the addresses. Idempotent on a chain that already has them.
 *
 *   npx hardhat run scripts/fork-production.ts --network localhost
 */
import hre from "hardhat";
import { parseEther } from "ethers";
import { readFileSync, writeFileSync } from "node:fs";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { UserError } from "../lib/errors";
import { formatAmount, keyValues } from "../lib/format";
import { protocolKit } from "../lib/safe/kit";
import { execSafeTx } from "../lib/safe/prevalidated";
import { buildSafeTransaction, executeSigned, signByOwners } from "../lib/safe/transactions";
import { proposeTransaction, type Approve } from "../lib/safe/workflow";
import { ownerSigner } from "../lib/signer";
import { deployTreasury, EXAMPLE_PARAMETERS, parseTreasuryParams, readTreasuryParams } from "../lib/treasury";
import { formatRehearsal } from "../lib/rehearsal/report";
import { guardMovePlan } from "../lib/upgrade/guard";
import { rehearseThenPropose } from "../lib/upgrade/plan";
import { proposeProxyUpgrade } from "../lib/upgrade/proxy";
import { safeMigrationPlan } from "../lib/upgrade/safe";
import { deployVault } from "../lib/upgrade/vault";

const PRODUCTION_FUNDING = parseEther("25");
const PRODUCTION_PAYMENT = parseEther("1");
/** Salts of the rehearsal Safes: none of the tests' parameter files use them, so no test finds them "present". */
const SALTS = { guarded: "31100001", legacy: "31100002", bad: "31100003" } as const;
const yes: Approve = async () => true;

async function main() {
  const boot = await bootstrapSafeContracts(hre);
  const params = readTreasuryParams(EXAMPLE_PARAMETERS);
  const treasury = await deployTreasury(hre, params);
  const kit = await protocolKit(hre, treasury.address);
  if ((await kit.getNonce()) === 0) {
    const [funder, , , , , , , payee] = await hre.ethers.getSigners();
    await (await funder.sendTransaction({ to: treasury.address, value: PRODUCTION_FUNDING })).wait();
    const tx = await buildSafeTransaction(kit, [
      { to: payee.address, value: PRODUCTION_PAYMENT.toString(), data: "0x" },
    ]);
    const signed = await signByOwners(hre, treasury.address, tx, params.owners.slice(0, params.threshold));
    await executeSigned(hre, treasury.address, signed.safeTx, params.owners[0]);
  }
  const rehearsal = process.env.TX_SERVICE_URL ? await pendingForRehearsal() : undefined;
  console.log(
    keyValues([
      ["chain", boot.chainId],
      ["bootstrap transactions", boot.transactions],
      ["treasury", `${treasury.address} (${treasury.status})`],
      ["nonce", await kit.getNonce()],
      ["balance", formatAmount(await hre.ethers.provider.getBalance(treasury.address))],
      ...(rehearsal ? Object.entries(rehearsal).map(([k, v]) => [`rehearsal ${k}`, v] as [string, unknown]) : []),
      ["block", await hre.ethers.provider.getBlockNumber()],
    ]),
  );
  if (process.env.PRODUCTION_OUT) writeFileSync(process.env.PRODUCTION_OUT, JSON.stringify(rehearsal ?? {}, null, 2));
}

/** The three Safes and their pending proposals; returns what scripts/test-fork.sh rehearses. */
async function pendingForRehearsal() {
  const signers = await hre.ethers.getSigners();
  const [funder] = signers;
  const full = JSON.parse(readFileSync("deploy/parameters/full.json", "utf8")) as { Treasury: Record<string, unknown> };
  const guarded = await deployTreasury(
    hre,
    parseTreasuryParams({ Treasury: { ...full.Treasury, saltNonce: SALTS.guarded } }),
  );
  const base = { owners: full.Treasury.owners, threshold: 2 };
  const legacy = await deployTreasury(
    hre,
    parseTreasuryParams({
      Treasury: {
        ...base,
        saltNonce: SALTS.legacy,
        safeVersion: "1.4.1",
        guard: { caps: [{ asset: "ETH", amount: "5" }], recipients: [signers[5].address], delay: 86400 },
      },
    }),
  );
  const bad = await deployTreasury(hre, parseTreasuryParams({ Treasury: { ...base, saltNonce: SALTS.bad } }));
  const proposer = await ownerSigner(hre, { unlocked: signers[0].address });
  const owners = signers.slice(0, 3);

  if (guarded.status === "deployed") {
    await (await funder.sendTransaction({ to: guarded.address, value: PRODUCTION_FUNDING })).wait();
    await (await funder.sendTransaction({ to: legacy.address, value: parseEther("5") })).wait();
    // nonce n: a payment within the cap to a listed recipient.
    await proposeTransaction(
      hre,
      {
        safe: guarded.address,
        signer: proposer,
        transactions: [{ to: signers[5].address, value: PRODUCTION_PAYMENT.toString(), data: "0x" }],
      },
      yes,
    );
    // n+1: the example vault's upgrade to V2, its layout validated by the upgrades plugin (HARDHAT_UPGRADES=1).
    const budget = await hre.ethers.deployContract("TestERC20");
    const vault = await deployVault(hre, { owner: guarded.address, token: await budget.getAddress() });
    await proposeProxyUpgrade(
      hre,
      { safe: guarded.address, proxy: vault.proxy, contract: "TreasuryVaultV2", signer: proposer },
      yes,
    );
    // n+2: the move to a new TreasuryGuard deployment, its policy carried over.
    const newGuard = await hre.ethers.deployContract("TreasuryGuard");
    await newGuard.waitForDeployment();
    const provider = hre.ethers.provider;
    const move = await guardMovePlan(provider, guarded.address, await newGuard.getAddress());
    await proposedAfterRehearsal(rehearseThenPropose(hre, move, { signer: proposer }, yes));
    // The 1.4.1 Safe's migration: the queued SafeMigration call, then setModuleGuard.
    const migration = await safeMigrationPlan(provider, legacy.address);
    await proposedAfterRehearsal(rehearseThenPropose(hre, migration, { signer: proposer }, yes));

    // The bad one: an approval granted long ago, then a call that looks like housekeeping and pulls it all.
    const token = await hre.ethers.deployContract("TestERC20");
    await (await token.mint(bad.address, parseEther("1000"))).wait();
    const drainer = await hre.ethers.deployContract("AllowanceDrainer", [await token.getAddress(), signers[9].address]);
    const approve = token.interface.encodeFunctionData("approve", [await drainer.getAddress(), parseEther("1000")]);
    await (await execSafeTx(bad.address, { to: await token.getAddress(), data: approve }, owners.slice(0, 2))).wait();
    await proposeTransaction(
      hre,
      {
        safe: bad.address,
        signer: proposer,
        transactions: [
          { to: await drainer.getAddress(), value: "0", data: drainer.interface.encodeFunctionData("sync") },
        ],
      },
      yes,
    );
  }
  return {
    good: [guarded.address, legacy.address].join(" "),
    drill: guarded.address,
    lost: [signers[1].address, signers[2].address].join(","),
    signers: signers[0].address,
    bad: bad.address,
    badInvariant: "no-unannounced-outflow",
  };
}

main().catch((error: unknown) => {
  if (error instanceof UserError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});

/** An upgrade proposed by the production script must have passed its rehearsal (else nothing was proposed). */
async function proposedAfterRehearsal(result: ReturnType<typeof rehearseThenPropose>) {
  const { report, proposed } = await result;
  if (!report.ok) throw new Error(`An upgrade's rehearsal failed on the production node:\n${formatRehearsal(report)}`);
  return proposed;
}
