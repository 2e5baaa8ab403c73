import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { hermetic } from "../fixtures/hermetic";

// SafeModule._requireEnabledSafe after the split: a caller that is not a Safe with the module enabled is refused with
// ModuleNotEnabled(caller), and nothing is written.

async function fixture() {
  const [, , , stranger, delegate] = await ethers.getSigners();
  const module = await ethers.deployContract("SpendingLimitModule");
  const token = await ethers.deployContract("TestERC20");
  return { module, token, stranger, delegate };
}

describe("Modules restructure attacks (_requireEnabledSafe)", function () {
  hermetic();

  it("an EOA (not a Safe) cannot set a huge allowance for itself", async function () {
    const { module, token, stranger, delegate } = await loadFixture(fixture);
    const asset = await token.getAddress();
    for (const amount of [MaxUint256, 2n ** 96n - 1n, 1n]) {
      await expect(module.connect(stranger).setAllowance(delegate.address, asset, amount))
        .to.be.revertedWithCustomError(module, "ModuleNotEnabled")
        .withArgs(stranger.address);
    }
    const [allowance, spent, available] = await module.getAllowance(stranger.address, delegate.address, asset);
    expect([allowance, spent, available]).to.deep.equal([0n, 0n, 0n]);
  });

  it("a second EOA setting an ETH allowance is refused and writes nothing", async function () {
    const { module, token, delegate } = await loadFixture(fixture);
    const asset = await token.getAddress();
    await expect(module.setAllowance(delegate.address, ZeroAddress, 1n))
      .to.be.revertedWithCustomError(module, "ModuleNotEnabled")
      .withArgs((await ethers.getSigners())[0].address);
    expect((await module.getAllowance(asset, delegate.address, ZeroAddress))[0]).to.equal(0n);
  });
});
