import { expect } from "chai";
import hre, { ethers } from "hardhat";

import { policyConfiguration } from "../../lib/guard/compare";
import { readPolicy } from "../../lib/guard/read";
import type { RehearsalReport } from "../../lib/rehearsal";
import { canonicalContract } from "../../lib/safe/canonical";
import { readSafeState } from "../../lib/safe/state";
import { time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { api } from "../fixtures/service";
import { captured, confirmAndExecute, guardedTreasury, proposePayment, withEmbeddedService } from "../fixtures/tasks";

interface Upgraded {
  rehearsal: RehearsalReport;
  proposed: { safeTxHash: string; nonce: number }[];
}

/**
 * upgrade:guard and upgrade:safe: rehearsed on a fork of the chain the embedded service watches, proposed only when
 * the rehearsal passes, then confirmed, executed and run from the queue for real on the in-process chain.
 */
describe("upgrade:guard and upgrade:safe @service", function () {
  hermetic();
  let previousForkUrl: string | undefined;
  const ctx = withEmbeddedService();
  before(function () {
    previousForkUrl = process.env.FORK_URL;
    process.env.FORK_URL = ctx.rpcUrl;
  });
  after(function () {
    if (previousForkUrl === undefined) delete process.env.FORK_URL;
    else process.env.FORK_URL = previousForkUrl;
  });

  const upgrade = async (name: string, args: Record<string, unknown>) =>
    JSON.parse(await captured(() => hre.run(name, { ...args, yes: true, json: true }))) as Upgraded;

  /** Confirms and executes each proposal in order, then runs each queued call once the delay is over. */
  async function executeAll(t: Awaited<ReturnType<typeof guardedTreasury>>, count: number) {
    const queued = Number((await t.guard.policy(t.safe)).queued);
    for (let i = 0; i < count; i++) await confirmAndExecute(ctx.svc, t.safe, t.owners[1].address);
    await time.increase(86400 + 1);
    for (let id = queued; id < queued + count; id++) {
      await captured(() => hre.run("queue:execute", { safe: t.safe, id, signer: t.owners[2].address, json: true }));
    }
  }

  it("moves a Safe to a new TreasuryGuard with its whole policy carried over", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const target = await (await ethers.deployContract("TestTarget")).getAddress();
    const [, , , , , , , , , , recovery] = await ethers.getSigners();
    // Every kind of policy entry, so a move that dropped any of them would be caught.
    const t = await guardedTreasury(31300001, await tst.getAddress(), "1.5.0", {
      trustedTargets: [target],
      trustedSelectors: [{ target: await tst.getAddress(), selector: "0x095ea7b3" }],
      expiry: 3 * 86400,
      recoveryModule: recovery.address,
    });
    const oldGuard = await t.guard.getAddress();
    const before = policyConfiguration(await readPolicy(ethers.provider, t.safe));
    expect(before).to.deep.include({ expiry: 3 * 86400, recoveryModule: recovery.address });
    expect(before.targets).to.include.members([target, `${await tst.getAddress()}:0x095ea7b3`]);
    expect(Object.keys(before.caps)).to.have.length(2);
    const next = await (await ethers.deployContract("TreasuryGuard")).getAddress();

    const result = await upgrade("upgrade:guard", { safe: t.safe, to: next, signer: t.owners[0].address });
    expect(result.rehearsal.ok).to.equal(true);
    const carried = result.rehearsal.checks.find((c) => c.name === "policy-carried-over")!;
    expect(carried).to.deep.include({ ok: true, detail: "the new guard's policy equals the old one's" });
    expect(result.proposed).to.have.length(1);
    expect(result.rehearsal.steps.at(-1)!.safeTxHash).to.equal(result.proposed[0].safeTxHash);

    await executeAll(t, 1);
    const state = await readSafeState(ethers.provider, t.safe);
    expect(state).to.deep.include({ guard: next, moduleGuard: next });
    expect(state.modules).to.include(next).and.not.include(oldGuard);
    expect(policyConfiguration(await readPolicy(ethers.provider, t.safe))).to.deep.equal(before);
  });

  it("migrates a Safe 1.4.1 to 1.5.0: rehearsed, then executed for real, ending on the canonical singleton", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const t = await guardedTreasury(31300002, await tst.getAddress(), "1.4.1");
    const guard = await t.guard.getAddress();
    const before = policyConfiguration(await readPolicy(ethers.provider, t.safe));
    // A payment already pending: rehearsed first, and its signature must still be valid on the migrated Safe.
    await proposePayment(t.safe, t.alice.address, "1", t.owners[0].address);

    const result = await upgrade("upgrade:safe", { safe: t.safe, signer: t.owners[0].address });
    const upgraded = result.rehearsal.checks.find((c) => c.name === "safe-upgraded")!;
    expect(upgraded.ok, upgraded.detail).to.equal(true);
    expect(upgraded.detail).to.contain("migrateSingleton").and.contain("guard, module guard and policy intact");
    expect(result.rehearsal.steps.map((s) => s.queue?.id)).to.deep.equal([undefined, 0, 1]);
    expect(result.proposed.map((p) => p.nonce)).to.deep.equal([1, 2]);
    expect(result.rehearsal.checks.find((c) => c.name === "pending-signatures-valid")).to.deep.include({
      ok: true,
      detail: "1 pending proposal(s) keep their hashes, and so their signatures",
    });
    // Rehearsed and nothing done: the Safe is still 1.4.1 until the owners execute.
    expect((await readSafeState(ethers.provider, t.safe)).version).to.equal("1.4.1");

    await confirmAndExecute(ctx.svc, t.safe, t.owners[1].address); // the payment
    await executeAll(t, 2);
    const state = await readSafeState(ethers.provider, t.safe);
    expect(state).to.deep.include({
      version: "1.5.0",
      singleton: canonicalContract("1.5.0", "safe").address,
      guard,
      moduleGuard: guard,
    });
    expect(policyConfiguration(await readPolicy(ethers.provider, t.safe))).to.deep.equal(before);
  });

  it("proposes nothing when the rehearsal fails (a pending proposal before it fails), and says why", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const t = await guardedTreasury(31300003, await tst.getAddress());
    // 500 ETH from a Safe holding 100: queued (over the cap), and its queued call can never run.
    await proposePayment(t.safe, t.alice.address, "500", t.owners[0].address);
    const next = await (await ethers.deployContract("TreasuryGuard")).getAddress();
    await expect(
      captured(() => hre.run("upgrade:guard", { safe: t.safe, to: next, signer: t.owners[0].address, yes: true })),
    ).to.be.rejectedWith(/Guard move rehearsal failed: broken invariant\(s\) executes/);
    expect((await api(ctx.svc).getPendingTransactions(t.safe)).results).to.have.length(1);
  });

  it("refuses a target that is no TreasuryGuard, and a Safe that is not 1.4.1", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const t = await guardedTreasury(31300004, await tst.getAddress());
    await expect(
      hre.run("upgrade:guard", { safe: t.safe, to: t.alice.address, signer: t.owners[0].address, yes: true }),
    ).to.be.rejectedWith(/is not a TreasuryGuard \(it does not answer policy\(safe\)\): check --to/);
    await expect(hre.run("upgrade:safe", { safe: t.safe, signer: t.owners[0].address, yes: true })).to.be.rejectedWith(
      /is already a Safe 1.5.0: nothing to migrate/,
    );
  });
});
