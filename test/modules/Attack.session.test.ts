import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { signSpend, spendDomain } from "../../lib/modules/spend";
import { batch, batch as guardBatch } from "../fixtures/batch";
import { HOUR, safeIface } from "../fixtures/constants";
import { guardedSafe, queueTx } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe } from "../fixtures/modules";

const ETH = ZeroAddress;
const ALLOWANCE = parseEther("2");
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const TOP = 1n << 255n;

async function attackFixture() {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const [delegate, recipient, relayer] = signers.slice(3, 6);
  const module = await ethers.deployContract("SpendingLimitModule");
  const moduleAddress = await module.getAddress();
  const token = await ethers.deployContract("TestERC20");
  const tokenAddress = await token.getAddress();
  const m = module.interface;
  const install = async (salt: bigint) => {
    const s = await moduleSafe("1.5.0", owners, 2, salt);
    await (await token.mint(s.safeAddress, parseEther("10000"))).wait();
    await (
      await s.exec(
        batch(
          [
            { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [moduleAddress]) },
            { to: moduleAddress, data: m.encodeFunctionData("setAllowance", [delegate.address, ETH, ALLOWANCE]) },
            {
              to: moduleAddress,
              data: m.encodeFunctionData("setAllowance", [delegate.address, tokenAddress, ALLOWANCE]),
            },
            {
              to: moduleAddress,
              data: m.encodeFunctionData("setRecipient", [delegate.address, recipient.address, true]),
            },
          ],
          "1.5.0",
        ),
      )
    ).wait();
    return s;
  };
  const a = await install(0xa77a_c000n);
  const safeA = a.safeAddress;
  const safeB = (await install(0xa77a_c001n)).safeAddress;
  // A contract delegate of Safe A that is also its own recipient (batches spends, re-enters when paid).
  const attacker = await ethers.deployContract("SpendAttacker", [moduleAddress]);
  const attackerAddress = await attacker.getAddress();
  await (
    await a.exec(
      batch(
        [
          { to: moduleAddress, data: m.encodeFunctionData("setAllowance", [attackerAddress, ETH, ALLOWANCE]) },
          { to: moduleAddress, data: m.encodeFunctionData("setRecipient", [attackerAddress, attackerAddress, true]) },
          { to: moduleAddress, data: m.encodeFunctionData("setRecipient", [attackerAddress, recipient.address, true]) },
        ],
        "1.5.0",
      ),
    )
  ).wait();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = spendDomain(moduleAddress, chainId);
  const sign = async (v: { safe: string; asset: string; amount: bigint; deadline: bigint }) =>
    signSpend(delegate, domain, {
      safe: v.safe,
      delegate: delegate.address,
      asset: v.asset,
      to: recipient.address,
      amount: v.amount,
      nonce: await module.getNonce(v.safe, delegate.address, v.asset),
      deadline: v.deadline,
    });
  /** Everything an attack could move: balances, both Safes' windows for both assets, the nonces. */
  const state = async () => {
    const out: unknown[] = [];
    for (const s of [safeA, safeB]) {
      out.push(await ethers.provider.getBalance(s), await token.balanceOf(s));
      for (const asset of [ETH, tokenAddress]) {
        out.push([...(await module.getAllowance(s, delegate.address, asset))]);
        out.push(await module.getNonce(s, delegate.address, asset));
      }
      out.push([...(await module.getAllowance(s, attackerAddress, ETH))]);
    }
    out.push(await ethers.provider.getBalance(recipient.address), await token.balanceOf(recipient.address));
    out.push(await ethers.provider.getBalance(attackerAddress));
    return out;
  };
  return {
    module,
    attacker,
    attackerAddress,
    token,
    tokenAddress,
    delegate,
    recipient,
    relayer,
    safeA,
    safeB,
    sign,
    state,
  };
}

