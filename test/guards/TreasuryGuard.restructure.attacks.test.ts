import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import { CALL, DELEGATECALL, erc20, Reason, safeIface, Verdict } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

// Attacks on the restructure (PackedAmount, SafeCanonical): each asserts the exact verdict and reason and that the
// policy and balances did not move.

const fixture = () => guardedSafe("1.5.0");
const MAX_AMOUNT = 2n ** 96n - 1n;
const CAP = parseEther("1000");

const MULTI_SEND = {
  "1.3.0": "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761",
  "1.4.1": "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
  "1.5.0": "0x218543288004CD07832472D464648173c77D7eB7",
} as const;
const MSCO = {
  "1.3.0": "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",
  "1.4.1": "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
  "1.5.0": "0xA83c336B20401Af773B6219BA5027174338D1836",
} as const;
const LIBRARIES = [
  "0x6439e7ABD8Bb915A5263094784C5CF561c4172AC",
  "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
  "0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa",
];

describe("TreasuryGuard restructure attacks (PackedAmount, SafeCanonical)", function () {
  hermetic();

  type F = Awaited<ReturnType<typeof fixture>>;
  const snapshot = async (f: F) => {
    const token = await f.token.getAddress();
    return [
      await f.guard.capOf(f.safeAddress, token),
      (await f.guard.remaining(f.safeAddress, token))[0],
      await f.token.balanceOf(f.safeAddress),
    ];
  };
  const classifySetCap = async (f: F, cap: bigint) => {
    const data = f.guard.interface.encodeFunctionData("setCap", [await f.token.getAddress(), cap]);
    const [v, r] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n);
    return [v, r];
  };

  it("raising a real cap to the unbounded sentinel (>= MAX_AMOUNT) or just below it is loosening", async function () {
    const f = await loadFixture(fixture);
    const before = await snapshot(f);
    for (const cap of [MAX_AMOUNT - 1n, MAX_AMOUNT, MAX_AMOUNT + 1n, 2n ** 256n - 1n, CAP + 1n]) {
      expect(await classifySetCap(f, cap), cap.toString()).to.deep.equal([Verdict.Delayed, Reason.PolicyLoosened]);
    }
    expect(await snapshot(f)).to.deep.equal(before);
  });

  it("caps near 2^21 * 10^k: lowering below the cap is instant, raising above it is loosening", async function () {
    const f = await loadFixture(fixture);
    const before = await snapshot(f);
    expect(await classifySetCap(f, CAP - 1n)).to.deep.equal([Verdict.Instant, Reason.None]);
    expect(await classifySetCap(f, 2n ** 21n * 10n ** 15n)).to.deep.equal([Verdict.Delayed, Reason.PolicyLoosened]);
    expect(await classifySetCap(f, 2n ** 21n * 10n ** 14n - 1n)).to.deep.equal([Verdict.Instant, Reason.None]);
    expect(await snapshot(f)).to.deep.equal(before);
  });

  it("a transfer of the cap plus one unit is CapExceeded, inside a 1.5.0 MultiSendCallOnly batch too", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    const before = await snapshot(f);
    const data = erc20.encodeFunctionData("transfer", [f.alice.address, CAP + 1n]);
    expect((await f.guard.classify(f.safeAddress, token, 0n, data, CALL, 0n)).slice(0, 2)).to.deep.equal([
      Verdict.Delayed,
      Reason.CapExceeded,
    ]);
    const tx = batch([{ to: token, data }], f.multiSendCallOnly);
    expect((await f.guard.classify(f.safeAddress, tx.to, 0n, tx.data!, DELEGATECALL, 0n)).slice(0, 2)).to.deep.equal([
      Verdict.Delayed,
      Reason.CapExceeded,
    ]);
    expect(await snapshot(f)).to.deep.equal(before);
  });

  for (const [version, address] of Object.entries(MULTI_SEND)) {
    it(`DELEGATECALL to MultiSend ${version} is Forbidden PlainMultiSend`, async function () {
      const f = await loadFixture(fixture);
      const tx = batch([{ to: f.alice.address, value: 1n }], MSCO["1.5.0"]);
      const [v, r] = await f.guard.classify(f.safeAddress, address, 0n, tx.data!, DELEGATECALL, 0n);
      expect([v, r]).to.deep.equal([Verdict.Forbidden, Reason.PlainMultiSend]);
    });
  }

  for (const address of LIBRARIES) {
    it(`DELEGATECALL to Safe library ${address} needs the queue`, async function () {
      const f = await loadFixture(fixture);
      const [v, r] = await f.guard.classify(f.safeAddress, address, 0n, "0x12345678", DELEGATECALL, 0n);
      expect([v, r]).to.deep.equal([Verdict.Delayed, Reason.SafeLibraryDelegateCall]);
    });
  }

  for (const version of ["1.3.0", "1.4.1"] as const) {
    it(`address(0) in a MultiSendCallOnly ${version} batch is not the Safe (but 1.5.0's is)`, async function () {
      const f = await loadFixture(fixture);
      const before = await snapshot(f);
      const data = safeIface.encodeFunctionData("enableModule", [f.stranger.address]);
      const old = batch([{ to: ZeroAddress, data }], MSCO[version]);
      expect(
        (await f.guard.classify(f.safeAddress, old.to, 0n, old.data!, DELEGATECALL, 0n)).slice(0, 2),
      ).to.deep.equal([Verdict.Delayed, Reason.UntrustedTarget]);
      const cur = batch([{ to: ZeroAddress, data }], MSCO["1.5.0"]);
      expect(
        (await f.guard.classify(f.safeAddress, cur.to, 0n, cur.data!, DELEGATECALL, 0n)).slice(0, 2),
      ).to.deep.equal([Verdict.Delayed, Reason.SafeSelfCall]);
      expect(await snapshot(f)).to.deep.equal(before);
    });
  }

  it("a compromised module DELEGATECALLing any version's MultiSend is refused, nothing moves", async function () {
    const f = await loadFixture(fixture);
    const before = await snapshot(f);
    const eth = await ethers.provider.getBalance(f.safeAddress);
    const tx = batch([{ to: f.stranger.address, value: 1n }], MSCO["1.5.0"]);
    for (const address of Object.values(MULTI_SEND)) {
      await expect(f.module.exec(f.safeAddress, address, 0n, tx.data!, DELEGATECALL))
        .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
        .withArgs(Reason.PlainMultiSend);
    }
    const data = safeIface.encodeFunctionData("enableModule", [f.stranger.address]);
    const old = batch([{ to: ZeroAddress, data }], MSCO["1.4.1"]);
    await expect(f.module.exec(f.safeAddress, old.to, 0n, old.data!, DELEGATECALL))
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.UntrustedTarget);
    expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(eth);
    expect(await snapshot(f)).to.deep.equal(before);
  });
});
