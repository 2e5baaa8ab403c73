import { expect } from "chai";
import hre from "hardhat";

import { deploymentId } from "../../lib/ignition";

describe("lib/ignition: the deployment-id rule", function () {
  it("keys a deployment by its kind, the first 8 hex digits of its key and the chain's genesis hash", async function () {
    const genesis = (await hre.ethers.provider.getBlock(0))!.hash!;
    const safe = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    expect(await deploymentId(hre, "treasury", safe)).to.equal(`treasury-abcdef01-${genesis.slice(2, 10)}`);
    expect(await deploymentId(hre, "toolkit", "0x1234567890")).to.equal(`toolkit-12345678-${genesis.slice(2, 10)}`);
    expect(await deploymentId(hre, "treasury", "0xabcdef02" + safe.slice(10))).to.not.equal(
      await deploymentId(hre, "treasury", safe),
    );
  });
});
