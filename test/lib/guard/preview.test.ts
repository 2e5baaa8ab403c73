import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Interface, parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../../lib/bootstrap";
import { previewTransaction } from "../../../lib/guard/preview";
import { explainRevert, revertData } from "../../../lib/revert";
import { toolkitAddress } from "../../../lib/toolkit";
import { deployTreasury, readTreasuryParams } from "../../../lib/treasury";
import { hermetic } from "../../fixtures/hermetic";
import { execSafeTx } from "../../fixtures/safe";

const RECIPIENT = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

async function guardedTreasury() {
  await bootstrapSafeContracts(hre);
  const { address } = await deployTreasury(hre, readTreasuryParams("deploy/parameters/guarded.json"));
  const [funder, owner1, owner2, , , , stranger] = await hre.ethers.getSigners();
  await funder.sendTransaction({ to: address, value: parseEther("20") });
  const guard = await hre.ethers.getContractAt("TreasuryGuard", await toolkitAddress(hre, "TreasuryGuard"));
  return { address, guard, owners: [owner1, owner2], stranger };
}

describe("lib/guard/preview and lib/revert", function () {
  hermetic();
  it("previews instant, delayed and forbidden transactions with their outflows", async function () {
    const { address, guard, stranger } = await loadFixture(guardedTreasury);
    const g = await guard.getAddress();
    const instant = await previewTransaction(hre, g, address, { to: RECIPIENT, value: parseEther("1") });
    expect(instant).to.deep.include({ verdict: "instant", reason: "none" });
    expect(instant.outflows).to.deep.equal([{ asset: ZeroAddress, amount: parseEther("1") }]);
    expect(instant.summary).to.equal("instant: moves 1 ETH, within the policy");

    const overCap = await previewTransaction(hre, g, address, { to: RECIPIENT, value: parseEther("6") });
    expect(overCap.verdict).to.equal("delayed");
    expect(overCap).to.deep.include({ verdict: "delayed", reason: "cap-exceeded" });
    expect(overCap.summary).to.match(/^delayed: moves 6 ETH; an outflow exceeds the remaining rolling 24h capacity/);

    const notWhitelisted = await previewTransaction(hre, g, address, { to: stranger.address, value: 1n });
    expect(notWhitelisted.reason).to.equal("recipient-not-allowed");

    const delegate = await previewTransaction(hre, g, address, { to: stranger.address, operation: 1 });
    expect(delegate).to.deep.include({ verdict: "forbidden" });
    expect(delegate.reason).to.equal("delegatecall-forbidden");
    expect(delegate.summary).to.match(/^forbidden: DELEGATECALL to a contract other than MultiSendCallOnly/);
  });

  it("explains the guard's refusal in a sentence with amounts", async function () {
    const { address, owners } = await loadFixture(guardedTreasury);
    await execSafeTx(address, { to: RECIPIENT, value: parseEther("4") }, owners);
    const error = await execSafeTx(address, { to: RECIPIENT, value: parseEther("3") }, owners).then(
      () => expect.fail("expected a revert"),
      (e: unknown) => e,
    );
    expect(revertData(error)).to.match(/^0x/);
    expect(explainRevert(error, [])).to.equal(
      "The guard refuses: 3 ETH exceeds the 1 ETH still available in the rolling 24h cap. Queue it (guard.queue) or wait.",
    );
  });

  it("explains Safe's GS codes", function () {
    const data = Interface.from(["error Error(string)"]).encodeErrorResult("Error", ["GS026"]);
    expect(explainRevert({ data }, [])).to.match(/^Safe GS026: invalid owner provided/);
    expect(explainRevert(new Error("execution reverted: GS013"), [])).to.match(
      /^Safe GS013: the Safe transaction failed/,
    );
    expect(explainRevert(new Error("something else"), [])).to.equal("something else");
  });
});
