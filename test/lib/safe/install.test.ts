import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../../lib/bootstrap";
import { SAFE_VERSIONS } from "../../../lib/safe/canonical";
import { createSafe, safeInterface } from "../../../lib/safe/create";
import { installTransactions, SAFE_SELF, setupHook, type SafeCall } from "../../../lib/safe/install";
import { protocolKit } from "../../../lib/safe/kit";
import { buildSafeTransaction, executeSigned, signByOwners } from "../../../lib/safe/transactions";
import { safeAt } from "../../fixtures/safe";

async function chain() {
  await bootstrapSafeContracts(hre);
  return { signers: await hre.ethers.getSigners() };
}

for (const version of SAFE_VERSIONS) {
  describe(`lib/safe/install (Safe ${version})`, function () {
    // Self-configuration that only the Safe may do: enable two modules and raise the threshold.
    function configuration(modules: string[]): SafeCall[] {
      const iface = safeInterface(version);
      return [
        ...modules.map((m) => ({ to: SAFE_SELF, data: iface.encodeFunctionData("enableModule", [m]) })),
        { to: SAFE_SELF, data: iface.encodeFunctionData("changeThreshold", [2]) },
      ];
    }

    async function expectConfigured(address: string, modules: string[]) {
      const safe = safeAt(address);
      for (const m of modules) expect(await safe.isModuleEnabled(m), m).to.equal(true);
      expect(await safe.getThreshold()).to.equal(2n);
    }

    it("installs in the creation transaction through Safe.setup's hook", async function () {
      const { signers } = await loadFixture(chain);
      const modules = [signers[10].address, signers[11].address];
      const hook = setupHook(configuration(modules));
      const address = await createSafe(hre, {
        owners: [signers[0].address, signers[1].address, signers[2].address],
        threshold: 1,
        version,
        to: hook.setupTo,
        data: hook.setupData,
      });
      await expectConfigured(address, modules);
    });

    it("installs the same configuration on an existing Safe in one Safe transaction", async function () {
      const { signers } = await loadFixture(chain);
      const owners = [signers[0].address, signers[1].address, signers[2].address];
      const address = await createSafe(hre, { owners, threshold: 1, version, saltNonce: 3n });
      const modules = [signers[10].address, signers[11].address];
      const kit = await protocolKit(hre, address);
      const tx = await buildSafeTransaction(kit, installTransactions(address, configuration(modules)));
      const signed = await signByOwners(hre, address, tx, [owners[0]]);
      expect((await executeSigned(hre, address, signed.safeTx, owners[0])).success).to.equal(true);
      await expectConfigured(address, modules);
      expect(await kit.getNonce()).to.equal(1);
    });

    it("refuses an empty hook", function () {
      expect(() => setupHook([])).to.throw(/at least one call/);
    });
  });
}
