import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Interface, parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import {
  recoveryInterface,
  recoveryModuleInterface,
  spendingLimitInterface,
  spendingLimitViews,
} from "../../lib/modules/install";
import { toolkitAddress } from "../../lib/toolkit";
import { deployTreasury, parseTreasuryParams, readTreasuryParams, TreasuryParamsError } from "../../lib/treasury";
import { expectFragmentsMatch } from "../fixtures/abi";
import { execSafeTx, safeAt } from "../fixtures/safe";
import { hermetic } from "../guards/hermetic";

const DELEGATE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"; // Hardhat account #6
const RECIPIENT = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"; // #5, whitelisted in the guard

describe("Treasury with guard, spending limit and recovery in one creation transaction", function () {
  hermetic();

  async function chainForModules() {
    await bootstrapSafeContracts(hre);
  }

  it("uses fragments that match the compiled modules", async function () {
    for (const [name, iface] of [
      ["SpendingLimitModule", spendingLimitInterface],
      ["RecoveryModule", recoveryInterface],
    ] as const) {
      expectFragmentsMatch(name, iface, (await hre.ethers.getContractFactory(name)).interface);
    }
    // What delegates, relayers and readers use: whole signatures (return values and indexing included).
    const compiled = (await hre.ethers.getContractFactory("SpendingLimitModule")).interface;
    const names: string[] = [];
    spendingLimitViews.forEachFunction((f) => {
      expect(compiled.getFunction(f.name)?.format("full"), f.name).to.equal(f.format("full"));
      names.push(f.name);
    });
    spendingLimitViews.forEachEvent((e) => {
      expect(compiled.getEvent(e.name)?.format("full"), e.name).to.equal(e.format("full"));
      names.push(e.name);
    });
    spendingLimitViews.forEachError((e) => {
      expect(compiled.getError(e.name)?.format("full"), e.name).to.equal(e.format("full"));
      names.push(e.name);
    });
    expect(names).to.have.length(19);
    // Every error of the module's interface is named in spend failures.
    const declared = new Interface((await hre.artifacts.readArtifact("ISpendingLimitModule")).abi);
    declared.forEachError((e) => expect(spendingLimitViews.getError(e.name), e.name).to.not.equal(null));
  });

  it("reads, sends and decodes the RecoveryModule with fragments that match its compiled ABI", async function () {
    const compiled = (await hre.ethers.getContractFactory("RecoveryModule")).interface;
    const checked = expectFragmentsMatch("RecoveryModule", recoveryModuleInterface, compiled);
    // Every custom error IRecoveryModule declares is known to the tasks, so none reaches a person as raw data.
    const declared = new Interface((await hre.artifacts.readArtifact("IRecoveryModule")).abi);
    declared.forEachError((e) =>
      expect(recoveryModuleInterface.getError(e.name), `error ${e.name}`).to.not.equal(null),
    );
    expect(checked).to.equal(16 + 3 + 26);
  });

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
