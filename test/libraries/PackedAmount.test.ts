import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";

import { hermetic } from "../fixtures/hermetic";

const RUNS = (n: number) => (process.env.COVERAGE === "1" ? Math.ceil(n / 10) : n);

const MAX_AMOUNT = (1n << 96n) - 1n;
// The widths the contracts use: the guard's cap and the module's allowance.
const GUARD = 21n;
const MODULE = 29n;

/** Reference model of the rounding rule: drop the fewest trailing decimal digits that make the mantissa fit. */
function model(amount: bigint, bits: bigint): { mantissa: bigint; exponent: bigint; value: bigint } {
  let mantissa = amount > MAX_AMOUNT ? MAX_AMOUNT : amount;
  let exponent = 0n;
  while (mantissa >= 1n << bits) {
    mantissa /= 10n;
    exponent += 1n;
  }
  return { mantissa, exponent, value: mantissa * 10n ** exponent };
}

const pack = (mantissa: bigint, exponent: bigint, bits: bigint) => (exponent << bits) | mantissa;

async function deployMock() {
  const mock = await ethers.deployContract("PackedAmountMock");
  return { mock };
}

describe("PackedAmount", function () {
  hermetic();

  for (const [name, bits, digits] of [
    ["guard cap (21-bit mantissa)", GUARD, 6],
    ["module allowance (29-bit mantissa)", MODULE, 8],
  ] as const) {
    describe(name, function () {
      const top = (1n << bits) - 1n;

      it(`is exact for every amount with at most ${digits} significant digits`, async function () {
        const { mock } = await loadFixture(deployMock);
        await fc.assert(
          fc.asyncProperty(
            fc.bigInt(1n, 10n ** BigInt(digits) - 1n),
            fc.integer({ min: 0, max: 29 - digits }),
            async (significand, zeros) => {
              const amount = significand * 10n ** BigInt(zeros);
              // Exactness holds below the saturation (MAX_AMOUNT has 29 digits).
              fc.pre(amount < MAX_AMOUNT);
              expect(await mock.roundTrip(amount, bits)).to.equal(amount);
              expect(await mock.roundTripOrUnbounded(amount, bits)).to.equal(amount);
            },
          ),
          { numRuns: RUNS(60) },
        );
      });

      it("keeps the mantissa up to 2^bits - 1 and rounds the next amount down by one digit", async function () {
        const { mock } = await loadFixture(deployMock);
        expect(await mock.encode(0n, bits)).to.equal(0n);
        expect(await mock.encode(top, bits)).to.equal(pack(top, 0n, bits));
        expect(await mock.roundTrip(top, bits)).to.equal(top);
        // top + 1 loses its last digit: mantissa (top + 1) / 10, exponent 1.
        expect(await mock.encode(top + 1n, bits)).to.equal(pack((top + 1n) / 10n, 1n, bits));
        expect(await mock.roundTrip(top + 1n, bits)).to.equal(((top + 1n) / 10n) * 10n);
        expect(await mock.roundTrip(top * 10n + 9n, bits)).to.equal(top * 10n);
        expect(await mock.roundTrip(top * 10n + 10n, bits)).to.equal(((top + 1n) / 10n) * 100n);
      });

      it("rounds every amount down to the largest multiple of its exponent's power of ten (reference model)", async function () {
        const { mock } = await loadFixture(deployMock);
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(fc.bigInt(0n, MAX_AMOUNT), fc.bigInt(0n, 10n ** 12n), fc.bigInt(top - 1000n, top * 1000n)),
            async (amount) => {
              const expected = model(amount, bits);
              const packed = await mock.encode(amount, bits);
              expect(packed).to.equal(pack(expected.mantissa, expected.exponent, bits));
              const value = await mock.decode(packed, bits);
              expect(value).to.equal(expected.value);
              // Never above the amount, and the largest such multiple of 10^exponent.
              expect(value <= amount).to.equal(true);
              expect(value + 10n ** expected.exponent > amount).to.equal(true);
              // The exponent is the smallest that fits: one less would overflow the mantissa.
              if (expected.exponent > 0n) expect(amount / 10n ** (expected.exponent - 1n) > top).to.equal(true);
              expect(await mock.roundTripOrUnbounded(amount, bits)).to.equal(
                amount >= MAX_AMOUNT ? 10n ** 29n : expected.value,
              );
            },
          ),
          { numRuns: RUNS(120) },
        );
      });

      it("clamps amounts above MAX_AMOUNT to MAX_AMOUNT rounded down (encode)", async function () {
        const { mock } = await loadFixture(deployMock);
        const rounded = model(MAX_AMOUNT, bits);
        expect(rounded.value < MAX_AMOUNT).to.equal(true);
        for (const amount of [
          MAX_AMOUNT - 1n,
          MAX_AMOUNT,
          MAX_AMOUNT + 1n,
          10n ** 29n,
          10n ** 40n,
          ethers.MaxUint256,
        ]) {
          const packed = await mock.encode(amount, bits);
          const expected = model(amount, bits);
          expect(packed).to.equal(pack(expected.mantissa, expected.exponent, bits));
          expect(packed >> bits < 32n).to.equal(true);
        }
        expect(await mock.roundTrip(ethers.MaxUint256, bits)).to.equal(rounded.value);
        expect(await mock.roundTrip(MAX_AMOUNT + 1n, bits)).to.equal(rounded.value);
      });

      it("maps amounts at or above MAX_AMOUNT to 10^29 and keeps amounts below it (encodeOrUnbounded)", async function () {
        const { mock } = await loadFixture(deployMock);
        const unbounded = pack(1n, 29n, bits);
        expect(await mock.unbounded(bits)).to.equal(unbounded);
        for (const amount of [MAX_AMOUNT, MAX_AMOUNT + 1n, 10n ** 29n, ethers.MaxUint256]) {
          expect(await mock.encodeOrUnbounded(amount, bits)).to.equal(unbounded);
        }
        expect(await mock.decode(unbounded, bits)).to.equal(10n ** 29n);
        expect(10n ** 29n > MAX_AMOUNT).to.equal(true);
        // One below MAX_AMOUNT is rounded like any other amount, to a bound below MAX_AMOUNT.
        const below = model(MAX_AMOUNT - 1n, bits);
        expect(await mock.encodeOrUnbounded(MAX_AMOUNT - 1n, bits)).to.equal(
          pack(below.mantissa, below.exponent, bits),
        );
      });

      it("decodes only its own bits and the largest packed value without overflow", async function () {
        const { mock } = await loadFixture(deployMock);
        const packed = pack(12345n, 7n, bits);
        const flags = ((1n << 40n) - 1n) << (bits + 5n);
        expect(await mock.decode(packed | flags, bits)).to.equal(12345n * 10n ** 7n);
        expect(await mock.decode(pack(top, 31n, bits), bits)).to.equal(top * 10n ** 31n);
        expect(await mock.decode(ethers.MaxUint256, bits)).to.equal(top * 10n ** 31n);
      });
    });
  }

  it("gives the contracts' saturated values: guard 10^29, module 79,228,162 * 10^21", async function () {
    const { mock } = await loadFixture(deployMock);
    expect(await mock.roundTripOrUnbounded(ethers.MaxUint256, GUARD)).to.equal(10n ** 29n);
    expect(await mock.roundTrip(ethers.MaxUint256, MODULE)).to.equal(79_228_162n * 10n ** 21n);
    // Largest cap the guard rounds (one below MAX_AMOUNT): 792,281 * 10^23.
    expect(await mock.roundTripOrUnbounded(MAX_AMOUNT - 1n, GUARD)).to.equal(792_281n * 10n ** 23n);
    // A smaller exponent with a saturated mantissa would come closer; the rule keeps the leading digits.
    expect(await mock.roundTrip(2_097_152n, GUARD)).to.equal(2_097_150n);
  });
});
