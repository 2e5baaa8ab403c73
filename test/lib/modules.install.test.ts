import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { toolkitAddress } from "../../lib/toolkit";
import { deployTreasury, parseTreasuryParams, readTreasuryParams, TreasuryParamsError } from "../../lib/treasury";
import { hermetic } from "../fixtures/hermetic";
import { execSafeTx, safeAt } from "../fixtures/safe";
import { spendingLimitInterface } from "../../lib/abi";

const DELEGATE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"; // Hardhat account #6
const RECIPIENT = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"; // #5, whitelisted in the guard

describe("Treasury with guard, spending limit and recovery in one creation transaction", function () {
  hermetic();

  async function chainForModules() {
    await bootstrapSafeContracts(hre);
  }

  for (const safeVersion of ["1.5.0", "1.4.1"] as const) {
    it(`installs and wires everything (Safe ${safeVersion})`, async function () {
      await loadFixture(chainForModules);
      const params = { ...readTreasuryParams("deploy/parameters/full.json"), safeVersion };
      const { address } = await deployTreasury(hre, params);
      const [guard, spendingLimit, recovery] = await Promise.all([
        hre.ethers.getContractAt("TreasuryGuard", await toolkitAddress(hre, "TreasuryGuard")),
        hre.ethers.getContractAt("SpendingLimitModule", await toolkitAddress(hre, "SpendingLimitModule")),
        hre.ethers.getContractAt("RecoveryModule", await toolkitAddress(hre, "RecoveryModule")),
      ]);
      const safe = safeAt(address);
      for (const m of [guard, spendingLimit, recovery]) {
        expect(await safe.isModuleEnabled(await m.getAddress())).to.equal(true);
      }
      expect((await spendingLimit.getAllowance(address, DELEGATE, ZeroAddress)).allowance).to.equal(parseEther("2"));
      expect(await spendingLimit.recipientRegistry(address)).to.equal(await guard.getAddress());
      const config = await recovery.config(address);
      expect([config.threshold, config.inactivityPeriod, config.recoveryDelay]).to.deep.equal([2n, 7776000n, 604800n]);
      expect([...(await recovery.getGuardians(address))]).to.have.members(params.recovery!.guardians);
      expect(await guard.recoveryModule(address)).to.equal(await recovery.getAddress());
      expect(
        await guard.isTrustedSelector(
          address,
          await spendingLimit.getAddress(),
          spendingLimitInterface.getFunction("lowerAllowance")!.selector,
        ),
      ).to.equal(true);

      // The delegate pays a guard-whitelisted recipient without owner signatures, within its allowance.
      const [funder, owner1, owner2] = await hre.ethers.getSigners();
      await funder.sendTransaction({ to: address, value: parseEther("10") });
      const delegate = await hre.ethers.getSigner(DELEGATE);
      await expect(
        spendingLimit.connect(delegate).spend(address, ZeroAddress, RECIPIENT, parseEther("1")),
      ).to.changeEtherBalances([address, RECIPIENT], [-parseEther("1"), parseEther("1")]);
      // Revoking the delegate is instant under the guard (a trusted tightening-only selector).
      await execSafeTx(
        address,
        {
          to: await spendingLimit.getAddress(),
          data: spendingLimitInterface.encodeFunctionData("lowerAllowance", [DELEGATE, ZeroAddress, 0]),
        },
        [owner1, owner2],
      );
      expect((await spendingLimit.getAllowance(address, DELEGATE, ZeroAddress)).allowance).to.equal(0n);
    });
  }

  it("names bad module fields", function () {
    const owners = readTreasuryParams("deploy/parameters/full.json").owners;
    let fields: string[] = [];
    try {
      parseTreasuryParams({
        Treasury: {
          owners,
          threshold: 1,
          spendingLimit: { allowances: [{ delegate: DELEGATE, asset: "ETH", amount: "x" }], useGuardRecipients: true },
          recovery: { guardians: [owners[0], owners[0]], threshold: 3, inactivityPeriod: 60, recoveryDelay: 60 },
        },
      });
    } catch (error) {
      fields = (error as TreasuryParamsError).problems.map((p) => p.field);
    }
    expect(fields).to.have.members([
      "Treasury.spendingLimit.allowances[0].amount",
      "Treasury.spendingLimit.useGuardRecipients",
      "Treasury.recovery.guardians[1]",
      "Treasury.recovery.threshold",
      "Treasury.recovery.inactivityPeriod",
      "Treasury.recovery.recoveryDelay",
    ]);
  });
});
