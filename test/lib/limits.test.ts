import { expect } from "chai";
import { ethers } from "hardhat";

import { GUARD_LIMITS, RECOVERY_LIMITS } from "../../lib/limits";

/** The TypeScript layers refuse what the contracts refuse: every mirrored bound read back from the contract. */
describe("lib/limits", function () {
  it("mirrors the TreasuryGuard's bounds", async function () {
    const guard = await ethers.deployContract("TreasuryGuard");
    expect({
      minDelay: Number(await guard.MIN_DELAY()),
      maxDelay: Number(await guard.MAX_DELAY()),
      minExpiry: Number(await guard.MIN_EXPIRY()),
      maxExpiry: Number(await guard.MAX_EXPIRY()),
      maxAssets: Number(await guard.MAX_ASSETS()),
    }).to.deep.equal(GUARD_LIMITS);
  });

  it("mirrors the RecoveryModule's bounds", async function () {
    const module = await ethers.deployContract("RecoveryModule");
    expect({
      maxGuardians: Number(await module.MAX_GUARDIANS()),
      maxOwners: Number(await module.MAX_OWNERS()),
      minInactivityPeriod: Number(await module.MIN_INACTIVITY_PERIOD()),
      maxInactivityPeriod: Number(await module.MAX_INACTIVITY_PERIOD()),
      minRecoveryDelay: Number(await module.MIN_RECOVERY_DELAY()),
      maxRecoveryDelay: Number(await module.MAX_RECOVERY_DELAY()),
    }).to.deep.equal(RECOVERY_LIMITS);
  });
});
