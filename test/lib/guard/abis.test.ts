import { expect } from "chai";
import hre from "hardhat";

import { treasuryGuardInterface } from "../../../lib/guard/install";
import { treasuryGuardErrors, treasuryGuardQueueEvents } from "../../../lib/guard/policy";
import { guardQueueInterface } from "../../../lib/guard/queue";
import { expectFragmentsMatch } from "../../fixtures/abi";

describe("lib/guard: hand-written TreasuryGuard fragments", function () {
  it("match the compiled TreasuryGuard (selectors, returns, event topics, errors)", async function () {
    const compiled = (await hre.ethers.getContractFactory("TreasuryGuard")).interface;
    let checked = 0;
    for (const [name, iface] of Object.entries({
      treasuryGuardInterface,
      guardQueueInterface,
      treasuryGuardQueueEvents,
      treasuryGuardErrors,
    })) {
      checked += expectFragmentsMatch(name, iface, compiled);
    }
    expect(checked).to.be.greaterThan(30);
  });
});
