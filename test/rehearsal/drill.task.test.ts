import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import type { DrillReport } from "../../lib/rehearsal";
import { drillChainId } from "../../lib/rehearsal";
import { readSafeState } from "../../lib/safe/state";
import { deployTreasury, readTreasuryParams } from "../../lib/treasury";
import { hermetic } from "../fixtures/hermetic";
import { rpcServer } from "../fixtures/service";
import { captured } from "../fixtures/tasks";

/** deploy/parameters/full.json: 2-of-3 owners #0-#2, guardians #7-#9 (2 of 3), 90 days of inactivity, 7 days' delay. */
const PARAMS = readTreasuryParams("deploy/parameters/full.json");

/** The drills on a fork of the in-process chain (FORK_URL is its RPC), so the signing drill's chain id differs. */
describe("drill:keyloss and drill:signing", function () {
  hermetic();
  let previousForkUrl: string | undefined;
  let rpc: Awaited<ReturnType<typeof rpcServer>>;
  let dir: string;
  let salt = 31400001n;

  before(async function () {
    await bootstrapSafeContracts(hre);
    rpc = await rpcServer();
    previousForkUrl = process.env.FORK_URL;
    process.env.FORK_URL = rpc.url;
    dir = mkdtempSync(join(tmpdir(), "drills-"));
  });
  after(async function () {
    if (previousForkUrl === undefined) delete process.env.FORK_URL;
    else process.env.FORK_URL = previousForkUrl;
    await rpc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const treasury = async () => (await deployTreasury(hre, { ...PARAMS, saltNonce: salt++ })).address;
  const drill = async (name: string, args: Record<string, unknown>) =>
    JSON.parse(await captured(() => hre.run(name, { ...args, json: true }))) as DrillReport;

  it("key loss the remaining owners survive: they still reach the threshold and transact", async function () {
    const safe = await treasury();
    const [owner0] = await ethers.getSigners();
    const report = await drill("drill:keyloss", { safe, lost: owner0.address });
    expect(report.ok).to.equal(true);
    expect(report.outcome).to.deep.include({ needsGuardians: false });
    expect(report.steps.map((s) => s.name)).to.deep.equal(["lost-keys", "owners-transact"]);
  });

  it("key loss that needs the guardians: approvals, the inactivity wait, the delay, finalize, and the owners after", async function () {
    const safe = await treasury();
    const signers = await ethers.getSigners();
    const out = join(dir, "keyloss.md");
    await captured(() =>
      hre.run("drill:keyloss", { safe, lost: `${signers[0].address},${signers[1].address}`, out, json: false }),
    );
    const markdown = readFileSync(out, "utf8");
    expect(markdown).to.contain("# Key-loss drill: PASSED");
    expect(markdown).to.contain("- [x] guardian-approvals: 2 of 3 guardians approved");
    expect(markdown).to.contain("- [x] new-owners-transact: the restored owners executed a transaction");

    const report = await drill("drill:keyloss", { safe, lost: `${signers[0].address},${signers[1].address}` });
    expect(report.ok).to.equal(true);
    expect(report.outcome).to.deep.include({
      needsGuardians: true,
      guardiansNeeded: 2,
      guardians: 3,
      ownersAfter: [signers[2].address],
      thresholdAfter: 1,
    });
    // 90 days of inactivity and 7 days of delay, give or take the seconds the drill's own blocks took.
    expect(Number(report.outcome.waitedSeconds)).to.be.within(97 * 86400 - 600, 97 * 86400 + 600);
    // The drill ran on a fork: the Safe's owners here are untouched.
    expect((await readSafeState(ethers.provider, safe)).owners).to.have.length(3);
  });

  it("refuses a lost key that is not an owner's", async function () {
    const safe = await treasury();
    const stranger = (await ethers.getSigners())[15].address;
    await expect(hre.run("drill:keyloss", { safe, lost: stranger, json: true })).to.be.rejectedWith(
      new RegExp(`--lost ${stranger}: not an owner of`),
    );
  });

  it("practises the signing ceremony on a chain id of its own: propose, confirm, execute", async function () {
    const safe = await treasury();
    const [owner0, owner1] = await ethers.getSigners();
    const report = await drill("drill:signing", { safe, signers: `${owner0.address},${owner1.address}` });
    expect(report.ok, JSON.stringify(report.steps)).to.equal(true);
    expect(report.steps.map((s) => s.name)).to.deep.equal(["drill-chain", "hashes", "propose", "confirm", "execute"]);
    expect(BigInt(report.chainId)).to.equal(BigInt(drillChainId(31337n)));
    expect(report.outcome).to.deep.include({ signedBy: [owner0.address, owner1.address], standIns: [] });
    expect(await (await ethers.getContractAt(["function nonce() view returns (uint256)"], safe)).nonce()).to.equal(0n);
  });

  it("stands in for owners who do not take part, and says so", async function () {
    const safe = await treasury();
    const [owner0, owner1] = await ethers.getSigners();
    const report = await drill("drill:signing", { safe, signers: owner0.address });
    expect(report.ok, JSON.stringify(report.steps)).to.equal(true);
    expect(report.outcome).to.deep.include({ signedBy: [owner0.address], standIns: [owner1.address] });
    expect(report.steps.find((s) => s.name === "stand-in")!.detail).to.contain(owner1.address);
  });
});
