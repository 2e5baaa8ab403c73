import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import type { SafeVersion } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { SAFE_SELF, setupHook } from "../../lib/safe/install";
import { DAY, SAFE_VERSIONS, safeIface } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { safeAt } from "../fixtures/safe";

/** Both modules enabled and configured in the Safe's creation transaction (Safe.setup -> MultiSendCallOnly). */
async function createdWithModules(version: SafeVersion) {
  await bootstrapSafeContracts(hre);
  const signers = await ethers.getSigners();
  const [owner, delegate, recipient, g1, g2] = [signers[0], signers[3], signers[4], signers[5], signers[6]];
  const spending = await ethers.deployContract("SpendingLimitModule");
  const recovery = await ethers.deployContract("RecoveryModule");
  const [spendingAddress, recoveryAddress] = [await spending.getAddress(), await recovery.getAddress()];
  const { setupTo, setupData } = setupHook([
    { to: SAFE_SELF, data: safeIface.encodeFunctionData("enableModule", [spendingAddress]) },
    {
      to: spendingAddress,
      data: spending.interface.encodeFunctionData("setAllowance", [delegate.address, ZeroAddress, parseEther("2")]),
    },
    {
      to: spendingAddress,
      data: spending.interface.encodeFunctionData("setRecipient", [delegate.address, recipient.address, true]),
    },
    { to: SAFE_SELF, data: safeIface.encodeFunctionData("enableModule", [recoveryAddress]) },
    {
      to: recoveryAddress,
      data: recovery.interface.encodeFunctionData("configure", [
        [g1.address, g2.address],
        2,
        30n * DAY,
        3n * DAY,
        ZeroAddress,
      ]),
    },
  ]);
  const safeAddress = await createSafe(hre, {
    owners: [owner.address],
    threshold: 1,
    version,
    saltNonce: version === "1.5.0" ? 0x1a57_0150n : 0x1a57_0141n,
    to: setupTo,
    data: setupData,
  });
  await (await owner.sendTransaction({ to: safeAddress, value: parseEther("10") })).wait();
  return { safe: safeAt(safeAddress), safeAddress, spending, recovery, delegate, recipient, g1, g2 };
}

for (const version of SAFE_VERSIONS) {
  describe(`Module installation at Safe creation (Safe ${version})`, function () {
    hermetic();
    const fixture = () => createdWithModules(version);

    it("enables and configures both modules in the creation transaction", async function () {
      const f = await loadFixture(fixture);
      expect(await f.safe.isModuleEnabled(await f.spending.getAddress())).to.equal(true);
      expect(await f.safe.isModuleEnabled(await f.recovery.getAddress())).to.equal(true);
      expect((await f.spending.getAllowance(f.safeAddress, f.delegate.address, ZeroAddress))[0]).to.equal(
        parseEther("2"),
      );
      const cfg = await f.recovery.config(f.safeAddress);
      expect([cfg.threshold, cfg.inactivityPeriod, cfg.recoveryDelay, cfg.nonce]).to.deep.equal([
        2n,
        30n * DAY,
        3n * DAY,
        1n,
      ]);
      expect([...(await f.recovery.getGuardians(f.safeAddress))]).to.have.members([f.g1.address, f.g2.address]);
      // The creation counts as the first observed activity (nonce 0).
      expect(await f.recovery.lastActivity(f.safeAddress)).to.be.greaterThan(0n);
      await expect(
        f.spending.connect(f.delegate).spend(f.safeAddress, ZeroAddress, f.recipient.address, parseEther("2")),
      ).to.changeEtherBalance(f.recipient, parseEther("2"));
    });
  });
}
