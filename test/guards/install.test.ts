import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { guardInstallBatch, guardSetupHook, KEEP_FALLBACK_HANDLER, type GuardPolicy } from "../../lib/guard/install";
import { canonicalContract, SAFE_VERSIONS } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { ETH, GUARD_SLOT, MODULE_GUARD_SLOT } from "../fixtures/constants";
import { storedAddress } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { execSafeTx, safeAt } from "../fixtures/safe";
import { treasuryGuardInterface, treasuryGuardQueueEvents, treasuryGuardViews } from "../../lib/abi";

async function chain() {
  await bootstrapSafeContracts(hre);
  const signers = await ethers.getSigners();
  const guard = await ethers.deployContract("TreasuryGuard");
  const guardAddress = await guard.getAddress();
  const handler = await ethers.deployContract("TreasuryFallbackHandler", [guardAddress]);
  return { signers, guard, guardAddress, handlerAddress: await handler.getAddress() };
}

/** keccak256("fallback_manager.handler.address") */
const FALLBACK_HANDLER_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";

describe("lib/guard/install fragments", function () {
  it("encodes only functions the compiled TreasuryGuard has, with the same selectors", async function () {
    const compiled = (await ethers.getContractFactory("TreasuryGuard")).interface;
    let checked = 0;
    treasuryGuardInterface.forEachFunction((f) => {
      expect(compiled.getFunction(f.name)?.selector, f.name).to.equal(f.selector);
      checked += 1;
    });
    expect(checked).to.equal(8);
  });

  it("decodes the queue events with the compiled TreasuryGuard's topics", async function () {
    const compiled = (await ethers.getContractFactory("TreasuryGuard")).interface;
    let checked = 0;
    treasuryGuardQueueEvents.forEachEvent((e) => {
      expect(compiled.getEvent(e.name)?.topicHash, e.name).to.equal(e.topicHash);
      checked += 1;
    });
    expect(checked).to.equal(4);
  });

  it("reads the policy with views and events the compiled TreasuryGuard has", async function () {
    const compiled = (await ethers.getContractFactory("TreasuryGuard")).interface;
    const names: string[] = [];
    treasuryGuardViews.forEachFunction((f) => {
      expect(compiled.getFunction(f.name)?.format("full"), f.name).to.equal(f.format("full"));
      names.push(f.name);
    });
    treasuryGuardViews.forEachEvent((e) => {
      expect(compiled.getEvent(e.name)?.format("full"), e.name).to.equal(e.format("full"));
      names.push(e.name);
    });
    expect(names).to.have.length(10);
  });
});

for (const version of SAFE_VERSIONS) {
  describe(`lib/guard/install (Safe ${version})`, function () {
    hermetic();
    const fixture = () => chain();

    const policyFor = (recipient: string, module: string): GuardPolicy => ({
      caps: [{ asset: ETH, cap: parseEther("2") }],
      recipients: [recipient],
      delay: 3600,
      expiry: 86400,
      recoveryModule: module,
    });

    async function expectInstalled(
      safeAddress: string,
      guardAddress: string,
      guard: Awaited<ReturnType<typeof chain>>["guard"],
      recipient: string,
      module: string,
    ) {
      expect(await storedAddress(safeAddress, GUARD_SLOT)).to.equal(guardAddress);
      expect(await storedAddress(safeAddress, MODULE_GUARD_SLOT)).to.equal(
        version === "1.5.0" ? guardAddress : ZeroAddress,
      );
      expect(await safeAt(safeAddress).isModuleEnabled(guardAddress)).to.equal(true);
      expect(await guard.capOf(safeAddress, ETH)).to.equal(parseEther("2"));
      expect(await guard.isRecipient(safeAddress, recipient)).to.equal(true);
      const policy = await guard.policy(safeAddress);
      expect([policy.delay, policy.expiry, policy.recoveryModule]).to.deep.equal([3600n, 86400n, module]);
    }

    it("installs handler, guard, module guard, module and policy on an existing Safe in one transaction", async function () {
      const { signers, guard, guardAddress, handlerAddress } = await loadFixture(fixture);
      const [owner, recipient, module] = signers;
      const safeAddress = await createSafe(hre, { owners: [owner.address], threshold: 1, version, saltNonce: 0x1457n });
      await (await owner.sendTransaction({ to: safeAddress, value: parseEther("5") })).wait();
      await (
        await execSafeTx(
          safeAddress,
          guardInstallBatch(
            safeAddress,
            guardAddress,
            version,
            policyFor(recipient.address, module.address),
            handlerAddress,
          ),
          [owner],
        )
      ).wait();
      await expectInstalled(safeAddress, guardAddress, guard, recipient.address, module.address);
      expect(await storedAddress(safeAddress, FALLBACK_HANDLER_SLOT)).to.equal(handlerAddress);
      // The policy is live.
      await expect(execSafeTx(safeAddress, { to: recipient.address, value: parseEther("3") }, [owner]))
        .to.be.revertedWithCustomError(guard, "CapExceeded")
        .withArgs(ETH, parseEther("3"), parseEther("2"));
    });

    it("keeps the Safe's fallback handler when asked, and opts in to off-chain signatures as initial policy", async function () {
      const { signers, guard, guardAddress } = await loadFixture(fixture);
      const [owner, recipient, module] = signers;
      const safeAddress = await createSafe(hre, { owners: [owner.address], threshold: 1, version, saltNonce: 0x1459n });
      const policy = { ...policyFor(recipient.address, module.address), offchainSignatures: true };
      expect(() => guardInstallBatch(safeAddress, guardAddress, version, policy, "0x1234")).to.throw(
        /fallbackHandler must be a handler address/,
      );
      await (
        await execSafeTx(
          safeAddress,
          guardInstallBatch(safeAddress, guardAddress, version, policy, KEEP_FALLBACK_HANDLER),
          [owner],
        )
      ).wait();
      await expectInstalled(safeAddress, guardAddress, guard, recipient.address, module.address);
      expect(await storedAddress(safeAddress, FALLBACK_HANDLER_SLOT)).to.equal(
        canonicalContract(version, "compatibilityFallbackHandler").address,
      );
      expect(await guard.isOffchainSignatureAllowed(safeAddress)).to.equal(true);
    });

    it("installs in the creation transaction through Safe.setup's hook", async function () {
      const { signers, guard, guardAddress } = await loadFixture(fixture);
      const [owner, recipient, module] = signers;
      const hook = guardSetupHook(guardAddress, version, policyFor(recipient.address, module.address));
      const safeAddress = await createSafe(hre, {
        owners: [owner.address],
        threshold: 1,
        version,
        saltNonce: 0x1458n,
        to: hook.setupTo,
        data: hook.setupData,
      });
      await expectInstalled(safeAddress, guardAddress, guard, recipient.address, module.address);
    });
  });
}
