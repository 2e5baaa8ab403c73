import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";

import { parseSelector, recipientChange, capChange, targetChange } from "../../../lib/guard/changes";
import { decodePolicyChange, policyInfo, readPolicy } from "../../../lib/guard/read";
import { diffConfiguration, readTreasuryInfo, type InfoPart } from "../../../lib/info";
import { allowanceInfo } from "../../../lib/modules/allowance";
import { batch } from "../../fixtures/batch";
import { DAY } from "../../fixtures/constants";
import { guardedSafe, queueTx, time } from "../../fixtures/guard";
import { hermetic } from "../../fixtures/hermetic";
import { execSafeTx } from "../../fixtures/safe";
import { guardedTreasury } from "../../fixtures/tasks";

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

  it("adds the policy and the allowances to safe:info, and --check names a changed cap and allowance", async function () {
    const token = await (await ethers.deployContract("TestERC20")).getAddress();
    const t = await guardedTreasury(0x1f0, token);
    const parts: InfoPart[] = [policyInfo, allowanceInfo];
    const saved = JSON.parse(JSON.stringify((await readTreasuryInfo(hre, t.safe, parts)).configuration)) as Record<
      string,
      unknown
    >;
    const spending = await t.spending.getAddress();
    const m = t.spending.interface;
    expect(saved.policy).to.deep.equal({
      delay: 86400,
      expiry: 7 * 86400,
      recoveryModule: ZeroAddress,
      offchainSignatures: false,
      caps: { [ZeroAddress]: parseEther("10").toString(), [token]: parseEther("1000").toString() },
      recipients: [t.alice.address],
      targets: (["lowerAllowance", "removeRecipient"] as const)
        .map((f) => `${spending}:${m.getFunction(f)!.selector}`)
        .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
    });
    expect(saved.allowances).to.deep.equal({
      module: spending,
      recipientRegistry: await t.guard.getAddress(),
      [`${t.granted.address}/${ZeroAddress}`]: parseEther("2").toString(),
    });
    const g = t.guard.interface;
    await (
      await execSafeTx(
        t.safe,
        { to: await t.guard.getAddress(), data: g.encodeFunctionData("setCap", [ZeroAddress, parseEther("4")]) },
        t.owners.slice(0, 2),
      )
    ).wait();
    await (
      await execSafeTx(
        t.safe,
        {
          to: spending,
          data: m.encodeFunctionData("lowerAllowance", [t.granted.address, ZeroAddress, parseEther("1")]),
        },
        t.owners.slice(0, 2),
      )
    ).wait();
    const now = (await readTreasuryInfo(hre, t.safe, parts)).configuration;
    expect(diffConfiguration(saved, now)).to.deep.equal([
      `allowances.${t.granted.address}/${ZeroAddress}: saved ${parseEther("2")}, now ${parseEther("1")}`,
      `policy.caps.${ZeroAddress}: saved ${parseEther("10")}, now ${parseEther("4")}`,
    ]);
  });
});
