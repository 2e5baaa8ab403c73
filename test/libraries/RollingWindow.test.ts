import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";

import { revertData } from "../../lib/revert";
import type { RollingWindowMock, RollingWindowReferenceMock } from "../../typechain-types";
import { DAY, HOUR } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { type Spend, sumBetween, windowSum } from "../fixtures/window";

// Under coverage (COVERAGE=1) every instrumented step costs several times more: a tenth of the sequences still runs
// every branch, and the full count runs in `npm test`.
const RUNS = (n: number) => (process.env.COVERAGE === "1" ? Math.ceil(n / 10) : n);

const MAX_AMOUNT = (1n << 96n) - 1n;
// An hour-aligned start far from zero, as on a real chain.
const T0 = 1_800_000_000n - (1_800_000_000n % HOUR);

async function deployMock() {
  const mock = await ethers.deployContract("RollingWindowMock");
  return { mock };
}

describe("RollingWindow", function () {
  hermetic();

  describe("spend", function () {
    it("allows exactly the cap and refuses one more wei", async function () {
      const { mock } = await loadFixture(deployMock);
      const cap = 10n * 10n ** 18n;
      await expect(mock.spend(cap, cap, T0)).to.not.be.reverted;
      await expect(mock.spend(cap, 1n, T0 + 10n))
        .to.be.revertedWithCustomError(mock, "RollingWindowCapExceeded")
        .withArgs(1n, 0n);
      expect(await mock.spent(T0)).to.equal(cap);
    });

    it("still refuses 1 wei at t + 23h59m and frees the whole cap by t + 25h", async function () {
      const { mock } = await loadFixture(deployMock);
      const cap = 10n;
      const t = T0 + 1234n; // mid-hour
      await mock.spend(cap, cap, t);
      await expect(mock.spend(cap, 1n, t + DAY - 60n))
        .to.be.revertedWithCustomError(mock, "RollingWindowCapExceeded")
        .withArgs(1n, 0n);
      // Conservative by at most one hour: still counted up to the end of hour floor(t/3600) + 24.
      const freedAt = (t / HOUR + 25n) * HOUR;
      expect(freedAt).to.be.lte(t + DAY + HOUR);
      expect(await mock.available(cap, freedAt - 1n)).to.equal(0n);
      expect(await mock.available(cap, freedAt)).to.equal(cap);
      expect(await mock.nextIncrease(cap, t + 1n)).to.equal(freedAt);
      await expect(mock.spend(cap, cap, t + DAY + HOUR)).to.not.be.reverted;
    });

    it("never resets at a fixed boundary: cap at 23:59 then at 00:01 is refused", async function () {
      const { mock } = await loadFixture(deployMock);
      const midnight = T0 - (T0 % DAY) + DAY;
      await mock.spend(100n, 100n, midnight - 60n);
      await expect(mock.spend(100n, 1n, midnight + 60n)).to.be.revertedWithCustomError(
        mock,
        "RollingWindowCapExceeded",
      );
    });

    it("expires only the buckets that left the window", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(100n, 10n, T0); // hour 0
      await mock.spend(100n, 20n, T0 + 5n * HOUR); // hour 5
      await mock.spend(100n, 30n, T0 + 5n * HOUR + 10n); // hour 5 again (same bucket)
      await mock.spend(100n, 15n, T0 + 20n * HOUR); // hour 20
      expect(await mock.spent(T0 + 24n * HOUR + HOUR - 1n)).to.equal(75n);
      expect(await mock.spent(T0 + 25n * HOUR)).to.equal(65n); // hour 0 left
      expect(await mock.nextIncrease(100n, T0 + 25n * HOUR)).to.equal(T0 + 30n * HOUR);
      expect(await mock.spent(T0 + 30n * HOUR)).to.equal(15n); // hour 5 left
      expect(await mock.spent(T0 + 45n * HOUR)).to.equal(0n);
      expect(await mock.nextIncrease(100n, T0 + 45n * HOUR)).to.equal(0n);
      // Writing after a long gap resets cleanly.
      await mock.spend(100n, 100n, T0 + 100n * HOUR);
      expect(await mock.available(100n, T0 + 100n * HOUR)).to.equal(0n);
    });

    it("reports the next increase once enough expires under a lowered cap", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(100n, 50n, T0);
      await mock.spend(100n, 40n, T0 + HOUR);
      // Cap lowered to 30: 90 counted. Hour 0 leaving gives 40 > 30 (still 0 available); hour 1 leaving frees it.
      expect(await mock.available(30n, T0 + 2n * HOUR)).to.equal(0n);
      expect(await mock.nextIncrease(30n, T0 + 2n * HOUR)).to.equal(T0 + 26n * HOUR);
      expect(await mock.nextIncrease(0n, T0 + 2n * HOUR)).to.equal(0n);
    });

    it("treats amounts beyond 96 bits as over cap without truncating", async function () {
      const { mock } = await loadFixture(deployMock);
      const huge = ethers.MaxUint256;
      expect(await mock.available(huge, T0)).to.equal(MAX_AMOUNT);
      await expect(mock.spend(huge, MAX_AMOUNT + 1n, T0))
        .to.be.revertedWithCustomError(mock, "RollingWindowCapExceeded")
        .withArgs(MAX_AMOUNT + 1n, MAX_AMOUNT);
      await mock.spend(huge, MAX_AMOUNT, T0);
      await expect(mock.spend(huge, 1n, T0)).to.be.revertedWithCustomError(mock, "RollingWindowCapExceeded");
      expect(await mock.spent(T0)).to.equal(MAX_AMOUNT);
      expect(await mock.spent(T0 + 25n * HOUR)).to.equal(0n);
    });

    it("trySpend leaves the window unchanged when refused", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(10n, 7n, T0);
      const before = await mock.header();
      await expect(mock.trySpend(10n, 4n, T0))
        .to.emit(mock, "Spent")
        .withArgs(false, 3n);
      expect(await mock.header()).to.equal(before);
    });

    it("trySpendFrom (the caller's header read) counts and refuses exactly like trySpend", async function () {
      const { mock } = await loadFixture(deployMock);
      const twin = await ethers.deployContract("RollingWindowMock");
      // Same hour, hour changes with and without expiring buckets, a refusal, a zero amount, a long gap.
      const steps: [bigint, bigint][] = [
        [0n, 4n],
        [10n, 3n],
        [HOUR, 2n],
        [HOUR + 5n, 9n],
        [3n * HOUR, 0n],
        [DAY + HOUR, 1n],
        [DAY + 2n * HOUR, 5n],
        [DAY + 4n * HOUR, 1n],
        [3n * DAY, 10n],
      ];
      for (const [dt, amount] of steps) {
        const expected = await mock.trySpend.staticCall(10n, amount, T0 + dt);
        expect(await twin.trySpendFrom.staticCall(10n, amount, T0 + dt)).to.equal(expected);
        await mock.trySpend(10n, amount, T0 + dt);
        await twin.trySpendFrom(10n, amount, T0 + dt);
        expect(await twin.header()).to.equal(await mock.header());
        for (let i = 0n; i < 12n; i++) expect(await twin.ring(i)).to.equal(await mock.ring(i));
      }
    });

    it("fails like checked arithmetic (Panic 0x11) if an expiring bucket exceeds the total", async function () {
      const { mock } = await loadFixture(deployMock);
      // Buckets at hours h, h+1 and h+2; at h+25 the walk expires hour h's 10 (the header's hour is h+2).
      await mock.spend(100n, 10n, T0);
      await mock.spend(100n, 1n, T0 + HOUR);
      await mock.spend(100n, 1n, T0 + 2n * HOUR);
      // Corrupt storage: the header's total (low 96 bits, slot 0) says 5, below the bucket that leaves.
      const header = await mock.header();
      const corrupt = (header & ~MAX_AMOUNT) | 5n;
      await ethers.provider.send("hardhat_setStorageAt", [await mock.getAddress(), "0x0", ethers.toBeHex(corrupt, 32)]);
      await expect(mock.spent(T0 + 25n * HOUR)).to.be.revertedWithPanic(0x11);
    });

    it("reverts beyond the representable hours", async function () {
      const { mock } = await loadFixture(deployMock);
      const t = (1n << 24n) * HOUR;
      await expect(mock.spend(1n, 1n, t))
        .to.be.revertedWithCustomError(mock, "RollingWindowTimestampOutOfRange")
        .withArgs(t);
    });
  });

  describe("extra", function () {
    it("keeps the caller's 35-bit field across spends, refunds and hour changes", async function () {
      const { mock } = await loadFixture(deployMock);
      const mark = (1n << 35n) - 12345n;
      await mock.setExtra(mark);
      await mock.spend(100n, 10n, T0);
      expect(await mock.extra()).to.equal(mark);
      await mock.spend(100n, 10n, T0 + 3n * HOUR);
      await mock.refund(5n, T0 + 3n * HOUR);
      await mock.spend(100n, 10n, T0 + 30n * HOUR);
      expect(await mock.extra()).to.equal(mark);
      expect(await mock.lastHour()).to.equal(T0 / HOUR + 30n);
      await mock.trySpendWithExtra(100n, 1n, T0 + 30n * HOUR, 7n);
      expect(await mock.extra()).to.equal(7n);
      expect(await mock.spent(T0 + 30n * HOUR)).to.equal(11n);
      // A refused spend writes nothing, not even the extra.
      await mock.trySpendWithExtra(100n, 1000n, T0 + 30n * HOUR, 9n);
      expect(await mock.extra()).to.equal(7n);
    });
  });

  describe("refund", function () {
    it("uncounts a spend of the current hour", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(10n, 6n, T0);
      await mock.refund(6n, T0 + 5n);
      expect(await mock.available(10n, T0 + 5n)).to.equal(10n);
    });

    it("refuses to refund more than the current hour's spending", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(10n, 6n, T0);
      await expect(mock.refund(7n, T0))
        .to.be.revertedWithCustomError(mock, "RollingWindowInvalidRefund")
        .withArgs(7n, 6n);
      await expect(mock.refund(6n, T0 + HOUR))
        .to.be.revertedWithCustomError(mock, "RollingWindowInvalidRefund")
        .withArgs(6n, 0n);
    });
  });

  describe("live list", function () {
    it("keeps an hour emptied by a refund linked, so older buckets still expire on time", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(100n, 10n, T0); // hour 0
      await mock.spend(100n, 5n, T0 + 3n * HOUR); // hour 3
      await mock.refund(5n, T0 + 3n * HOUR); // hour 3 is empty again, but hour 0 links to it
      await mock.spend(100n, 1n, T0 + 5n * HOUR); // hour 5: hour 3 joins the ring with amount 0
      expect(await mock.spent(T0 + 24n * HOUR)).to.equal(11n);
      expect(await mock.nextIncrease(100n, T0 + 6n * HOUR)).to.equal(T0 + 25n * HOUR);
      expect(await mock.spent(T0 + 25n * HOUR)).to.equal(1n); // hour 0 left
      await mock.spend(100n, 2n, T0 + 28n * HOUR); // walks hour 3 (empty) to hour 5
      expect(await mock.spent(T0 + 29n * HOUR)).to.equal(3n);
      expect(await mock.spent(T0 + 30n * HOUR)).to.equal(2n); // hour 5 left
      expect(await mock.spent(T0 + 53n * HOUR)).to.equal(0n);
    });

    it("restarts the list when the only live bucket is refunded to zero", async function () {
      const { mock } = await loadFixture(deployMock);
      await mock.spend(100n, 7n, T0);
      await mock.refund(7n, T0);
      await mock.spend(100n, 100n, T0 + HOUR);
      expect(await mock.available(100n, T0 + HOUR)).to.equal(0n);
      expect(await mock.nextIncrease(100n, T0 + HOUR)).to.equal(T0 + 26n * HOUR);
    });
  });

  describe("prepare", function () {
    it("writes every ring slot once, changes no amount and is idempotent", async function () {
      const { mock } = await loadFixture(deployMock);
      expect(await mock.prepared()).to.equal(false);
      await mock.prepare();
      expect(await mock.prepared()).to.equal(true);
      const slots = await Promise.all(Array.from({ length: 12 }, (_, i) => mock.ring(i)));
      for (const slot of slots) expect(slot).to.equal(1n << 255n);
      expect(await mock.spent(T0)).to.equal(0n);
      await mock.prepare();
      for (let i = 0; i < 12; i++) expect(await mock.ring(i)).to.equal(slots[i]);
    });

    it("never overwrites live buckets when run on a window in use", async function () {
      const { mock } = await loadFixture(deployMock);
      for (let h = 0n; h < 6n; h++) await mock.spend(1000n, 10n + h, T0 + h * HOUR);
      const before = await Promise.all(Array.from({ length: 12 }, (_, i) => mock.ring(i)));
      const spentBefore = await mock.spent(T0 + 6n * HOUR);
      const nextBefore = await mock.nextIncrease(1000n, T0 + 6n * HOUR);
      await mock.prepare();
      for (let i = 0; i < 12; i++) {
        const after = await mock.ring(i);
        expect(after).to.equal(before[i] === 0n ? 1n << 255n : before[i]);
      }
      expect(await mock.spent(T0 + 6n * HOUR)).to.equal(spentBefore);
      expect(await mock.nextIncrease(1000n, T0 + 6n * HOUR)).to.equal(nextBefore);
      expect(await mock.spent(T0 + 29n * HOUR)).to.equal(15n); // only hour 5 is left
    });
  });

  describe("against the pre-assembly Solidity (differential)", function () {
    // contracts/test/RollingWindowReference.sol is the library before its roll and count moved to assembly. Both
    // run the same random operations; every result, revert, event and storage word must be identical. The new
    // library is driven through trySpend and trySpendFrom alike (the reference has only trySpend).
    const LAST_HOUR = (1n << 24n) - 1n; // the last representable hour
    const amount = fc.oneof(
      { weight: 6, arbitrary: fc.bigInt(0n, 60n) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(0n, 1n, MAX_AMOUNT - 1n, MAX_AMOUNT, MAX_AMOUNT + 1n, ethers.MaxUint256),
      },
      { weight: 1, arbitrary: fc.bigInt(0n, MAX_AMOUNT) },
    );
    const cap = fc.oneof(
      { weight: 6, arbitrary: fc.bigInt(1n, 100n) },
      { weight: 1, arbitrary: fc.constantFrom(0n, MAX_AMOUNT, MAX_AMOUNT + 1n, ethers.MaxUint256) },
      { weight: 1, arbitrary: fc.bigInt(0n, MAX_AMOUNT) },
    );
    // Extras wider than EXTRA_BITS too: both must mask them the same way.
    const extra = fc.oneof(fc.bigInt(0n, (1n << 35n) - 1n), fc.bigInt(0n, ethers.MaxUint256));
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("trySpend" as const), cap, amount, from: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("spend" as const), cap, amount }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("withExtra" as const), cap, amount, extra }) },
      // Refunds of up to a little more than is usually spent in an hour (some are over the hour's amount).
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), amount: fc.bigInt(0n, 80n) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("setExtra" as const), extra }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("prepare" as const) }) },
      {
        weight: 7,
        arbitrary: fc.record({
          kind: fc.constant("jump" as const),
          // Hour and day boundaries (the ring's wraparound), long gaps, and a clock that goes back.
          seconds: fc.oneof(
            fc.bigInt(0n, 2n * HOUR),
            fc.constantFrom(
              1n,
              HOUR - 1n,
              HOUR,
              HOUR + 1n,
              23n * HOUR,
              DAY - 1n,
              DAY,
              DAY + 1n,
              DAY + HOUR,
              25n * HOUR,
            ),
            fc.bigInt(0n, 3n * DAY),
            fc.bigInt(-2n * HOUR, 0n),
          ),
        }),
      },
    );
    // Starts: a real chain's time, the first hours after 1970 (hour arithmetic near 0) and the last representable
    // hours (jumps cross into RollingWindowTimestampOutOfRange).
    const start = fc.oneof(
      fc.bigInt(T0, T0 + DAY),
      fc.bigInt(0n, DAY),
      fc.bigInt((LAST_HOUR - 30n) * HOUR, (LAST_HOUR + 1n) * HOUR - 1n),
    );

    type Target = RollingWindowMock | RollingWindowReferenceMock;
    /** The return data of a call, or its revert data, as one comparable string. */
    const outcome = async (target: Target, data: string) => {
      try {
        return `ok ${await ethers.provider.call({ to: await target.getAddress(), data })}`;
      } catch (error) {
        const reverted = revertData(error);
        if (reverted === undefined) throw error;
        return `revert ${reverted}`;
      }
    };
    /** Sends `data` to `target` and returns its events (signature and data: the two harnesses declare the same). */
    const logsOf = async (target: Target, data: string) => {
      const [signer] = await ethers.getSigners();
      const receipt = await (await signer.sendTransaction({ to: await target.getAddress(), data })).wait();
      return (receipt?.logs ?? []).map((l) => `${l.topics.join(",")} ${l.data}`);
    };

    it("counts, refuses, refunds, expires and stores exactly as the Solidity version", async function () {
      this.timeout(900_000);
      await fc.assert(
        fc.asyncProperty(start, fc.boolean(), fc.array(op, { minLength: 1, maxLength: 30 }), async (t0, early, ops) => {
          const next = await ethers.deployContract("RollingWindowMock");
          const ref = await ethers.deployContract("RollingWindowReferenceMock");
          if (early) {
            await (await next.prepare()).wait();
            await (await ref.prepare()).wait();
          }
          let t = t0;
          for (const [i, o] of ops.entries()) {
            const at = `op ${i} (${o.kind}) at ${t}`;
            if (o.kind === "jump") {
              t = t + o.seconds < 0n ? 0n : t + o.seconds;
            } else {
              let ours: string;
              let theirs: string;
              if (o.kind === "trySpend") {
                ours = o.from
                  ? next.interface.encodeFunctionData("trySpendFrom", [o.cap, o.amount, t])
                  : next.interface.encodeFunctionData("trySpend", [o.cap, o.amount, t]);
                theirs = ref.interface.encodeFunctionData("trySpend", [o.cap, o.amount, t]);
              } else if (o.kind === "spend") {
                ours = next.interface.encodeFunctionData("spend", [o.cap, o.amount, t]);
                theirs = ref.interface.encodeFunctionData("spend", [o.cap, o.amount, t]);
              } else if (o.kind === "withExtra") {
                ours = next.interface.encodeFunctionData("trySpendWithExtra", [o.cap, o.amount, t, o.extra]);
                theirs = ref.interface.encodeFunctionData("trySpendWithExtra", [o.cap, o.amount, t, o.extra]);
              } else if (o.kind === "refund") {
                ours = next.interface.encodeFunctionData("refund", [o.amount, t]);
                theirs = ref.interface.encodeFunctionData("refund", [o.amount, t]);
              } else if (o.kind === "setExtra") {
                ours = next.interface.encodeFunctionData("setExtra", [o.extra]);
                theirs = ref.interface.encodeFunctionData("setExtra", [o.extra]);
              } else {
                ours = next.interface.encodeFunctionData("prepare");
                theirs = ref.interface.encodeFunctionData("prepare");
              }
              const result = await outcome(next, ours);
              expect(result, at).to.equal(await outcome(ref, theirs));
              if (result.startsWith("ok")) {
                // Same events (Spent with the same ok and availableBefore).
                expect(await logsOf(next, ours), at).to.deep.equal(await logsOf(ref, theirs));
              }
            }
            expect(await next.state(), at).to.deep.equal(await ref.state());
            // The views agree now and a little later (expiries between two writes).
            for (const [c, later] of [
              [100n, 0n],
              [30n, HOUR],
              [ethers.MaxUint256, 25n * HOUR],
            ] as const) {
              const view = t + later;
              for (const [ours, theirs] of [
                [next.interface.encodeFunctionData("spent", [view]), ref.interface.encodeFunctionData("spent", [view])],
                [
                  next.interface.encodeFunctionData("available", [c, view]),
                  ref.interface.encodeFunctionData("available", [c, view]),
                ],
                [
                  next.interface.encodeFunctionData("nextIncrease", [c, view]),
                  ref.interface.encodeFunctionData("nextIncrease", [c, view]),
                ],
              ]) {
                expect(await outcome(next, ours), `${at}, view at ${view}`).to.equal(await outcome(ref, theirs));
              }
            }
          }
        }),
        { numRuns: RUNS(200) },
      );
    });
  });

  describe("properties", function () {
    // The reference model (test/fixtures/window): the list of counted spends.

    const op = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant("spend" as const), amount: fc.bigInt(0n, 60n) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("batch" as const),
          amounts: fc.array(fc.bigInt(1n, 30n), { minLength: 2, maxLength: 4 }),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("jump" as const),
          // Mostly short jumps, with hour and day boundaries hit often.
          seconds: fc.oneof(
            fc.bigInt(0n, 2n * HOUR),
            fc.constantFrom(HOUR - 1n, HOUR, DAY - 60n, DAY, DAY + HOUR - 1n, DAY + HOUR),
            fc.bigInt(0n, 3n * DAY),
          ),
        }),
      },
    );

    it("no 24h interval ever counts more than the cap; every refusal would have broken it (1h slack)", async function () {
      this.timeout(600_000);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt(1n, 100n),
          fc.bigInt(0n, HOUR - 1n),
          fc.array(op, { minLength: 1, maxLength: 40 }),
          async (cap, offset, ops) => {
            // A fresh window per run, far in time from the previous runs' buckets.
            const fresh = await ethers.deployContract("RollingWindowMock");
            run++;
            let t = T0 + BigInt(run) * 10n * DAY + offset;
            const counted: Spend[] = [];
            const attempt = async (amount: bigint) => {
              const inWindow = windowSum(counted, t);
              const expectedOk = inWindow + amount <= cap;
              // Alternately through trySpend and trySpendFrom (the header read by the caller).
              const viaHeader = counted.length % 2 === 1;
              const ok = viaHeader
                ? await fresh.trySpendFrom.staticCall(cap, amount, t)
                : await fresh.trySpend.staticCall(cap, amount, t);
              expect(ok, `spend ${amount} at ${t}`).to.equal(expectedOk);
              await (viaHeader ? fresh.trySpendFrom(cap, amount, t) : fresh.trySpend(cap, amount, t));
              if (ok) {
                counted.push({ t, amount });
              } else {
                // Refused: it would really have broken the cap over (t - 25h, t].
                expect(sumBetween(counted, t - DAY - HOUR + 1n, t) + amount).to.be.gt(cap);
              }
              return ok;
            };
            for (const o of ops) {
              if (o.kind === "jump") {
                t += o.seconds;
              } else if (o.kind === "spend") {
                await attempt(o.amount);
              } else {
                // A batch: several spends in one transaction, summed before the check (all or nothing).
                const total = o.amounts.reduce((a, b) => a + b, 0n);
                const avail = await fresh.available(cap, t);
                if (total <= avail) {
                  for (const a of o.amounts) expect(await attempt(a)).to.equal(true);
                } else {
                  expect(sumBetween(counted, t - DAY - HOUR + 1n, t) + total).to.be.gt(cap);
                }
              }
              // The view agrees with the model.
              const inWindow = windowSum(counted, t);
              expect(await fresh.available(cap, t)).to.equal(cap > inWindow ? cap - inWindow : 0n);
            }
            // Safety: every 24h interval [s, s + 24h) starting at a counted spend stays within the cap.
            for (const s of counted) {
              expect(sumBetween(counted, s.t, s.t + DAY - 1n), `interval from ${s.t}`).to.be.lte(cap);
            }
            // nextIncrease is when the model's in-window sum first drops (if ever).
            const next = await fresh.nextIncrease(cap, t);
            const hourNow = t / HOUR;
            const live = counted.filter((s) => s.amount > 0n && s.t / HOUR >= hourNow - 24n);
            if (live.length === 0) {
              expect(next).to.equal(0n);
            } else {
              const availNow = await fresh.available(cap, t);
              expect(next).to.be.gt(t);
              expect(await fresh.available(cap, next)).to.be.gt(availNow);
              expect(await fresh.available(cap, next - 1n)).to.equal(availNow);
            }
          },
        ),
        { numRuns: RUNS(150) },
      );
    });

    it("refunds and pre-writing the ring change nothing but the refunded amounts", async function () {
      this.timeout(600_000);
      const step = fc.oneof(
        { weight: 5, arbitrary: fc.record({ kind: fc.constant("spend" as const), amount: fc.bigInt(1n, 60n) }) },
        {
          weight: 3,
          // A refund of the whole current hour (as when the hour's only transaction fails), or of some amount.
          arbitrary: fc.record({ kind: fc.constant("refund" as const), amount: fc.bigInt(1n, 60n), all: fc.boolean() }),
        },
        {
          weight: 4,
          arbitrary: fc.record({
            kind: fc.constant("jump" as const),
            seconds: fc.oneof(
              fc.bigInt(0n, 3n * HOUR),
              fc.constantFrom(HOUR, DAY, DAY + HOUR),
              fc.bigInt(0n, 2n * DAY),
            ),
          }),
        },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt(1n, 100n),
          fc.boolean(),
          fc.array(step, { minLength: 1, maxLength: 40 }),
          async (cap, prepareFirst, steps) => {
            const fresh = await ethers.deployContract("RollingWindowMock");
            if (prepareFirst) await fresh.prepare();
            run++;
            let t = T0 + BigInt(run) * 10n * DAY;
            // The model: what each hour counts.
            const hours = new Map<bigint, bigint>();
            const hourlySum = (at: bigint) =>
              windowSum(
                [...hours].map(([h, amount]) => ({ t: h * HOUR, amount })),
                at,
              );
            for (const s of steps) {
              const hour = t / HOUR;
              if (s.kind === "jump") {
                t += s.seconds;
              } else if (s.kind === "spend") {
                const ok = hourlySum(t) + s.amount <= cap;
                await fresh.trySpend(cap, s.amount, t);
                if (ok) hours.set(hour, (hours.get(hour) ?? 0n) + s.amount);
              } else {
                const current = hours.get(hour) ?? 0n;
                const amount = s.all && current > 0n ? current : s.amount;
                if (amount <= current) {
                  await fresh.refund(amount, t);
                  hours.set(hour, current - amount);
                } else {
                  await expect(fresh.refund(amount, t))
                    .to.be.revertedWithCustomError(fresh, "RollingWindowInvalidRefund")
                    .withArgs(amount, current);
                }
              }
              expect(await fresh.spent(t), `spent at ${t}`).to.equal(hourlySum(t));
            }
            // The window agrees with the model for the next two days, hour by hour.
            for (let k = 0n; k <= 50n; k++) {
              const at = t + k * HOUR;
              expect(await fresh.spent(at), `spent ${k}h later`).to.equal(hourlySum(at));
            }
          },
        ),
        { numRuns: RUNS(150) },
      );
    });
  });
});
