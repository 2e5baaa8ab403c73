import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { canonicalContract } from "../../lib/safe/canonical";
import { toolkitAddress } from "../../lib/toolkit";
import {
  deployTreasury,
  parseTreasuryParams,
  readTreasuryParams,
  treasurySetup,
  TreasuryParamsError,
} from "../../lib/treasury";
import { UserError } from "../../lib/errors";
import { hermetic } from "../fixtures/hermetic";
import { execSafeTx, safeAt } from "../fixtures/safe";
import { treasuryGuardInterface } from "../../lib/abi";

const OWNERS = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];

async function chain() {
  await bootstrapSafeContracts(hre);
}

/** keccak256("fallback_manager.handler.address") */
const FALLBACK_HANDLER_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";

async function fallbackHandlerOf(safe: string): Promise<string> {
  return hre.ethers.getAddress("0x" + (await hre.ethers.provider.getStorage(safe, FALLBACK_HANDLER_SLOT)).slice(26));
}

function problemsOf(raw: unknown): string[] {
  try {
    parseTreasuryParams(raw);
  } catch (error) {
    if (error instanceof TreasuryParamsError) return error.problems.map((p) => p.field);
    throw error;
  }
  throw new Error("expected TreasuryParamsError");
}

describe("Treasury deployment", function () {
  describe("parameters", function () {
    it("accepts the example file", function () {
      const params = readTreasuryParams("deploy/parameters/example.json");
      expect(params.owners).to.deep.equal(OWNERS);
      expect(params.threshold).to.equal(2);
      expect(params.safeVersion).to.equal("1.5.0");
    });

    it("names the field of each mistake", function () {
      expect(problemsOf({ Treasury: { owners: [OWNERS[0], OWNERS[0].toLowerCase()], threshold: 1 } })).to.deep.equal([
        "Treasury.owners[1]",
      ]);
      expect(problemsOf({ Treasury: { owners: OWNERS, threshold: 0 } })).to.deep.equal(["Treasury.threshold"]);
      expect(problemsOf({ Treasury: { owners: OWNERS, threshold: 4 } })).to.deep.equal(["Treasury.threshold"]);
      expect(problemsOf({ Treasury: { owners: [OWNERS[0], "0x1234"], threshold: 1 } })).to.deep.equal([
        "Treasury.owners[1]",
      ]);
      expect(
        problemsOf({ Treasury: { owners: ["0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"], threshold: 1 } }),
      ).to.deep.equal(["Treasury.owners[0]"]);
      expect(
        problemsOf({ Treasury: { owners: ["0x0000000000000000000000000000000000000000"], threshold: 1 } }),
      ).to.deep.equal(["Treasury.owners[0]"]);
      expect(problemsOf({ Treasury: { owners: OWNERS, threshold: 2, safeVersion: "1.3.0" } })).to.deep.equal([
        "Treasury.safeVersion",
      ]);
      expect(problemsOf({ Treasury: { owners: OWNERS, threshold: 2, treshold: 2 } })).to.deep.equal(["Treasury"]);
      expect(problemsOf({})).to.deep.equal(["Treasury"]);
      expect(
        problemsOf({ Treasury: { owners: OWNERS, threshold: 2, fallbackHandler: "Compatibility" } }),
      ).to.deep.equal(["Treasury.fallbackHandler"]);
    });

    it("says what is wrong in the message", function () {
      expect(() => parseTreasuryParams({ Treasury: { owners: OWNERS, threshold: 5 } })).to.throw(
        TreasuryParamsError,
        /Treasury\.threshold: must be between 1 and the number of owners \(3\), got 5/,
      );
    });
  });

  describe("deployTreasury", function () {
    it("creates the 2-of-3 Safe at the predicted address, and again is a no-op", async function () {
      await loadFixture(chain);
      // A salt of its own: on a fork of production the example treasury already exists.
      const params = { ...readTreasuryParams("deploy/parameters/example.json"), saltNonce: 424242n };
      const first = await deployTreasury(hre, params);
      expect(first.status).to.equal("deployed");
      const safe = safeAt(first.address);
      expect(await safe.getOwners()).to.deep.equal(OWNERS);
      expect(await safe.getThreshold()).to.equal(2n);
      expect(await safe.VERSION()).to.equal("1.5.0");
      // The toolkit's handler by default: off-chain signatures do not count as the Safe's.
      expect(await fallbackHandlerOf(first.address)).to.equal(await toolkitAddress(hre, "TreasuryFallbackHandler"));
      const block = await hre.ethers.provider.getBlockNumber();
      const again = await deployTreasury(hre, params);
      expect(again).to.deep.include({ status: "present", address: first.address });
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("creates a Safe 1.4.1 when asked", async function () {
      await loadFixture(chain);
      const params = parseTreasuryParams({ Treasury: { owners: OWNERS, threshold: 1, safeVersion: "1.4.1" } });
      const { address } = await deployTreasury(hre, params);
      expect(await safeAt(address).VERSION()).to.equal("1.4.1");
      expect(await fallbackHandlerOf(address)).to.equal(await toolkitAddress(hre, "TreasuryFallbackHandler"));
    });

    it("keeps Safe's CompatibilityFallbackHandler or another deployed handler when the parameters say so", async function () {
      await loadFixture(chain);
      const canonical = parseTreasuryParams({
        Treasury: { owners: OWNERS, threshold: 1, saltNonce: 7001, fallbackHandler: "CompatibilityFallbackHandler" },
      });
      const { address } = await deployTreasury(hre, canonical);
      expect(await fallbackHandlerOf(address)).to.equal(
        canonicalContract("1.5.0", "compatibilityFallbackHandler").address,
      );

      const missing = "0x00000000000000000000000000000000000000cc";
      const custom = parseTreasuryParams({
        Treasury: { owners: OWNERS, threshold: 1, saltNonce: 7002, fallbackHandler: missing },
      });
      const block = await hre.ethers.provider.getBlockNumber();
      await expect(deployTreasury(hre, custom)).to.be.rejectedWith(UserError, /fallbackHandler .* has no code/);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });
  });
});

describe("Treasury deployment with the TreasuryGuard", function () {
  hermetic();
  // A fixture of its own: restoring the first suite's snapshot would invalidate hermetic()'s.
  async function chainForGuard() {
    await bootstrapSafeContracts(hre);
  }
  const GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";
  const MODULE_GUARD_SLOT = "0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947";
  const RECIPIENT = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

  async function slotAddress(safe: string, slot: string): Promise<string> {
    return hre.ethers.getAddress("0x" + (await hre.ethers.provider.getStorage(safe, slot)).slice(26));
  }

  for (const safeVersion of ["1.5.0", "1.4.1"] as const) {
    it(`installs guard, module and policy in the creation transaction (Safe ${safeVersion})`, async function () {
      await loadFixture(chainForGuard);
      const params = { ...readTreasuryParams("deploy/parameters/guarded.json"), safeVersion };
      const { address } = await deployTreasury(hre, params);
      const guard = await hre.ethers.getContractAt("TreasuryGuard", await toolkitAddress(hre, "TreasuryGuard"));
      const guardAddress = await guard.getAddress();
      expect(await slotAddress(address, GUARD_SLOT)).to.equal(guardAddress);
      expect(await slotAddress(address, MODULE_GUARD_SLOT)).to.equal(
        safeVersion === "1.5.0" ? guardAddress : ZeroAddress,
      );
      expect(await safeAt(address).isModuleEnabled(guardAddress)).to.equal(true);
      expect(await guard.capOf(address, ZeroAddress)).to.equal(parseEther("5"));
      expect(await guard.isRecipient(address, RECIPIENT)).to.equal(true);
      expect((await guard.policy(address)).delay).to.equal(86400n);
      // Our fallback handler, trusting this guard's opt-in (not given: refused).
      const handler = await hre.ethers.getContractAt(
        "TreasuryFallbackHandler",
        await toolkitAddress(hre, "TreasuryFallbackHandler"),
      );
      expect(await fallbackHandlerOf(address)).to.equal(await handler.getAddress());
      expect(await handler.TREASURY_GUARD()).to.equal(guardAddress);
      expect(await handler.isOffchainSignatureAllowed(address)).to.equal(false);

      // The policy is live from the first transaction: within the cap passes, beyond it nothing moves.
      const [funder, owner1, owner2] = await hre.ethers.getSigners();
      await funder.sendTransaction({ to: address, value: parseEther("20") });
      await execSafeTx(address, { to: RECIPIENT, value: parseEther("4") }, [owner1, owner2]);
      const before = await hre.ethers.provider.getBalance(RECIPIENT);
      await expect(execSafeTx(address, { to: RECIPIENT, value: parseEther("2") }, [owner1, owner2]))
        .to.be.revertedWithCustomError(guard, "CapExceeded")
        .withArgs(ZeroAddress, parseEther("2"), parseEther("1"));
      expect(await hre.ethers.provider.getBalance(RECIPIENT)).to.equal(before);
    });
  }

  it("predicts a different address than the same owners without a guard", function () {
    const guarded = readTreasuryParams("deploy/parameters/guarded.json");
    const plain = { ...guarded, guard: undefined };
    const guardAddress = "0x00000000000000000000000000000000000000aa";
    const fallbackHandler = "0x00000000000000000000000000000000000000bb";
    expect(treasurySetup(guarded, { guard: guardAddress, fallbackHandler }).predictedAddress).to.not.equal(
      treasurySetup(plain, { fallbackHandler }).predictedAddress,
    );
    expect(() => treasurySetup(guarded, { fallbackHandler })).to.throw(/TreasuryGuard; pass its address/);
    expect(() => treasurySetup(plain)).to.throw(/TreasuryFallbackHandler; pass its address/);
  });

  it("writes the off-chain signature opt-in into the initial policy only when the guard section asks", function () {
    const guarded = readTreasuryParams("deploy/parameters/guarded.json");
    const toolkit = {
      guard: "0x00000000000000000000000000000000000000aa",
      fallbackHandler: "0x00000000000000000000000000000000000000bb",
    };
    const optIn = treasuryGuardInterface.encodeFunctionData("setOffchainSignatures", [true]).slice(2);
    expect(treasurySetup(guarded, toolkit).setupData).to.not.contain(optIn);
    const opted = { ...guarded, guard: { ...guarded.guard!, offchainSignatures: true } };
    expect(treasurySetup(opted, toolkit).setupData).to.contain(optIn);
    expect(
      problemsOf({ Treasury: { owners: OWNERS, threshold: 1, guard: { offchainSignatures: "yes" } } }),
    ).to.deep.equal(["Treasury.guard.offchainSignatures"]);
  });

  it("names each bad guard field", function () {
    const owners = readTreasuryParams("deploy/parameters/guarded.json").owners;
    const bad = {
      Treasury: {
        owners,
        threshold: 1,
        guard: {
          caps: [
            { asset: "ETH", amount: "1.5" },
            { asset: "eth", amount: "1" },
            { asset: "0x6B175474E89094C44Da98b954EedeAC495271d0F", amount: "10" },
            { asset: "ETH", amount: "0.0000000000000000001" },
          ],
          recipients: ["0x0000000000000000000000000000000000000000"],
          delay: 60,
        },
      },
    };
    expect(problemsOf(bad)).to.have.members([
      "Treasury.guard.caps[1].asset",
      "Treasury.guard.caps[2].decimals",
      "Treasury.guard.caps[3].asset",
      "Treasury.guard.caps[3].amount",
      "Treasury.guard.recipients[0]",
      "Treasury.guard.delay",
    ]);
  });
});
