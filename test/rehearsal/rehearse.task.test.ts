import { expect } from "chai";
import { parseEther } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { RehearsalReport } from "../../lib/rehearsal";
import { createSafe } from "../../lib/safe/create";
import { execSafeTx } from "../../lib/safe/prevalidated";
import { erc20 } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { api } from "../fixtures/service";
import { captured, guardedTreasury, proposePayment, withEmbeddedService } from "../fixtures/tasks";

type Report = RehearsalReport & { steps: { balances: { account: string; asset: string; delta: string }[] }[] };

/**
 * safe:rehearse against the embedded service: proposals made through the tasks, rehearsed on an in-process fork of
 * the chain the service watches (FORK_URL is that chain's RPC), so the service never sees a rehearsal's blocks.
 */
describe("safe:rehearse with the embedded service @service", function () {
  hermetic();
  let previousForkUrl: string | undefined;
  const ctx = withEmbeddedService();
  let dir: string;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), "rehearse-"));
    previousForkUrl = process.env.FORK_URL;
    process.env.FORK_URL = ctx.rpcUrl;
  });
  after(function () {
    if (previousForkUrl === undefined) delete process.env.FORK_URL;
    else process.env.FORK_URL = previousForkUrl;
    rmSync(dir, { recursive: true, force: true });
  });

  const rehearseJson = async (args: Record<string, unknown>) =>
    JSON.parse(await captured(() => hre.run("safe:rehearse", { allPending: false, ...args, json: true }))) as Report;

  it("rehearses every pending proposal in nonce order, the delayed one through the queue, as announced", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const t = await guardedTreasury(31200001, await tst.getAddress());
    await proposePayment(t.safe, t.alice.address, "1", t.owners[0].address); // within the policy: instant
    await proposePayment(t.safe, t.bob.address, "2", t.owners[0].address); // not whitelisted: the queue wrapper
    const expectFile = join(dir, "expect.json");
    writeFileSync(
      expectFile,
      JSON.stringify({
        balances: [
          { account: t.alice.address, asset: "ETH", change: "+1" },
          { account: t.bob.address, asset: "ETH", change: "+2" },
          { account: t.safe, asset: "ETH", change: "-3" },
        ],
        threshold: 2,
      }),
    );
    const out = join(dir, "report.md");
    const balanceBefore = await ethers.provider.getBalance(t.safe);

    const report = await captured(() =>
      hre.run("safe:rehearse", { safe: t.safe, allPending: true, expect: expectFile, out }),
    );
    expect(report).to.contain("# Rehearsal: PASSED");
    expect(report).to.contain("in-process fork from block");
    const filed = readFileSync(out, "utf8");
    expect(filed).to.contain("## Nonce 0: ok").and.contain("## Nonce 1: ok");
    expect(filed).to.contain("- [x] expect: balance of " + t.bob.address + " in ETH changes by +2");
    expect(filed).to.match(/Queued as item 0 in 0x[0-9a-fA-F]{40}; the clock moved \d+ s, then guard.execute ran it/);

    const json = await rehearseJson({ safe: t.safe, allPending: true });
    expect(json.steps.map((s) => s.nonce)).to.deep.equal([0, 1]);
    expect(json.steps[1].queue).to.include({ id: 0 });
    expect(json.steps[1].balances).to.deep.include({
      account: t.bob.address,
      asset: ethers.ZeroAddress,
      before: (await ethers.provider.getBalance(t.bob.address)).toString(),
      after: ((await ethers.provider.getBalance(t.bob.address)) + parseEther("2")).toString(),
      delta: parseEther("2").toString(),
      text: "+2 ETH",
    });
    // Nothing happened for real: the balance, the nonce and the service's proposals are as they were.
    expect(await ethers.provider.getBalance(t.safe)).to.equal(balanceBefore);
    expect((await api(ctx.svc).getPendingTransactions(t.safe)).results).to.have.length(2);

    // Naming the second proposal rehearses the first before it, as it must run after it.
    const second = (await api(ctx.svc).getPendingTransactions(t.safe)).results.find((r) => r.nonce === "1")!;
    const named = await rehearseJson({ safeTxHash: second.safeTxHash });
    expect(named.steps.map((s) => s.safeTxHash)).to.have.length(2);
    expect(named.steps[1].safeTxHash).to.equal(second.safeTxHash);
  });

  it("fails with the invariant named when an expectation is not met", async function () {
    const tst = await ethers.deployContract("TestERC20");
    const t = await guardedTreasury(31200002, await tst.getAddress());
    await proposePayment(t.safe, t.alice.address, "1", t.owners[0].address);
    const expectFile = join(dir, "wrong.json");
    writeFileSync(expectFile, JSON.stringify({ balances: [{ account: t.alice.address, asset: "ETH", change: "+5" }] }));
    await expect(
      captured(() => hre.run("safe:rehearse", { safe: t.safe, nonce: 0, expect: expectFile })),
    ).to.be.rejectedWith(/Rehearsal failed: broken invariant\(s\) expect/);
  });

  it("catches the outflow no summary announces: a call that pulls an old approval", async function () {
    const [first, second] = await ethers.getSigners();
    const safe = await createSafe(hre, { owners: [first.address, second.address], threshold: 1, saltNonce: 31200003n });
    const token = await ethers.deployContract("TestERC20");
    await (await token.mint(safe, parseEther("500"))).wait();
    const drainer = await ethers.deployContract("AllowanceDrainer", [await token.getAddress(), second.address]);
    const drainerAddress = await drainer.getAddress();
    await (
      await execSafeTx(
        safe,
        {
          to: await token.getAddress(),
          data: erc20.encodeFunctionData("approve", [drainerAddress, parseEther("500")]),
        },
        [first],
      )
    ).wait();
    await captured(() =>
      hre.run("safe:propose", {
        safe,
        to: drainerAddress,
        sig: "sync()",
        signer: first.address,
        yes: true,
        json: true,
      }),
    );
    const out = join(dir, "bad.md");
    await expect(captured(() => hre.run("safe:rehearse", { safe, allPending: true, out }))).to.be.rejectedWith(
      /broken invariant\(s\) no-unannounced-outflow/,
    );
    expect(readFileSync(out, "utf8")).to.contain(
      "- [ ] no-unannounced-outflow: 500 TST left the Safe, the calls announce 0 TST",
    );
    expect(await token.balanceOf(safe)).to.equal(parseEther("500"));
  });

  it("says what to give when nothing is selected or nothing is pending", async function () {
    await expect(hre.run("safe:rehearse", { allPending: false })).to.be.rejectedWith(
      /Say what to rehearse: a safeTxHash, or --safe with --nonce N, or --safe with --all-pending/,
    );
    const [first] = await ethers.getSigners();
    const safe = await createSafe(hre, { owners: [first.address], threshold: 1, saltNonce: 31200004n });
    await expect(hre.run("safe:rehearse", { safe, allPending: true })).to.be.rejectedWith(
      /has no pending proposal at its nonce 0: nothing to rehearse/,
    );
  });
});
