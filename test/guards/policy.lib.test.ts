import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { ethers } from "hardhat";

import { describeVerdict, explainGuardError, REASONS } from "../../lib/guard/policy";
import { batch } from "../fixtures/batch";
import { DELEGATECALL, ETH } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { treasuryGuardErrors } from "../../lib/abi";

const fixture = () => guardedSafe("1.5.0");

describe("lib/guard/policy", function () {
  hermetic();

  it("names classify results", async function () {
    const f = await loadFixture(fixture);
    const tx = batch(
      [
        { to: f.alice.address, value: parseEther("6") },
        { to: f.bob.address, value: parseEther("6") },
      ],
      f.multiSendCallOnly,
    );
    const [verdict, reason, outflows] = await f.guard.classify(f.safeAddress, tx.to, 0n, tx.data!, DELEGATECALL, 0n);
    expect(describeVerdict({ verdict, reason, outflows })).to.deep.equal({
      verdict: "delayed",
      reason: "cap-exceeded",
      explanation: REASONS[1][1],
      outflows: [{ asset: ETH, amount: parseEther("12") }],
    });
  });

  it("matches the contract's error ABI and explains a real revert", async function () {
    const f = await loadFixture(fixture);
    // Every error of the library interface exists with the same selector in the contract's ABI.
    treasuryGuardErrors.forEachError((e) => {
      if (e.name.startsWith("RollingWindow")) return;
      expect(f.guard.interface.getError(e.name)?.selector, e.name).to.equal(e.selector);
    });
    const data = f.guard.interface.encodeFunctionData("checkTransaction", [
      f.alice.address,
      parseEther("11"),
      "0x",
      0,
      0n,
      0n,
      0n,
      ethers.ZeroAddress,
      ethers.ZeroAddress,
      "0x",
      f.alice.address,
    ]);
    // Called as the Safe (eth_call), the hook reverts with CapExceeded.
    const revert = await ethers.provider.call({ from: f.safeAddress, to: f.guardAddress, data }).then(
      () => "0x",
      (e: { data?: string }) => e.data ?? "0x",
    );
    expect(explainGuardError(revert)).to.equal(
      "The guard refuses: 11 ETH exceeds the 10 ETH still available in the rolling 24h cap. Queue it (guard.queue) or wait.",
    );
    expect(explainGuardError("0x08c379a0")).to.equal(undefined);
  });
});