describe("SpendingLimitModule attacks on the assembly window and relay (session)", function () {
  hermetic();

  it("many small spends in a row stop exactly at the allowance", async function () {
    const f = await loadFixture(attackFixture);
    const spend = f.module.connect(f.delegate);
    for (let i = 0; i < 4; i++) await (await spend.spend(f.safeA, ETH, f.recipient.address, ALLOWANCE / 4n)).wait();
    const before = await f.state();
    await expect(spend.spend(f.safeA, ETH, f.recipient.address, 1n))
      .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
      .withArgs(f.safeA, f.delegate.address, ETH, 1n, 0n);
    expect(await f.state()).to.deep.equal(before);
  });

  it("a full spend at the end of an hour is still counted 24 hours later (no day-boundary doubling)", async function () {
    const f = await loadFixture(attackFixture);
    const spend = f.module.connect(f.delegate);
    const h = BigInt(await time.latest()) / HOUR + 2n;
    await time.setNextBlockTimestamp(h * HOUR + HOUR - 1n);
    await (await spend.spend(f.safeA, ETH, f.recipient.address, ALLOWANCE)).wait();
    // Every hour boundary up to the last second of hour h + 24: nothing is free again.
    for (const at of [(h + 1n) * HOUR, (h + 12n) * HOUR, (h + 23n) * HOUR + 1800n, (h + 24n) * HOUR + 1800n]) {
      await time.increaseTo(at);
      const before = await f.state();
      await expect(spend.spend(f.safeA, ETH, f.recipient.address, 1n))
        .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
        .withArgs(f.safeA, f.delegate.address, ETH, 1n, 0n);
      expect(await f.state()).to.deep.equal(before);
    }
    await time.increaseTo((h + 25n) * HOUR + 10n);
    await (await spend.spend(f.safeA, ETH, f.recipient.address, ALLOWANCE)).wait();
    const before = await f.state();
    await expect(spend.spend(f.safeA, ETH, f.recipient.address, 1n))
      .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
      .withArgs(f.safeA, f.delegate.address, ETH, 1n, 0n);
    expect(await f.state()).to.deep.equal(before);
  });

  it("a relayed signature cannot be replayed, malleated, or moved to another Safe, asset or amount", async function () {
    const f = await loadFixture(attackFixture);
    const deadline = BigInt(await time.latest()) + HOUR;
    const amount = ALLOWANCE / 2n;
    const { r, vs } = await f.sign({ safe: f.safeA, asset: ETH, amount, deadline });
    const relay = f.module.connect(f.relayer);
    const invalid = (args: [string, string, bigint, string, string], signer: typeof anyValue | string = anyValue) =>
      expect(
        relay.spendWithSignature(
          args[0],
          f.delegate.address,
          args[1],
          f.recipient.address,
          args[2],
          deadline,
          args[3],
          args[4],
        ),
      )
        .to.be.revertedWithCustomError(f.module, "InvalidSignature")
        .withArgs(f.delegate.address, signer);

    let before = await f.state();
    // Other Safe, other asset, other amount.
    await invalid([f.safeB, ETH, amount, r, vs]);
    await invalid([f.safeA, f.tokenAddress, amount, r, vs]);
    await invalid([f.safeA, ETH, amount + 1n, r, vs]);
    // The s-malleated twin (s' = n - s, other parity) has s' >= 2^255, which vs cannot hold: its closest encodings
    // recover someone else (the top bit is taken as parity), never the delegate.
    const s = BigInt(vs) & (TOP - 1n);
    for (const twin of [(N - s) & (TOP - 1n), (N - s) | TOP, ((BigInt(vs) & TOP) ^ TOP) | s]) {
      await invalid([f.safeA, ETH, amount, r, ethers.toBeHex(twin, 32)]);
    }
    expect(await f.state()).to.deep.equal(before);

    await (
      await relay.spendWithSignature(f.safeA, f.delegate.address, ETH, f.recipient.address, amount, deadline, r, vs)
    ).wait();
    before = await f.state();
    // Replay after it ran: the nonce moved.
    await invalid([f.safeA, ETH, amount, r, vs]);
    expect(await f.state()).to.deep.equal(before);
  });

  it("a contract delegate batching spends in one transaction is refused as a whole past the allowance", async function () {
    const f = await loadFixture(attackFixture);
    const before = await f.state();
    await expect(f.attacker.batch(f.safeA, ETH, f.recipient.address, ALLOWANCE / 4n, 5n))
      .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
      .withArgs(f.safeA, f.attackerAddress, ETH, ALLOWANCE / 4n, 0n);
    expect(await f.state()).to.deep.equal(before);
    // Positive control: four quarters in one transaction go through and use the allowance up exactly.
    await (await f.attacker.batch(f.safeA, ETH, f.recipient.address, ALLOWANCE / 4n, 4n)).wait();
    const [, spent, available] = await f.module.getAllowance(f.safeA, f.attackerAddress, ETH);
    expect([spent, available]).to.deep.equal([ALLOWANCE, 0n]);
  });

  it("re-entering spend from the payment's callback cannot exceed the allowance", async function () {
    const f = await loadFixture(attackFixture);
    const before = await f.state();
    // 1.5 + 1.5 > 2: the inner spend sees the outer one counted, its AllowanceExceeded fails the Safe's ETH
    // transfer, and the outer spend reverts with TransferFailed.
    const big = (ALLOWANCE * 3n) / 4n;
    await expect(f.attacker.spendAndReenter(f.safeA, big, big))
      .to.be.revertedWithCustomError(f.module, "TransferFailed")
      .withArgs(f.safeA, ETH, f.attackerAddress, big);
    expect(await f.state()).to.deep.equal(before);
    // Positive control: 1.5 + 0.5 fits, and both are counted.
    await (await f.attacker.spendAndReenter(f.safeA, big, ALLOWANCE - big)).wait();
    const [, spent, available] = await f.module.getAllowance(f.safeA, f.attackerAddress, ETH);
    expect([spent, available]).to.deep.equal([ALLOWANCE, 0n]);
  });

  it("sparse spends expire bucket by bucket, never early, through the assembly walk of the live list", async function () {
    const f = await loadFixture(attackFixture);
    const spend = f.module.connect(f.delegate);
    const h = BigInt(await time.latest()) / HOUR + 2n;
    const half = ALLOWANCE / 4n;
    for (const [hour, amount] of [
      [h, half],
      [h + 3n, half],
      [h + 10n, ALLOWANCE / 2n],
    ] as const) {
      await time.setNextBlockTimestamp(hour * HOUR + 100n);
      await (await spend.spend(f.safeA, ETH, f.recipient.address, amount)).wait();
    }
    // [hour, available then]: each bucket frees at the start of its hour + 25, not before.
    for (const [hour, available] of [
      [h + 24n, 0n],
      [h + 25n, half],
      [h + 27n, half],
      [h + 28n, 2n * half],
      [h + 34n, 2n * half],
    ] as const) {
      await time.increaseTo(hour * HOUR + 200n);
      const before = await f.state();
      await expect(spend.spend(f.safeA, ETH, f.recipient.address, available + 1n))
        .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
        .withArgs(f.safeA, f.delegate.address, ETH, available + 1n, available);
      expect(await f.state()).to.deep.equal(before);
    }
    await time.increaseTo((h + 35n) * HOUR);
    await (await spend.spend(f.safeA, ETH, f.recipient.address, ALLOWANCE)).wait();
  });

  it("the guard's Safe-wide cap and the module's allowance cannot be played against each other", async function () {
    const g = await loadFixture(guardFixture);
    // The owners pay 9 of the guard's 10 ETH cap; the delegate's 20 ETH allowance must not get past the other 1.
    await (await g.exec({ to: g.alice.address, value: parseEther("9") })).wait();
    const state = async () => [
      await ethers.provider.getBalance(g.safeAddress),
      await ethers.provider.getBalance(g.alice.address),
      [...(await g.guard.remaining(g.safeAddress, ETH))],
      [...(await g.spending.getAllowance(g.safeAddress, g.stranger.address, ETH))],
      await g.spending.getNonce(g.safeAddress, g.stranger.address, ETH),
    ];
    const before = await state();
    await expect(g.spending.connect(g.stranger).spend(g.safeAddress, ETH, g.alice.address, parseEther("2")))
      .to.be.revertedWithCustomError(g.guard, "CapExceeded")
      .withArgs(ETH, parseEther("2"), parseEther("1"));
    expect(await state()).to.deep.equal(before);
    // Both ledgers count the spend that fits, and then the guard's cap is used up for the module too.
    await (await g.spending.connect(g.stranger).spend(g.safeAddress, ETH, g.alice.address, parseEther("1"))).wait();
    expect((await g.guard.remaining(g.safeAddress, ETH))[0]).to.equal(0n);
    expect((await g.spending.getAllowance(g.safeAddress, g.stranger.address, ETH))[1]).to.equal(parseEther("1"));
    const after = await state();
    await expect(g.spending.connect(g.stranger).spend(g.safeAddress, ETH, g.alice.address, 1n))
      .to.be.revertedWithCustomError(g.guard, "CapExceeded")
      .withArgs(ETH, 1n, 0n);
    expect(await state()).to.deep.equal(after);
  });
});

/** The guard's Safe 1.5.0 (TreasuryGuard as guard and module guard, 10 ETH cap) with the module and a 20 ETH delegate. */
async function guardFixture() {
  const g = await guardedSafe("1.5.0");
  const spending = await ethers.deployContract("SpendingLimitModule");
  const at = await spending.getAddress();
  const m = spending.interface;
  // Enabling a module is a policy change: through the guard's queue.
  const { id, eta } = await queueTx(
    g,
    guardBatch(
      [
        { to: g.safeAddress, data: safeIface.encodeFunctionData("enableModule", [at]) },
        { to: at, data: m.encodeFunctionData("setAllowance", [g.stranger.address, ETH, parseEther("20")]) },
        { to: at, data: m.encodeFunctionData("setRecipient", [g.stranger.address, g.alice.address, true]) },
      ],
      g.multiSendCallOnly,
    ),
  );
  await time.increaseTo(eta);
  await (await g.guard.execute(g.safeAddress, id)).wait();
  return { ...g, spending };
}
