import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { deployTreasury, parseTreasuryParams, readTreasuryParams, TreasuryParamsError } from "../../lib/treasury";
import { safeAt } from "../fixtures/safe";

const OWNERS = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];

async function chain() {
  await bootstrapSafeContracts(hre);
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
    });
  });
});
