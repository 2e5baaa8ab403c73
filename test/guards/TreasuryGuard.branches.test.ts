import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, solidityPacked } from "ethers";
import { tokenInterface } from "../../lib/abi";

import { batch } from "../fixtures/batch";
import { CALL, DELEGATECALL, QueueState, Reason, Verdict } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const fixture = () => guardedSafe("1.5.0");

// Canonical Safe deployments the guard recognises by address.
const MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836";
const MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2";
const MSCO_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D";
const MULTI_SEND_130 = "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761";
const MULTI_SEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526";
const SAFE_MIGRATION_150 = "0x6439e7ABD8Bb915A5263094784C5CF561c4172AC";
const SIGN_MESSAGE_LIB_141 = "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9";
const SIGN_MESSAGE_LIB_150 = "0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa";

describe("TreasuryGuard classification branches (classify and the hooks)", function () {
  hermetic();

  it("judges DELEGATECALLs by the canonical library they target", async function () {
    const f = await loadFixture(fixture);
    const cases: [string, string, bigint, bigint][] = [
      [MSCO_150, "0x12", Verdict.Forbidden, Reason.DelegateCallForbidden], // no selector
      [MSCO_141, "0xdeadbeef", Verdict.Forbidden, Reason.DelegateCallForbidden], // not multiSend
      [MSCO_130, "0xdeadbeef", Verdict.Forbidden, Reason.DelegateCallForbidden],
      [SAFE_MIGRATION_150, "0x", Verdict.Delayed, Reason.SafeLibraryDelegateCall],
      [SIGN_MESSAGE_LIB_141, "0x", Verdict.Delayed, Reason.SafeLibraryDelegateCall],
      [SIGN_MESSAGE_LIB_150, "0x", Verdict.Delayed, Reason.SafeLibraryDelegateCall],
      [MULTI_SEND_141, "0x", Verdict.Forbidden, Reason.PlainMultiSend],
      [MULTI_SEND_130, "0x", Verdict.Forbidden, Reason.PlainMultiSend],
    ];
    for (const [to, data, verdict, reason] of cases) {
      const [v, r] = await f.guard.classify(f.safeAddress, to, 0n, data, DELEGATECALL, 0n);
      expect([v, r], `${to} ${data}`).to.deep.equal([verdict, reason]);
    }
  });

  it("reverts MalformedBatch for a short payload, a wrong offset, or a length past the data", async function () {
    const f = await loadFixture(fixture);
    const body = (offset: bigint, length: bigint, payload: string) =>
      "0x8d80ff0a" + solidityPacked(["uint256", "uint256", "bytes"], [offset, length, payload]).slice(2);
    const payloads = [
      "0x8d80ff0a" + "00".repeat(63), // shorter than offset + length
      body(0x40n, 0n, "0x"),
      body(0x20n, 1n, "0x"),
    ];
    for (const data of payloads) {
      await expect(
        f.guard.classify(f.safeAddress, MSCO_141, 0n, data, DELEGATECALL, 0n),
        data,
      ).to.be.revertedWithCustomError(f.guard, "MalformedBatch");
    }
  });

  it("needs the queue for token calls whose arguments are truncated", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    // [signature, args, bytes kept: one short of the arguments the guard decodes]
    const cases: [string, unknown[], number][] = [
      ["transferFrom(address,address,uint256)", [f.safeAddress, f.alice.address, 1n], 99],
      ["safeTransferFrom(address,address,uint256)", [f.safeAddress, f.alice.address, 1n], 67],
      ["setApprovalForAll(address,bool)", [f.alice.address, true], 67],
    ];
    for (const [signature, args, kept] of cases) {
      const full = tokenInterface.encodeFunctionData(signature, args);
      // Complete, each of them is instant (whitelisted recipient, within the cap).
      expect((await f.guard.classify(f.safeAddress, token, 0n, full, CALL, 0n))[0], signature).to.equal(
        Verdict.Instant,
      );
      const cut = full.slice(0, 2 + 2 * kept);
      const [v, r, outflows] = await f.guard.classify(f.safeAddress, token, 0n, cut, CALL, 0n);
      expect([v, r, outflows.length], signature).to.deep.equal([Verdict.Delayed, Reason.UntrustedTarget, 0]);
    }
  });

  it("saturates an asset's summed outflows in a batch instead of wrapping", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    const transfer = tokenInterface.encodeFunctionData("transfer(address,uint256)", [f.alice.address, MaxUint256]);
    const small = tokenInterface.encodeFunctionData("transfer(address,uint256)", [f.alice.address, 2n]);
    const tx = batch(
      [
        { to: token, data: transfer },
        { to: token, data: small },
      ],
      f.multiSendCallOnly,
    );
    const [, , outflows] = await f.guard.classify(f.safeAddress, tx.to, 0n, tx.data!, DELEGATECALL, 0n);
    expect(outflows.map((o) => [o.asset, o.amount])).to.deep.equal([[token, MaxUint256]]);
    // Executed, it is over the cap (CapExceeded), not an overflow panic, and nothing moves.
    const balance = await f.token.balanceOf(f.safeAddress);
    await expect(f.exec(tx)).to.be.revertedWithCustomError(f.guard, "CapExceeded");
    expect(await f.token.balanceOf(f.safeAddress)).to.equal(balance);
  });

  it("counts nothing for a zero-amount transfer or a transfer to the Safe itself", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    const [before] = await f.guard.remaining(f.safeAddress, token);
    for (const [to, amount] of [
      [f.alice.address, 0n],
      [f.safeAddress, 5n],
    ] as [string, bigint][]) {
      const data = tokenInterface.encodeFunctionData("transfer(address,uint256)", [to, amount]);
      await (await f.exec({ to: token, data })).wait();
    }
    expect((await f.guard.remaining(f.safeAddress, token))[0]).to.equal(before);
    // A non-zero transfer to a whitelisted recipient is counted (the test can fail).
    const data = tokenInterface.encodeFunctionData("transfer(address,uint256)", [f.alice.address, 5n]);
    await (await f.exec({ to: token, data })).wait();
    expect((await f.guard.remaining(f.safeAddress, token))[0]).to.equal(before - 5n);
  });

  it("reverts TransactionNotQueued when cancelling an id that was never queued", async function () {
    const f = await loadFixture(fixture);
    const caller = f.guard.connect(f.stranger);
    await expect(caller.cancel(3n))
      .to.be.revertedWithCustomError(f.guard, "TransactionNotQueued")
      .withArgs(f.stranger.address, 3n, QueueState.None);
    expect(await f.guard.queueState(f.stranger.address, 3n)).to.equal(QueueState.None);
  });
});
