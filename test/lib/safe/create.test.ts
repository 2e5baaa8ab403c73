import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../../lib/bootstrap";
import { createSafe, resolveSafeSetup } from "../../../lib/safe/create";
import { SAFE_VERSIONS } from "../../../lib/safe/canonical";
import { execSafeTx, safeAt } from "../../fixtures/safe";

async function chain() {
  await bootstrapSafeContracts(hre);
  return { signers: await hre.ethers.getSigners() };
}

for (const version of SAFE_VERSIONS) {
  describe(`createSafe (Safe ${version})`, function () {
    it("creates the Safe at the predicted address with the given owners and threshold", async function () {
      const { signers } = await loadFixture(chain);
      const owners = signers.slice(0, 3).map((s) => s.address);
      const setup = { owners, threshold: 2, saltNonce: 7n, version };
      const predicted = resolveSafeSetup(setup).predictedAddress;
      expect(await createSafe(hre, setup)).to.equal(predicted);
      const safe = safeAt(predicted);
      expect(await safe.getOwners()).to.deep.equal(owners);
      expect(await safe.getThreshold()).to.equal(2n);
      expect(await safe.VERSION()).to.equal(version);
    });

    it("is idempotent and distinguishes salt nonces", async function () {
      const { signers } = await loadFixture(chain);
      const setup = { owners: [signers[0].address], threshold: 1, version };
      const first = await createSafe(hre, setup);
      const block = await hre.ethers.provider.getBlockNumber();
      expect(await createSafe(hre, setup)).to.equal(first);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(await createSafe(hre, { ...setup, saltNonce: 1n })).to.not.equal(first);
    });

    it("executes a 2-of-3 transfer signed by two owners", async function () {
      const { signers } = await loadFixture(chain);
      const owners = signers.slice(0, 3);
      const address = await createSafe(hre, { owners: owners.map((o) => o.address), threshold: 2, version });
      await signers[0].sendTransaction({ to: address, value: 10n ** 18n });
      const recipient = signers[9].address;
      const before = await hre.ethers.provider.getBalance(recipient);
      await expect(execSafeTx(address, { to: recipient, value: 5n }, [owners[1], owners[2]])).to.emit(
        safeAt(address),
        "ExecutionSuccess",
      );
      expect(await hre.ethers.provider.getBalance(recipient)).to.equal(before + 5n);
      // One signature is below the threshold: Safe refuses with GS020 and nothing moves.
      await expect(execSafeTx(address, { to: recipient, value: 5n }, [owners[0]])).to.be.revertedWith("GS020");
      expect(await hre.ethers.provider.getBalance(recipient)).to.equal(before + 5n);
    });
  });
}
