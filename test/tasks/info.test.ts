import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { TreasuryInfo } from "../../lib/info";
import { createSafe } from "../../lib/safe/create";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { deployTestSafe } from "../fixtures/safe";
import { api } from "../fixtures/service";
import { captured, withEmbeddedService } from "../fixtures/tasks";

const guarded = () => guardedSafe("1.5.0");

describe("safe:info with the embedded service @service", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let dir: string;

  before(async function () {
    await deployTestSafe({ ownerCount: 1 }); // the bootstrap
    dir = mkdtempSync(join(tmpdir(), "safe-info-"));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const info = async (safe: string) =>
    JSON.parse(await captured(() => hre.run("safe:info", { safe, json: true }))) as TreasuryInfo;

  it("exports a guarded treasury's configuration and state as JSON", async function () {
    const f = await loadFixture(guarded);
    const exported = await info(f.safeAddress);
    expect(exported.format).to.equal("safe-treasury-info/1");
    expect(exported.configuration).to.include({
      safe: f.safeAddress,
      version: "1.5.0",
      guard: f.guardAddress,
      moduleGuard: f.guardAddress,
      threshold: 2,
    });
    expect(exported.configuration.owners).to.deep.equal(f.owners.map((o) => o.address));
    expect(exported.configuration.modules).to.include(f.guardAddress);
    expect(exported.state.queue).to.deep.equal([]);
    expect(exported.state.pending).to.deep.equal([]);
    const human = await captured(() => hre.run("safe:info", { safe: f.safeAddress }));
    expect(human).to.match(new RegExp(`owners: +2 of 3: ${f.owners[0].address}`));
  });

  it("--check: matches its own export, then names a changed threshold and exits 1", async function () {
    const [first, second, third] = await ethers.getSigners();
    const safe = await createSafe(hre, {
      owners: [first.address, second.address, third.address],
      threshold: 2,
      saltNonce: 0x1f0n,
    });
    const file = join(dir, "backup.json");
    writeFileSync(file, JSON.stringify(await info(safe)));
    const check = () => captured(() => hre.run("safe:info", { safe, check: file }));
    expect(await check()).to.match(/matches/);
    expect(process.exitCode ?? 0).to.equal(0);

    const run = (task: string, args: Record<string, unknown>) => hre.run(task, { yes: true, json: true, ...args });
    await captured(() =>
      run("safe:propose", { safe, to: safe, sig: "changeThreshold(uint256)", args: "1", signer: first.address }),
    );
    const [pending] = (await api(ctx.svc).getPendingTransactions(safe)).results;
    await captured(() => run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second.address }));
    await captured(() => run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second.address }));
    try {
      expect(await check()).to.equal(
        `1 difference(s) between ${file} and the chain at block ${await ethers.provider.getBlockNumber()}:\n` +
          "  threshold: saved 2, now 1",
      );
      expect(process.exitCode).to.equal(1);
    } finally {
      process.exitCode = 0;
    }
    writeFileSync(file, "{}");
    await expect(check()).to.be.rejectedWith(/is not a safe:info --json export/);
  });
});
