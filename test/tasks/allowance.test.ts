import { expect } from "chai";
import { parseEther, Signature, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { guardQueueInterface, spendingLimitInterface } from "../../lib/abi";

const ETH = ZeroAddress;

interface Shown {
  safe: string;
  module: string;
  recipientRegistry: string;
  allowances: {
    delegate: string;
    asset: string;
    symbol: string;
    allowance: string;
    spent: string;
    available: string;
    nextIncreaseAt: number | null;
  }[];
}

describe("allowance:* tasks with the embedded service @service", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let token: string;
  let dir: string;
  let salt = 0xa110c4;
  const treasury = () => guardedTreasury(salt++, token);
  const balance = (a: string) => ethers.provider.getBalance(a);

  before(async function () {
    token = await (await ethers.deployContract("TestERC20")).getAddress();
    dir = mkdtempSync(join(tmpdir(), "allowance-tasks-"));
  });

  after(async function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("grants an allowance (queued, as a raise), then the delegate spends exactly the amount; more is refused", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const out = await json<{ queued?: { delay: number } }>("allowance:set", {
      safe: t.safe,
      delegate: t.delegate.address,
      asset: "ETH",
      amount: "1.5",
      signer: first.address,
      yes: true,
    });
    expect(out.queued?.delay).to.equal(86400);
    const pending = await pendingAtNonce(ctx.svc, t.safe);
    expect(pending.data).to.equal(
      guardQueueInterface.encodeFunctionData("queue", [
        await t.spending.getAddress(),
        0n,
        spendingLimitInterface.encodeFunctionData("setAllowance", [t.delegate.address, ETH, parseEther("1.5")]),
        0,
      ]),
    );
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    await time.increase(DAY + 1n);
    await captured(() => hre.run("queue:execute", { safe: t.safe, id: 0, signer: t.stranger.address, json: true }));

    const granted = await json<Shown>("allowance:show", { safe: t.safe, delegate: t.delegate.address });
    expect(granted.allowances.map((a) => [a.delegate, a.asset, a.symbol, a.allowance, a.available])).to.deep.equal([
      [t.delegate.address, ETH, "ETH", parseEther("1.5").toString(), parseEther("1.5").toString()],
    ]);

    const [safeBefore, aliceBefore] = [await balance(t.safe), await balance(t.alice.address)];
    await captured(() =>
      hre.run("allowance:spend", {
        safe: t.safe,
        to: t.alice.address,
        amount: "1.25",
        signer: t.delegate.address,
        json: true,
      }),
    );
    expect((await balance(t.alice.address)) - aliceBefore).to.equal(parseEther("1.25"));
    expect(safeBefore - (await balance(t.safe))).to.equal(parseEther("1.25"));

    const shown = await json<Shown>("allowance:show", { safe: t.safe });
    expect(shown.recipientRegistry).to.equal(await t.guard.getAddress());
    expect(shown.allowances.map((a) => [a.delegate, a.spent, a.available])).to.have.deep.members([
      [t.delegate.address, parseEther("1.25").toString(), parseEther("0.25").toString()],
      [t.granted.address, "0", parseEther("2").toString()],
    ]);
    const mine = shown.allowances.find((a) => a.delegate === t.delegate.address)!;
    expect(mine.nextIncreaseAt).to.be.greaterThan(await time.latest());

    await expect(
      hre.run("allowance:spend", {
        safe: t.safe,
        to: t.alice.address,
        amount: "0.5",
        signer: t.delegate.address,
        json: true,
      }),
    ).to.be.rejectedWith(/refused; nothing moved: AllowanceExceeded: 0\.5 ETH is more than the 0\.25 ETH/);
    expect(await balance(t.alice.address)).to.equal(aliceBefore + parseEther("1.25"));
    expect(await balance(t.safe)).to.equal(safeBefore - parseEther("1.25"));
  });

  it("lowers an allowance instantly with allowance:set and revokes it with allowance:revoke", async function () {
    const t = await treasury();
    const [first, second] = t.owners;
    const spending = await t.spending.getAddress();
    const lowered = await json<{ queued?: unknown; summary: { verdict: { verdict: string } } }>("allowance:set", {
      safe: t.safe,
      delegate: t.granted.address,
      asset: "ETH",
      amount: "0.5",
      signer: first.address,
      yes: true,
    });
    expect([lowered.queued, lowered.summary.verdict.verdict]).to.deep.equal([undefined, "instant"]);
    expect((await pendingAtNonce(ctx.svc, t.safe)).to).to.equal(spending);
    await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect((await t.spending.getAllowance(t.safe, t.granted.address, ETH)).allowance).to.equal(parseEther("0.5"));

    await json("allowance:revoke", {
      safe: t.safe,
      delegate: t.granted.address,
      asset: "ETH",
      signer: first.address,
      yes: true,
    });
    const pending = await confirmAndExecute(ctx.svc, t.safe, second.address);
    expect(pending.data).to.equal(
      spendingLimitInterface.encodeFunctionData("lowerAllowance", [t.granted.address, ETH, 0n]),
    );
    expect((await t.spending.getAllowance(t.safe, t.granted.address, ETH)).allowance).to.equal(0n);
    expect((await json<Shown>("allowance:show", { safe: t.safe })).allowances).to.deep.equal([]);
    await expect(
      hre.run("allowance:spend", {
        safe: t.safe,
        to: t.alice.address,
        amount: "0.1",
        signer: t.granted.address,
        json: true,
      }),
    ).to.be.rejectedWith(/nothing moved: UnknownDelegate: /);
    await expect(
      hre.run("allowance:revoke", {
        safe: t.safe,
        delegate: t.granted.address,
        asset: "ETH",
        signer: first.address,
        yes: true,
        json: true,
      }),
    ).to.be.rejectedWith(/there is nothing to revoke/);
  });

  it("relays a spend the delegate signed (--relay, then --file, or --signature) from another account", async function () {
    const t = await treasury();
    const file = join(dir, `spend-${t.safe}.json`);
    await captured(() =>
      hre.run("allowance:spend", {
        safe: t.safe,
        to: t.alice.address,
        amount: "0.75",
        signer: t.granted.address,
        relay: true,
        out: file,
        json: true,
      }),
    );
    const signed = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect([signed.safe, signed.delegate, signed.to, signed.amount, signed.module]).to.deep.equal([
      t.safe,
      t.granted.address,
      t.alice.address,
      parseEther("0.75").toString(),
      await t.spending.getAddress(),
    ]);
    const [delegateBefore, aliceBefore, safeBefore] = await Promise.all(
      [t.granted.address, t.alice.address, t.safe].map(balance),
    );
    await captured(() => hre.run("allowance:spend", { safe: t.safe, file, signer: t.relayer.address, json: true }));
    expect((await balance(t.alice.address)) - aliceBefore).to.equal(parseEther("0.75"));
    expect(safeBefore - (await balance(t.safe))).to.equal(parseEther("0.75"));
    expect(await balance(t.granted.address)).to.equal(delegateBefore); // the relayer paid the gas
    await expect(
      hre.run("allowance:spend", { safe: t.safe, file, signer: t.relayer.address, json: true }),
    ).to.be.rejectedWith(/The signature is void: another spend of this asset by the delegate ran since/);
    expect((await balance(t.alice.address)) - aliceBefore).to.equal(parseEther("0.75"));

    // The same from a bare signature and the spend's arguments.
    const printed = JSON.parse(
      await captured(() =>
        hre.run("allowance:spend", {
          safe: t.safe,
          to: t.alice.address,
          amount: "0.5",
          signer: t.granted.address,
          relay: true,
          json: true,
        }),
      ),
    ) as { r: string; vs: string; deadline: string };
    const signature = Signature.from({ r: printed.r, yParityAndS: printed.vs }).serialized;
    const common = { safe: t.safe, to: t.alice.address, signer: t.relayer.address, json: true, signature };
    await expect(
      hre.run("allowance:spend", {
        ...common,
        amount: "0.6",
        delegate: t.granted.address,
        deadline: printed.deadline,
      }),
    ).to.be.rejectedWith(
      new RegExp(`The signature recovers to 0x[0-9a-fA-F]{40}, not to the delegate ${t.granted.address}`),
    );
    await captured(() =>
      hre.run("allowance:spend", { ...common, amount: "0.5", delegate: t.granted.address, deadline: printed.deadline }),
    );
    expect((await balance(t.alice.address)) - aliceBefore).to.equal(parseEther("1.25"));
    const [, spent] = await t.spending.getAllowance(t.safe, t.granted.address, ETH);
    expect(spent).to.equal(parseEther("1.25"));
  });

  it("refuses bad input naming the argument, and proposes or moves nothing", async function () {
    const t = await treasury();
    const owner = { signer: t.owners[0].address, yes: true, json: true };
    await expect(
      hre.run("allowance:set", { ...owner, safe: t.safe, delegate: t.delegate.address, asset: "DAI", amount: "1" }),
    ).to.be.rejectedWith(/--asset DAI: unknown token symbol/);
    await expect(
      hre.run("allowance:set", { ...owner, safe: t.safe, delegate: t.delegate.address, asset: "ETH", amount: "-2" }),
    ).to.be.rejectedWith(/--amount -2 is not an amount of ETH/);
    await expect(
      hre.run("allowance:set", { ...owner, safe: t.safe, delegate: "bob", asset: "TST", amount: "2" }),
    ).to.be.rejectedWith(/--delegate bob is not an address/);
    await expect(
      hre.run("allowance:set", {
        ...owner,
        safe: t.safe,
        delegate: t.delegate.address,
        asset: "ETH",
        amount: "1",
        module: t.alice.address,
      }),
    ).to.be.rejectedWith(new RegExp(`SpendingLimitModule ${t.alice.address} is not enabled on Safe`));
    const aliceBefore = await balance(t.alice.address);
    const spend = { safe: t.safe, to: t.alice.address, signer: t.granted.address, json: true };
    await expect(hre.run("allowance:spend", { ...spend, amount: "two" })).to.be.rejectedWith(
      /--amount two is not an amount of ETH/,
    );
    await expect(hre.run("allowance:spend", { ...spend, amount: "0" })).to.be.rejectedWith(
      /--amount must be more than 0 ETH/,
    );
    await expect(hre.run("allowance:spend", { ...spend, amount: "0.1", asset: "TSTX" })).to.be.rejectedWith(
      /--asset TSTX: unknown token symbol/,
    );
    expect(await balance(t.alice.address)).to.equal(aliceBefore);
    expect((await api(ctx.svc).getPendingTransactions(t.safe)).results).to.deep.equal([]);
  });
});
