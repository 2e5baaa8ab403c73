import { expect } from "chai";
import { impersonateAccount, loadFixture, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";

import { DAY, HOUR, safeIface } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe } from "../fixtures/modules";

/** A 1-of-1 Safe with the RecoveryModule enabled, and the Safe itself as a signer (impersonated) to call its setters. */
async function fixture() {
  const [owner, guardian] = await ethers.getSigners();
  const recovery = await ethers.deployContract("RecoveryModule");
  const s = await moduleSafe("1.5.0", [owner], 1, 0xb0_0d5_7e57n);
  const data = safeIface.encodeFunctionData("enableModule", [await recovery.getAddress()]);
  await (await s.exec({ to: s.safeAddress, data })).wait();
  await impersonateAccount(s.safeAddress);
  const asSafe = recovery.connect(await ethers.getSigner(s.safeAddress));
  await (await asSafe.configure([guardian.address], 1n, Number(30n * DAY), Number(DAY), ethers.ZeroAddress)).wait();
  await stopImpersonatingAccount(s.safeAddress);
  return { ...s, recovery, guardian };
}

describe("RecoveryModule setter bounds", function () {
  hermetic();

  async function asSafe() {
    const f = await loadFixture(fixture);
    await impersonateAccount(f.safeAddress);
    return { ...f, module: f.recovery.connect(await ethers.getSigner(f.safeAddress)) };
  }

  it("reverts TooManyGuardians past MAX_GUARDIANS and keeps the old guardians", async function () {
    const f = await asSafe();
    const max = await f.recovery.MAX_GUARDIANS();
    const many = Array.from({ length: Number(max) + 1 }, (_, i) =>
      ethers.getAddress("0x" + (0x1000 + i).toString(16).padStart(40, "0")),
    );
    await expect(f.module.setGuardians(many, 1n))
      .to.be.revertedWithCustomError(f.recovery, "TooManyGuardians")
      .withArgs(max + 1n, max);
    expect(await f.recovery.getGuardians(f.safeAddress)).to.deep.equal([f.guardian.address]);
    // MAX_GUARDIANS itself is accepted.
    await (await f.module.setGuardians(many.slice(0, Number(max)), 1n)).wait();
    expect((await f.recovery.getGuardians(f.safeAddress)).length).to.equal(Number(max));
  });

  it("reverts InvalidInactivityPeriod / InvalidRecoveryDelay outside their bounds and keeps the periods", async function () {
    const f = await asSafe();
    const [minI, maxI, minD, maxD] = await Promise.all([
      f.recovery.MIN_INACTIVITY_PERIOD(),
      f.recovery.MAX_INACTIVITY_PERIOD(),
      f.recovery.MIN_RECOVERY_DELAY(),
      f.recovery.MAX_RECOVERY_DELAY(),
    ]);
    expect([minI, maxI, minD, maxD]).to.deep.equal([DAY, 3650n * DAY, HOUR, 365n * DAY]);
    const before = await f.recovery.config(f.safeAddress);
    for (const period of [minI - 1n, maxI + 1n]) {
      await expect(f.module.setPeriods(period, minD))
        .to.be.revertedWithCustomError(f.recovery, "InvalidInactivityPeriod")
        .withArgs(period, minI, maxI);
    }
    for (const delay of [minD - 1n, maxD + 1n]) {
      await expect(f.module.setPeriods(0n, delay))
        .to.be.revertedWithCustomError(f.recovery, "InvalidRecoveryDelay")
        .withArgs(delay, minD, maxD);
    }
    const after = await f.recovery.config(f.safeAddress);
    expect([after.inactivityPeriod, after.recoveryDelay]).to.deep.equal([
      before.inactivityPeriod,
      before.recoveryDelay,
    ]);
    // The bounds themselves, and 0 (no inactivity trigger), are accepted.
    await (await f.module.setPeriods(maxI, maxD)).wait();
    await (await f.module.setPeriods(0n, minD)).wait();
    const last = await f.recovery.config(f.safeAddress);
    expect([last.inactivityPeriod, last.recoveryDelay]).to.deep.equal([0n, minD]);
  });
});
