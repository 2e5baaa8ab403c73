import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther } from "ethers";
import hre from "hardhat";

import { UserError } from "../../../lib/errors";
import { contractNetworksFor, protocolKit } from "../../../lib/safe/kit";
import { canonicalAddresses } from "../../../lib/safe/canonical";
import { buildSafeTransaction, executeSigned, signByOwners } from "../../../lib/safe/transactions";
import { deployTestSafe } from "../../fixtures/safe";

async function twoOfThree() {
  return deployTestSafe({ ownerCount: 3, threshold: 2, saltNonce: 99n });
}

describe("lib/safe", function () {
  describe("contractNetworksFor", function () {
    it("fills the canonical addresses for a chain Safe's registry does not list", function () {
      const config = contractNetworksFor(31337n, "1.4.1")?.["31337"];
      expect(config?.safeSingletonAddress).to.equal(canonicalAddresses("1.4.1").safe);
      expect(config?.multiSendCallOnlyAddress).to.equal(canonicalAddresses("1.4.1").multiSendCallOnly);
    });

    it("leaves known chains to protocol-kit", function () {
      expect(contractNetworksFor(1n, "1.5.0")).to.equal(undefined);
    });
  });

  describe("propose, sign, execute", function () {
    it("moves exactly the proposed value once two owners signed", async function () {
      const { address, owners, signers } = await loadFixture(twoOfThree);
      const recipient = signers[8].address;
      const kit = await protocolKit(hre, address);
      const tx = await buildSafeTransaction(kit, [{ to: recipient, value: parseEther("2").toString(), data: "0x" }]);
      const signed = await signByOwners(hre, address, tx, [owners[0].address, owners[2].address]);
      expect(signed.safeTxHash).to.equal(await kit.getTransactionHash(tx));
      const before = await hre.ethers.provider.getBalance(recipient);
      const result = await executeSigned(hre, address, signed.safeTx, signers[7].address);
      expect(result.success).to.equal(true);
      expect(await hre.ethers.provider.getBalance(recipient)).to.equal(before + parseEther("2"));
    });

    it("refuses a signer who is not an owner, before anyone signs", async function () {
      const { address, owners, signers } = await loadFixture(twoOfThree);
      const tx = await buildSafeTransaction(await protocolKit(hre, address), [
        { to: signers[8].address, value: "1", data: "0x" },
      ]);
      await expect(signByOwners(hre, address, tx, [owners[0].address, signers[5].address])).to.be.rejectedWith(
        UserError,
        new RegExp(`Not owners of Safe ${address}: ${signers[5].address}`),
      );
    });

    it("refuses to execute below the threshold and sends nothing", async function () {
      const { address, owners, signers } = await loadFixture(twoOfThree);
      const tx = await buildSafeTransaction(await protocolKit(hre, address), [
        { to: signers[8].address, value: "1", data: "0x" },
      ]);
      const signed = await signByOwners(hre, address, tx, [owners[1].address]);
      const nonce = await hre.ethers.provider.getTransactionCount(owners[1].address);
      await expect(executeSigned(hre, address, signed.safeTx, owners[1].address)).to.be.rejectedWith(
        UserError,
        /needs 2 signatures, this transaction has 1/,
      );
      expect(await hre.ethers.provider.getTransactionCount(owners[1].address)).to.equal(nonce);
    });

    it("refuses a transaction signed for a nonce the Safe has moved past", async function () {
      const { address, owners, signers } = await loadFixture(twoOfThree);
      const kit = await protocolKit(hre, address);
      const first = await buildSafeTransaction(kit, [{ to: signers[8].address, value: "1", data: "0x" }]);
      const competing = await buildSafeTransaction(kit, [{ to: signers[9].address, value: "1", data: "0x" }]);
      const quorum = [owners[0].address, owners[1].address];
      await executeSigned(hre, address, (await signByOwners(hre, address, first, quorum)).safeTx, owners[0].address);
      const stale = (await signByOwners(hre, address, competing, quorum)).safeTx;
      await expect(executeSigned(hre, address, stale, owners[0].address)).to.be.rejectedWith(
        UserError,
        /signed for nonce 0 but the Safe is at nonce 1/,
      );
    });

    it("refuses an empty proposal", async function () {
      const { address } = await loadFixture(twoOfThree);
      await expect(buildSafeTransaction(await protocolKit(hre, address), [])).to.be.rejectedWith(
        UserError,
        /Nothing to propose/,
      );
    });
  });
});
