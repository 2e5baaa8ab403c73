import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import { DELEGATECALL, erc20, ETH, Reason, safeIface, Verdict } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const fixture = async () => {
  const f = await guardedSafe("1.5.0");
  // A second token without a cap.
  const other = await ethers.deployContract("TestERC20");
  return { ...f, other: await other.getAddress() };
};

/**
 * The batch decoder has an inline path for ERC20 transfer() entries and a general path for everything else. This
 * compares classify() on random batches mixing both with a model of the policy (docs/policy.md).
 */
describe("TreasuryGuard batch decoding (fuzz against a model)", function () {
  hermetic();

  it("classifies random MultiSendCallOnly batches like the model", async function () {
    this.timeout(300_000);
    const f = await loadFixture(fixture);
    const tokenA = await f.token.getAddress(); // cap 1000e18
    const tokenB = f.other; // no cap
    const whitelisted = new Set([f.alice.address, f.bob.address]);
    const recipients = [f.alice.address, f.bob.address, f.stranger.address, f.safeAddress];
    const entry = fc.oneof(
      fc.record({
        kind: fc.constant("transfer" as const),
        token: fc.constantFrom(tokenA, tokenA, tokenB),
        recipient: fc.constantFrom(...recipients),
        amount: fc.oneof(fc.constant(0n), fc.bigInt(1n, 10n ** 18n)),
        value: fc.oneof({ weight: 4, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt(1n, 10n ** 17n) }),
        padded: fc.boolean(), // extra trailing calldata byte: general path
      }),
      fc.record({
        kind: fc.constant("eth" as const),
        recipient: fc.constantFrom(...recipients),
        value: fc.bigInt(0n, 10n ** 17n),
      }),
      fc.record({ kind: fc.constant("self" as const), zero: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 8 }), async (entries) => {
        const calls: { to: string; value?: bigint; data?: string }[] = [];
        const sums = new Map<string, bigint>();
        let reason: bigint | undefined;
        const flag = (r: bigint) => {
          if (reason === undefined) reason = r;
        };
        // The recipient of a token call is checked whatever the amount (0 can be a token id); ETH only moves, and
        // so only needs a checked recipient, when the value is non-zero.
        const outflow = (asset: string, recipient: string, amount: bigint) => {
          if (recipient === f.safeAddress || (asset === ETH && amount === 0n)) return;
          if (!whitelisted.has(recipient)) flag(Reason.RecipientNotAllowed);
          if (amount !== 0n) sums.set(asset, (sums.get(asset) ?? 0n) + amount);
        };
        for (const e of entries) {
          if (e.kind === "self") {
            calls.push({
              to: e.zero ? ZeroAddress : f.safeAddress,
              data: safeIface.encodeFunctionData("changeThreshold", [1n]),
            });
            flag(Reason.SafeSelfCall);
          } else if (e.kind === "eth") {
            calls.push({ to: e.recipient, value: e.value });
            if (e.recipient !== f.safeAddress) outflow(ETH, e.recipient, e.value);
          } else {
            const data = erc20.encodeFunctionData("transfer", [e.recipient, e.amount]) + (e.padded ? "00" : "");
            calls.push({ to: e.token, value: e.value, data });
            outflow(ETH, e.token, e.value);
            outflow(e.token, e.recipient, e.amount);
          }
        }
        const tx = batch(calls, f.multiSendCallOnly);
        const [verdict, gotReason, outflows] = await f.guard.classify(
          f.safeAddress,
          tx.to,
          0n,
          tx.data!,
          DELEGATECALL,
          0n,
        );
        if (reason === undefined && (sums.get(tokenB) ?? 0n) > 0n) reason = Reason.NoCap;
        if (reason === undefined && (sums.get(ETH) ?? 0n) > parseEther("10")) reason = Reason.CapExceeded;
        expect([verdict, gotReason]).to.deep.equal(
          reason === undefined ? [Verdict.Instant, Reason.None] : [Verdict.Delayed, reason],
        );
        expect(outflows.map((o) => [o.asset, o.amount])).to.have.deep.members([...sums.entries()]);
      }),
      { numRuns: 300 },
    );
  });
});
