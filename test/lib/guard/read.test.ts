import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { parseSelector, recipientChange, capChange, targetChange } from "../../../lib/guard/changes";
import { decodePolicyChange, readPolicy } from "../../../lib/guard/read";
import { batch, DAY, guardedSafe, queueTx, time } from "../../guards/fixtures";
import { hermetic } from "../../guards/hermetic";

const fixture = () => guardedSafe("1.5.0");

describe("lib/guard/read", function () {
  hermetic();

  it("lists policy changes queued inside a MultiSendCallOnly batch, and drops them once run", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    const target = await f.target.getAddress();
    const calls = [
      recipientChange(f.guardAddress, f.stranger.address, true),
      capChange(f.guardAddress, token, parseEther("5000")),
      targetChange(f.guardAddress, token, true, parseSelector("approve(address,uint256)", "selector")),
      { to: f.alice.address, value: "0", data: "0x" }, // not a guard call: not a policy change
    ].map((c) => ({ to: c.to, data: c.data }));
    const { id, eta, expiresAt } = await queueTx(f, batch(calls, f.multiSendCallOnly));
    const view = await readPolicy(ethers.provider, f.safeAddress);
    const when = { id: Number(id), state: "waiting", eta: Number(eta), expiresAt: Number(expiresAt) };
    expect(view.pending).to.deep.equal([
      { ...when, change: { kind: "recipient", recipient: f.stranger.address, allowed: true } },
      { ...when, change: { kind: "cap", asset: token, cap: parseEther("5000") } },
      { ...when, change: { kind: "selector", target: token, selector: "0x095ea7b3", trusted: true } },
    ]);
    expect(view.recipients.map((r) => [r.address, r.allowed, r.pending.length])).to.deep.equal([
      [f.alice.address, true, 0],
      [f.bob.address, true, 0],
      [f.stranger.address, false, 1],
    ]);
    expect(view.caps.find((c) => c.asset === token)?.pending.map((p) => p.cap)).to.deep.equal([parseEther("5000")]);
    expect(view.targets.map((t) => [t.target, t.selector, t.trusted])).to.have.deep.members([
      [target, undefined, true],
      [token, "0x095ea7b3", false],
    ]);
    expect([view.delay, view.expiry]).to.deep.equal([Number(DAY), Number(2n * DAY)]);

    await time.increaseTo(eta);
    await (await f.guard.execute(f.safeAddress, id)).wait();
    const after = await readPolicy(ethers.provider, f.safeAddress);
    expect(after.pending).to.deep.equal([]);
    expect(after.recipients.find((r) => r.address === f.stranger.address)?.allowed).to.equal(true);
    expect(after.caps.find((c) => c.asset === token)?.cap).to.equal(parseEther("5000"));
  });

  it("decodes only the guard's setters as policy changes", function () {
    expect(decodePolicyChange(capChange(ZeroAddress, ZeroAddress, 7n).data)).to.deep.equal({
      kind: "cap",
      asset: ZeroAddress,
      cap: 7n,
    });
    expect(decodePolicyChange("0x12345678")).to.equal(undefined);
    expect(decodePolicyChange("0x")).to.equal(undefined);
  });
});
