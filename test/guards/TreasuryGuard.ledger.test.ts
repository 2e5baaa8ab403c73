import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, parseEther, ZeroAddress, zeroPadValue } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import { CALL, DAY, erc20, ETH, HOUR, Reason } from "../fixtures/constants";
import { guardedSafe, queueTx, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { prevalidatedSignatures } from "../../lib/safe/prevalidated";

type Fixture = Awaited<ReturnType<typeof guardedSafe>>;
const TEN = parseEther("10");

/** execTransaction calldata for `tx` at `nonce`, pre-approved (approveHash) by `owners`. */
async function approvedExecCall(
  f: Fixture,
  tx: { to: string; value?: bigint; data?: string },
  nonce: bigint,
): Promise<string> {
  const args = [tx.to, tx.value ?? 0n, tx.data ?? "0x", 0, 0n, 0n, 0n, ZeroAddress, ZeroAddress] as const;
  const hash: string = await f.safe.getTransactionHash(...args, nonce);
  const signers = f.owners.slice(0, 2);
  for (const owner of signers) await (await (f.safe.connect(owner) as Contract).approveHash(hash)).wait();
  const signatures = prevalidatedSignatures(signers.map((o) => o.address));
  return f.safe.interface.encodeFunctionData("execTransaction", [...args, signatures]);
}

for (const version of ["1.5.0", "1.4.1"] as const) {
  describe(`TreasuryGuard (Safe ${version}) ledger integrity`, function () {
    hermetic();
    const fixture = () => guardedSafe(version);

    it("prepares the window at setCap: an asset's first day pays no first-time storage write @gas", async function () {
      const f = await loadFixture(fixture);
      const pay = async (value: bigint) => (await (await f.exec({ to: f.alice.address, value })).wait())!.gasUsed;
      const h0 = (BigInt(await time.latest()) / HOUR + 1n) * HOUR;
      await time.increaseTo(h0);
      await pay(1n);
      const sameHour = await pay(2n);
      await time.increaseTo(h0 + HOUR);
      const firstOfHour = await pay(3n);
      // The hour change writes the previous hour into a ring slot the guard pre-wrote at setCap: a cold read and a
      // non-zero write (about 5,000) and the list walk. A never-written slot would add about 17,100.
      expect(firstOfHour - sameHour).to.be.at.most(6_500n);
    });

    it("keeps the ledger right across a re-entrant (nested) Safe transaction", async function () {
      const f = await loadFixture(fixture);
      const target = await f.target.getAddress();
      const nonce: bigint = await f.safe.nonce();
      // The nested transaction runs at nonce + 1, inside the outer one (through the trusted target).
      const inner = await approvedExecCall(f, { to: f.alice.address, value: parseEther("6") }, nonce + 1n);
      const outer = batch(
        [
          { to: f.bob.address, value: parseEther("3") },
          { to: target, data: f.target.interface.encodeFunctionData("reenter", [f.safeAddress, inner]) },
        ],
        f.multiSendCallOnly,
      );
      await expect(f.exec(outer)).to.changeEtherBalances([f.alice, f.bob], [parseEther("6"), parseEther("3")]);
      expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(parseEther("1"));
    });

    it("refunds only the failed outer transaction's own outflows", async function () {
      const f = await loadFixture(fixture);
      const target = await f.target.getAddress();
      const nonce: bigint = await f.safe.nonce();
      const inner = await approvedExecCall(f, { to: f.alice.address, value: parseEther("6") }, nonce + 1n);
      // Outer: pay 3, run the nested payment of 6, then fail: the whole batch reverts inside the Safe (safeTxGas > 0
      // lets the Safe transaction fail without reverting), so nothing moves and nothing stays counted.
      const outer = batch(
        [
          { to: f.bob.address, value: parseEther("3") },
          { to: target, data: f.target.interface.encodeFunctionData("reenter", [f.safeAddress, inner]) },
          { to: target, data: f.target.interface.encodeFunctionData("fail") },
        ],
        f.multiSendCallOnly,
      );
      const before = await ethers.provider.getBalance(f.safeAddress);
      const tx = await f.exec({ ...outer, safeTxGas: 500_000n });
      await expect(tx).to.emit(f.safe, "ExecutionFailure");
      expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
      expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
    });

    it("sums a batch touching many assets (ETH, several tokens, approvals)", async function () {
      const f = await loadFixture(fixture);
      const tokens = [await f.token.getAddress()];
      for (let i = 0; i < 4; i++) tokens.push(await (await ethers.deployContract("TestERC20")).getAddress());
      const calls = [
        ...tokens.map((token, i) => ({
          to: token,
          data: erc20.encodeFunctionData("transfer", [f.alice.address, BigInt(i + 1)]),
        })),
        { to: f.bob.address, value: 7n },
        ...tokens.map((token, i) => ({
          to: token,
          data: erc20.encodeFunctionData("approve", [f.bob.address, BigInt(10 * (i + 1))]),
        })),
        { to: f.alice.address, value: 5n },
      ];
      const tx = batch(calls, f.multiSendCallOnly);
      const [verdict, reason, outflows] = await f.guard.classify(f.safeAddress, tx.to, 0n, tx.data!, 1, 0n);
      expect(outflows.map((o) => [o.asset, o.amount])).to.have.deep.members([
        ...tokens.map((token, i) => [token, BigInt(i + 1) + BigInt(10 * (i + 1))]),
        [ETH, 12n],
      ]);
      // Only the first token has a cap: the others have none.
      expect([verdict, reason]).to.deep.equal([1n, Reason.NoCap]);
    });

    it("records owner activity for transactions with and without outflows, not for module transactions", async function () {
      const f = await loadFixture(fixture);
      const r1 = await (await f.exec({ to: f.alice.address, value: 1n })).wait();
      const t1 = BigInt((await ethers.provider.getBlock(r1!.blockNumber))!.timestamp);
      // A payment's mark keeps the minute: it stands for the end of that minute, or now if that is earlier.
      const endOfMinute = (t: bigint) => t - (t % 60n) + 59n;
      const recorded1 = await f.guard.lastActivity(f.safeAddress);
      expect(recorded1).to.be.gte(t1).and.lte(endOfMinute(t1));
      // A module spend two hours later moves the window to a new hour (Safe 1.5.0: module guard): the owner
      // activity mark must survive. On 1.4.1 the module bypasses the guard entirely.
      await time.increase(2n * HOUR);
      await (await f.module.exec(f.safeAddress, f.alice.address, 1n, "0x", CALL)).wait();
      expect(await f.guard.lastActivity(f.safeAddress)).to.equal(endOfMinute(t1));
      if (version === "1.5.0") expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN - 2n);
      // An owner transaction that moves nothing (a trusted call).
      await time.increase(DAY);
      const r2 = await (
        await f.exec({ to: await f.target.getAddress(), data: f.target.interface.encodeFunctionData("ping") })
      ).wait();
      const t2 = BigInt((await ethers.provider.getBlock(r2!.blockNumber))!.timestamp);
      expect(await f.guard.lastActivity(f.safeAddress)).to.equal(t2);
      expect((await f.guard.policy(f.safeAddress)).lastActivity).to.equal(t2);
      // A token payment later.
      await time.increase(HOUR);
      const r3 = await (
        await f.exec({
          to: await f.token.getAddress(),
          data: erc20.encodeFunctionData("transfer", [f.bob.address, 5n]),
        })
      ).wait();
      const t3 = BigInt((await ethers.provider.getBlock(r3!.blockNumber))!.timestamp);
      expect(await f.guard.lastActivity(f.safeAddress))
        .to.be.gte(t3)
        .and.lte(endOfMinute(t3));
      await time.increase(HOUR);
      expect(await f.guard.lastActivity(f.safeAddress)).to.equal(endOfMinute(t3));
    });

    it("enforces the cap rounded down to a 21-bit decimal mantissa and treats a rounding increase as loosening", async function () {
      const f = await loadFixture(fixture);
      const g = f.guard.interface;
      const tokenAddress = await f.token.getAddress();
      await (
        await f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setCap", [tokenAddress, 1_234_567_891n]) })
      ).wait();
      expect(await f.guard.capOf(f.safeAddress, tokenAddress)).to.equal(1_234_567_891n);
      expect((await f.guard.remaining(f.safeAddress, tokenAddress)).available).to.equal(1_234_567_000n);
      await (
        await f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setCap", [tokenAddress, 20_971_520n]) })
      ).wait();
      expect((await f.guard.remaining(f.safeAddress, tokenAddress)).available).to.equal(20_971_500n);
      // Lower as set, but the enforced cap would rise from 20,971,500 to 20,971,510.
      await expect(f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setCap", [tokenAddress, 20_971_519n]) }))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.PolicyLoosened);
      // Caps of 2^96 - 1 and above are unbounded up to the window's maximum.
      const { id, eta } = await queueTx(f, {
        to: f.guardAddress,
        data: g.encodeFunctionData("setCap", [tokenAddress, ethers.MaxUint256]),
      });
      await time.increaseTo(eta);
      await (await f.guard.execute(f.safeAddress, id)).wait();
      expect((await f.guard.remaining(f.safeAddress, tokenAddress)).available).to.equal((1n << 96n) - 1n);
    });

    it("bounds the number of capped assets per Safe", async function () {
      const f = await loadFixture(fixture);
      // Any account configures only its own state: an EOA stands in for a fresh Safe here.
      const guard = f.guard.connect(f.stranger);
      const max = await f.guard.MAX_ASSETS();
      for (let i = 0n; i < max; i++) await (await guard.setCap(zeroPadValue(ethers.toBeHex(i + 1n), 20), 1n)).wait();
      await expect(guard.setCap(zeroPadValue(ethers.toBeHex(max + 1n), 20), 1n))
        .to.be.revertedWithCustomError(f.guard, "TooManyAssets")
        .withArgs(max);
      // Re-capping a listed asset is fine.
      await expect(guard.setCap(zeroPadValue(ethers.toBeHex(1n), 20), 2n)).to.not.be.reverted;
      expect(await f.guard.capOf(f.safeAddress, ETH)).to.equal(TEN);
    });
  });
}
