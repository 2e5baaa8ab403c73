import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { parseEther } from "ethers";

import { batch } from "../fixtures/batch";
import { DAY, ETH, HOUR } from "../fixtures/constants";
import { guardedSafe, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { type Spend, sumBetween, windowSum } from "../fixtures/window";

const CAP = parseEther("10");
const UNIT = parseEther("1");

for (const version of ["1.5.0", "1.4.1"] as const) {
  describe(`TreasuryGuard (Safe ${version}) rolling cap property`, function () {
    hermetic();
    const fixture = () => guardedSafe(version);

    it("no 24h interval ever counts more than the cap; every refusal would have broken it (1h slack)", async function () {
      this.timeout(600_000);
      const op = fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: fc.constant("send" as const), units: fc.bigInt(1n, 7n) }) },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant("batch" as const),
            units: fc.array(fc.bigInt(1n, 5n), { minLength: 2, maxLength: 3 }),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            kind: fc.constant("jump" as const),
            seconds: fc.oneof(
              fc.bigInt(1n, 3n * HOUR),
              fc.constantFrom(DAY - 120n, DAY, DAY + HOUR),
              fc.bigInt(1n, 2n * DAY),
            ),
          }),
        },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          const f = await loadFixture(fixture);
          const counted: Spend[] = [];
          for (const o of ops) {
            if (o.kind === "jump") {
              await time.increase(o.seconds);
              continue;
            }
            const amounts = o.kind === "send" ? [o.units * UNIT] : o.units.map((u) => u * UNIT);
            const tx =
              o.kind === "send"
                ? { to: f.alice.address, value: amounts[0] }
                : batch(
                    amounts.map((value, i) => ({ to: i % 2 ? f.bob.address : f.alice.address, value })),
                    f.multiSendCallOnly,
                  );
            const total = amounts.reduce((a, b) => a + b, 0n);
            let ok: boolean;
            try {
              await (await f.exec(tx)).wait();
              ok = true;
            } catch {
              ok = false;
            }
            const t = BigInt(await time.latest());
            const inWindow = windowSum(counted, t);
            // The guard decides exactly as the hourly-bucket model...
            expect(ok, `spend ${total} at ${t} with ${inWindow} counted`).to.equal(inWindow + total <= CAP);
            if (ok) counted.push({ t, amount: total });
            // ...so a refusal would have broken the cap over (t - 25h, t].
            else expect(sumBetween(counted, t - DAY - HOUR + 1n, t) + total).to.be.gt(CAP);
            expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(
              CAP > inWindow + (ok ? total : 0n) ? CAP - inWindow - (ok ? total : 0n) : 0n,
            );
          }
          // Safety: every 24h interval starting at a counted spend stays within the cap.
          for (const s of counted) expect(sumBetween(counted, s.t, s.t + DAY - 1n)).to.be.lte(CAP);
        }),
        { numRuns: 30 },
      );
    });
  });
}
