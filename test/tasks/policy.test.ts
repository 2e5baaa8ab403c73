import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { DAY } from "../fixtures/constants";
import { time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { api } from "../fixtures/service";
import {
  captured,
  confirmAndExecute,
  guardedTreasury,
  json,
  pendingAtNonce,
  withEmbeddedService,
} from "../fixtures/tasks";
import { guardQueueInterface, spendingLimitInterface, treasuryGuardInterface } from "../../lib/abi";

const ETH = ZeroAddress;
const QUEUE = guardQueueInterface.getFunction("queue")!.selector;

interface Proposed {
  safeTxHash: string;
  queued?: { delay: number; guard: string };
  summary: { verdict: { verdict: string } };
}

interface ShownPolicy {
  safe: string;
  guard: string;
  delay: number;
  expiry: number;
  recoveryModule: string;
  offchainSignatures: boolean;
  caps: {
    asset: string;
    symbol: string;
    decimals: number;
    cap: string;
    available: string;
    nextIncreaseAt: number | null;
    pending: { id: number; cap: string; eta: number }[];
  }[];
  recipients: {
    address: string;
    allowed: boolean;
    pending: { id: number; state: string; eta: number; allowed: boolean }[];
  }[];
  targets: { target: string; selector?: string; trusted: boolean; pending: unknown[] }[];
  pending: { id: number; state: string; eta: number; expiresAt: number; change: Record<string, unknown> }[];
}

describe("policy:* tasks with the embedded service @service", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let token: string;
  let dir: string;
  let salt = 0x9011c4;
  const treasury = () => guardedTreasury(salt++, token);

  before(async function () {
    token = await (await ethers.deployContract("TestERC20")).getAddress();
    dir = mkdtempSync(join(tmpdir(), "policy-tasks-"));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("proposes lowering a cap as an instant change; once executed the guard enforces the new cap", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const saved = join(dir, `info-${t.safe}.json`);
    writeFileSync(saved, await captured(() => hre.run("safe:info", { safe: t.safe, json: true })));
    const out = await json<Proposed>("policy:cap", {
      safe: t.safe,
      asset: "ETH",
      amount: "4",
      signer: first.address,
      yes: true,
    });
    expect(out.summary.verdict.verdict).to.equal("instant");
    expect(out.queued).to.equal(undefined);
    const pending = await pendingAtNonce(ctx.svc, t.safe);
    expect(pending.to).to.equal(await t.guard.getAddress());
    expect(pending.data).to.equal(treasuryGuardInterface.encodeFunctionData("setCap", [ETH, parseEther("4")]));
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect(await t.guard.capOf(t.safe, ETH)).to.equal(parseEther("4"));
    // safe:info --check (the backup documentation) names the change.
    const check = await captured(() => hre.run("safe:info", { safe: t.safe, check: saved }));
    expect(process.exitCode).to.equal(1);
    process.exitCode = 0;
    expect(check).to.include(`policy.caps.${ETH}: saved ${parseEther("10")}, now ${parseEther("4")}`);

    // A token by its symbol (one the Safe caps): lowering TST's cap is instant too.
    const byName = await json<Proposed>("policy:cap", {
      safe: t.safe,
      asset: "tst",
      amount: "250.5",
      signer: first.address,
      yes: true,
    });
    expect(byName.summary.verdict.verdict).to.equal("instant");
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect(await t.guard.capOf(t.safe, token)).to.equal(parseEther("250.5"));
  });

  it("proposes raising a cap as the guard's queue wrapper; the cap rises only at queue:execute after the delay", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const out = await json<Proposed>("policy:cap", {
      safe: t.safe,
      asset: "ETH",
      amount: "20",
      signer: first.address,
      yes: true,
    });
    expect(out.queued?.delay).to.equal(86400);
    expect(out.queued?.guard).to.equal(await t.guard.getAddress());
    const pending = await pendingAtNonce(ctx.svc, t.safe);
    expect(pending.to).to.equal(await t.guard.getAddress());
    expect(pending.data?.slice(0, 10)).to.equal(QUEUE);
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect(await t.guard.capOf(t.safe, ETH)).to.equal(parseEther("10"));

    const shown = await json<ShownPolicy>("policy:show", { safe: t.safe });
    const eth = shown.caps.find((c) => c.asset === ETH)!;
    expect(eth.cap).to.equal(parseEther("10").toString());
    expect(eth.pending.map((p) => [p.id, p.cap])).to.deep.equal([[0, parseEther("20").toString()]]);

    await expect(
      hre.run("queue:execute", { safe: t.safe, id: 0, signer: t.stranger.address, json: true }),
    ).to.be.rejectedWith(/cannot run before/);
    expect(await t.guard.capOf(t.safe, ETH)).to.equal(parseEther("10"));
    await time.increase(DAY + 1n);
    await captured(() => hre.run("queue:execute", { safe: t.safe, id: 0, signer: t.stranger.address, json: true }));
    expect(await t.guard.capOf(t.safe, ETH)).to.equal(parseEther("20"));
  });

  it("adds a recipient with a delayed effect: policy:show lists it as pending with its time, then as whitelisted", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const out = await json<Proposed>("policy:recipient", {
      action: "add",
      safe: t.safe,
      address: t.bob.address,
      signer: first.address,
      yes: true,
    });
    expect(out.queued?.delay).to.equal(86400);
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    const queued = await t.guard.queuedTransaction(t.safe, 0);
    // A payment within the cap, so the caps show capacity used and when it returns.
    await captured(() =>
      hre.run("safe:propose", {
        safe: t.safe,
        to: t.alice.address,
        value: "1.5",
        signer: first.address,
        yes: true,
        json: true,
      }),
    );
    await confirmAndExecute(ctx.svc, t.safe, second.address);

    const shown = await json<ShownPolicy>("policy:show", { safe: t.safe });
    expect(Object.keys(shown)).to.have.members([
      "safe",
      "guard",
      "delay",
      "expiry",
      "recoveryModule",
      "offchainSignatures",
      "caps",
      "recipients",
      "targets",
      "pending",
    ]);
    expect([shown.safe, shown.guard, shown.delay, shown.expiry]).to.deep.equal([
      t.safe,
      await t.guard.getAddress(),
      86400,
      7 * 86400,
    ]);
    const eth = shown.caps.find((c) => c.asset === ETH)!;
    expect([eth.symbol, eth.decimals, eth.cap, eth.available]).to.deep.equal([
      "ETH",
      18,
      parseEther("10").toString(),
      parseEther("8.5").toString(),
    ]);
    const [available, nextIncreaseAt] = await t.guard.remaining(t.safe, ETH);
    expect(eth.available).to.equal(available.toString());
    expect(eth.nextIncreaseAt)
      .to.equal(Number(nextIncreaseAt))
      .and.to.be.greaterThan(await time.latest());
    const tst = shown.caps.find((c) => c.asset === token)!;
    expect([tst.symbol, tst.cap, tst.nextIncreaseAt]).to.deep.equal(["TST", parseEther("1000").toString(), null]);
    expect(shown.recipients).to.deep.equal([
      { address: t.alice.address, allowed: true, pending: [] },
      {
        address: t.bob.address,
        allowed: false,
        pending: [
          { id: 0, state: "waiting", eta: Number(queued.eta), expiresAt: Number(queued.expiresAt), allowed: true },
        ],
      },
    ]);
    // The module's tightening selectors, trusted at creation.
    const spending = await t.spending.getAddress();
    expect(shown.targets.map((x) => [x.target, x.selector, x.trusted])).to.have.deep.members(
      ["lowerAllowance", "removeRecipient"].map((f) => [
        spending,
        spendingLimitInterface.getFunction(f)!.selector,
        true,
      ]),
    );
    expect(shown.pending).to.deep.equal([
      {
        id: 0,
        state: "waiting",
        eta: Number(queued.eta),
        expiresAt: Number(queued.expiresAt),
        change: { kind: "recipient", recipient: t.bob.address, allowed: true },
      },
    ]);
    const human = await captured(() => hre.run("policy:show", { safe: t.safe }));
    expect(human).to.match(new RegExp(`${t.bob.address} +pending +add: queue #0, from `));

    await time.increaseTo(queued.eta);
    await captured(() => hre.run("queue:execute", { safe: t.safe, id: 0, signer: t.stranger.address, json: true }));
    const after = await json<ShownPolicy>("policy:show", { safe: t.safe });
    expect(after.recipients.map((r) => [r.address, r.allowed, r.pending.length])).to.deep.equal([
      [t.alice.address, true, 0],
      [t.bob.address, true, 0],
    ]);
    expect(after.pending).to.deep.equal([]);
  });

  it("lengthens the delay instantly and queues trusting a target for one selector", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const lengthen = await json<Proposed>("policy:delay", {
      safe: t.safe,
      seconds: 2 * 86400,
      signer: first.address,
      yes: true,
    });
    expect(lengthen.summary.verdict.verdict).to.equal("instant");
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect((await t.guard.policy(t.safe)).delay).to.equal(2n * DAY);

    const trust = await json<Proposed>("policy:target", {
      action: "add",
      safe: t.safe,
      target: token,
      selector: "transfer(address, uint256)",
      signer: first.address,
      yes: true,
    });
    expect(trust.queued?.delay).to.equal(2 * 86400);
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    const shown = await json<ShownPolicy>("policy:show", { safe: t.safe });
    expect(shown.targets.find((x) => x.target === token)).to.deep.include({ selector: "0xa9059cbb", trusted: false });
    expect(await t.guard.isTrustedSelector(t.safe, token, "0xa9059cbb")).to.equal(false);
  });

  it("refuses bad input naming the argument, and proposes nothing", async function () {
    const t = await treasury();
    const signer = t.owners[0].address;
    const base = { safe: t.safe, signer, yes: true, json: true };
    await expect(hre.run("policy:cap", { ...base, asset: "USDC", amount: "1" })).to.be.rejectedWith(
      /--asset USDC: unknown token symbol\. Give "ETH" or the token's address; the tokens this Safe's configuration names are TST/,
    );
    await expect(hre.run("policy:cap", { ...base, asset: "ETH", amount: "-1" })).to.be.rejectedWith(
      /--amount -1 is not an amount of ETH/,
    );
    await expect(hre.run("policy:cap", { ...base, asset: "TST", amount: "1,000" })).to.be.rejectedWith(
      /--amount 1,000 is not an amount of TST/,
    );
    await expect(hre.run("policy:cap", { ...base, asset: "0x1234", amount: "1" })).to.be.rejectedWith(
      /--asset 0x1234 is not an address/,
    );
    await expect(hre.run("policy:delay", { ...base, seconds: 60 })).to.be.rejectedWith(/--seconds 60 is outside/);
    await expect(hre.run("policy:recipient", { ...base, action: "allow", address: t.bob.address })).to.be.rejectedWith(
      /"add" or "remove", not "allow"/,
    );
    await expect(
      hre.run("policy:target", { ...base, action: "add", target: token, selector: "0x12" }),
    ).to.be.rejectedWith(/--selector 0x12 is neither a 4-byte selector/);
    expect((await api(ctx.svc).getPendingTransactions(t.safe)).results).to.deep.equal([]);
  });
});
