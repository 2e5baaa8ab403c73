import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { TypedDataEncoder, ZeroAddress } from "ethers";
import type { Contract, Signer } from "ethers";
import { ethers } from "hardhat";

import type { SafeVersion } from "../../lib/safe/canonical";
import { batch } from "../fixtures/batch";
import { DAY, HOUR, SAFE_VERSIONS, safeIface, SENTINEL } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe, sorted } from "../fixtures/modules";

const INACTIVITY = 30n * DAY;
const DELAY = 3n * DAY;
// IRecoveryModule.RecoveryState
const State = { None: 0n, Pending: 1n, Ready: 2n, CancelledByActivity: 3n } as const;

const RECOVERY_TYPES = {
  Recovery: [
    { name: "safe", type: "address" },
    { name: "newOwners", type: "address[]" },
    { name: "newThreshold", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

async function recoveryFixture(version: SafeVersion, inactivity: bigint, saltNonce: bigint) {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const guardians = signers.slice(5, 8);
  const [outsider, newOwnerA, newOwnerB, guardianSafeOwner] = signers.slice(9, 13);
  const module = await ethers.deployContract("RecoveryModule");
  const moduleAddress = await module.getAddress();
  const { safe, safeAddress, exec } = await moduleSafe(version, owners, 2, saltNonce);
  const guardianAddresses = guardians.map((g) => g.address);
  await (
    await exec(
      batch(
        [
          { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [moduleAddress]) },
          {
            to: moduleAddress,
            data: module.interface.encodeFunctionData("configure", [
              guardianAddresses,
              2,
              inactivity,
              DELAY,
              ZeroAddress,
            ]),
          },
        ],
        version,
      ),
    )
  ).wait();
  const configuredAt = BigInt(await time.latest());
  // Recovery target: keep owner 0, add two new owners, threshold 2.
  const newOwners = sorted([owners[0].address, newOwnerA.address, newOwnerB.address]);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: "RecoveryModule", version: "1", chainId, verifyingContract: moduleAddress };
  const sign = (signer: Signer, owners_: string[], threshold: bigint, nonce: bigint, d = domain, safe_ = safeAddress) =>
    signer.signTypedData(d, RECOVERY_TYPES, { safe: safe_, newOwners: owners_, newThreshold: threshold, nonce });
  const approve = async (by: Signer[], owners_ = newOwners, threshold = 2n) => {
    const nonce = (await module.config(safeAddress)).nonce;
    for (const g of by) await (await module.connect(g).approveRecovery(safeAddress, owners_, threshold, nonce)).wait();
    return module.getRecoveryHash(safeAddress, owners_, threshold, nonce);
  };
  return {
    version,
    module,
    moduleAddress,
    safe,
    safeAddress,
    exec,
    owners,
    guardians,
    outsider,
    newOwnerA,
    newOwnerB,
    guardianSafeOwner,
    newOwners,
    configuredAt,
    domain,
    sign,
    approve,
  };
}

async function ownersOf(safe: Contract): Promise<string[]> {
  return sorted([...((await safe.getOwners()) as string[])]);
}

for (const version of SAFE_VERSIONS) {
  describe(`RecoveryModule (Safe ${version})`, function () {
    hermetic();
    const salt = version === "1.5.0" ? 0x5ec0_0150n : 0x5ec0_0141n;
    const inactivityFixture = () => recoveryFixture(version, INACTIVITY, salt);
    const socialFixture = () => recoveryFixture(version, 0n, salt + 1n);

    describe("configuration", function () {
      it("stores guardians, threshold and periods and emits the changes", async function () {
        const f = await loadFixture(inactivityFixture);
        expect(sorted(await f.module.getGuardians(f.safeAddress))).to.deep.equal(
          sorted(f.guardians.map((g) => g.address)),
        );
        const cfg = await f.module.config(f.safeAddress);
        expect([cfg.threshold, cfg.inactivityPeriod, cfg.recoveryDelay, cfg.nonce]).to.deep.equal([
          2n,
          INACTIVITY,
          DELAY,
          1n,
        ]);
        expect(await f.module.lastActivity(f.safeAddress)).to.equal(f.configuredAt);
      });

      it("refuses configuration from a guardian, and guardians cannot edit each other", async function () {
        const f = await loadFixture(inactivityFixture);
        const [g1, g2] = f.guardians;
        await expect(f.module.connect(g1).setGuardians([g1.address], 1))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(g1.address);
        await expect(f.module.connect(g2).cancelRecovery())
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(g2.address);
        expect(await f.module.getGuardians(f.safeAddress)).to.have.length(3);
        expect((await f.module.config(f.safeAddress)).threshold).to.equal(2n);
      });

      it("refuses configuration from another module of the Safe calling it directly", async function () {
        const f = await loadFixture(inactivityFixture);
        const other = f.outsider;
        await (
          await f.exec({ to: f.safeAddress, data: safeIface.encodeFunctionData("enableModule", [other.address]) })
        ).wait();
        expect(await f.safe.isModuleEnabled(other.address)).to.equal(true);
        await expect(f.module.connect(other).setGuardians([other.address], 1))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(other.address);
        await expect(f.module.connect(other).configure([other.address], 1, 0, DELAY, ZeroAddress))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(other.address);
        expect(await f.module.isGuardian(f.safeAddress, other.address)).to.equal(false);
        expect((await f.module.config(f.safeAddress)).inactivityPeriod).to.equal(INACTIVITY);
      });

      it("validates guardians, threshold and periods", async function () {
        const f = await loadFixture(inactivityFixture);
        const m = f.module.interface;
        const g = f.guardians.map((x) => x.address);
        const cases: [string, string, unknown[]][] = [
          [m.encodeFunctionData("setGuardians", [g, 0]), "InvalidGuardianThreshold", [0n, 3n]],
          [m.encodeFunctionData("setGuardians", [g, 4]), "InvalidGuardianThreshold", [4n, 3n]],
          [m.encodeFunctionData("setGuardians", [[g[0], g[0]], 1]), "DuplicateGuardian", [g[0]]],
          [m.encodeFunctionData("setGuardians", [[ZeroAddress], 1]), "InvalidGuardian", [ZeroAddress]],
          [m.encodeFunctionData("setGuardians", [[f.safeAddress], 1]), "InvalidGuardian", [f.safeAddress]],
          [m.encodeFunctionData("setPeriods", [3600, DELAY]), "InvalidInactivityPeriod", [3600n, DAY, 3650n * DAY]],
          [m.encodeFunctionData("setPeriods", [INACTIVITY, 60]), "InvalidRecoveryDelay", [60n, HOUR, 365n * DAY]],
        ];
        await ethers.provider.send("hardhat_impersonateAccount", [f.safeAddress]);
        const asSafe = f.module.connect(await ethers.getSigner(f.safeAddress));
        for (const [data, error, args] of cases) {
          // Safe 1.5.0 bubbles the module's error up; 1.4.1 reports GS013. The exact error is also asserted on a
          // call from the Safe's address.
          if (f.version === "1.5.0") {
            await expect(f.exec({ to: f.moduleAddress, data }))
              .to.be.revertedWithCustomError(f.module, error)
              .withArgs(...args);
          } else {
            await expect(f.exec({ to: f.moduleAddress, data })).to.be.revertedWith("GS013");
          }
          const fn = f.module.interface.parseTransaction({ data })!;
          await expect(asSafe.getFunction(fn.signature)(...fn.args.toArray(true)))
            .to.be.revertedWithCustomError(f.module, error)
            .withArgs(...args);
        }
        await ethers.provider.send("hardhat_stopImpersonatingAccount", [f.safeAddress]);
        expect((await f.module.config(f.safeAddress)).threshold).to.equal(2n);
      });
    });

    describe("approvals", function () {
      it("refuses approvals from non-guardians", async function () {
        const f = await loadFixture(inactivityFixture);
        await expect(f.module.connect(f.outsider).approveRecovery(f.safeAddress, f.newOwners, 2, 1))
          .to.be.revertedWithCustomError(f.module, "NotGuardian")
          .withArgs(f.safeAddress, f.outsider.address);
        // Nor through a signature of a non-guardian.
        const signature = await f.sign(f.outsider, f.newOwners, 2n, 1n);
        await expect(
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, 1, [
            { guardian: f.outsider.address, signature },
          ]),
        )
          .to.be.revertedWithCustomError(f.module, "NotGuardian")
          .withArgs(f.safeAddress, f.outsider.address);
        const hash = await f.module.getRecoveryHash(f.safeAddress, f.newOwners, 2, 1);
        expect(await f.module.approvalCount(f.safeAddress, hash)).to.equal(0n);
      });

      it("refuses invalid proposals: threshold 0 or above the owners, zero, sentinel, duplicate, unsorted owners", async function () {
        const f = await loadFixture(inactivityFixture);
        const g = f.module.connect(f.guardians[0]);
        const [a, b] = sorted([f.newOwnerA.address, f.newOwnerB.address]);
        await expect(g.approveRecovery(f.safeAddress, [a, b], 0, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidThreshold")
          .withArgs(0n, 2n);
        await expect(g.approveRecovery(f.safeAddress, [a, b], 3, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidThreshold")
          .withArgs(3n, 2n);
        await expect(g.approveRecovery(f.safeAddress, [], 0, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidThreshold")
          .withArgs(0n, 0n);
        await expect(g.approveRecovery(f.safeAddress, [ZeroAddress, a], 1, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidOwner")
          .withArgs(ZeroAddress);
        await expect(g.approveRecovery(f.safeAddress, [SENTINEL, a], 1, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidOwner")
          .withArgs(SENTINEL);
        await expect(g.approveRecovery(f.safeAddress, sorted([a, f.safeAddress]), 1, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidOwner")
          .withArgs(f.safeAddress);
        await expect(g.approveRecovery(f.safeAddress, [a, a], 1, 1))
          .to.be.revertedWithCustomError(f.module, "DuplicateOwner")
          .withArgs(a);
        await expect(g.approveRecovery(f.safeAddress, [b, a], 1, 1))
          .to.be.revertedWithCustomError(f.module, "OwnersNotSorted")
          .withArgs(b, a);
        await expect(g.approveRecovery(f.safeAddress, [a, b], 1, 0))
          .to.be.revertedWithCustomError(f.module, "InvalidNonce")
          .withArgs(f.safeAddress, 0n, 1n);
      });

      it("counts each guardian once, directly or by EIP-712 signature", async function () {
        const f = await loadFixture(inactivityFixture);
        const hash = await f.approve([f.guardians[0]]);
        await expect(f.module.connect(f.guardians[0]).approveRecovery(f.safeAddress, f.newOwners, 2, 1))
          .to.be.revertedWithCustomError(f.module, "AlreadyApproved")
          .withArgs(f.safeAddress, hash, f.guardians[0].address);
        // The hash is the EIP-712 digest (chain id, module, Safe bound).
        expect(hash).to.equal(
          TypedDataEncoder.hash(f.domain, RECOVERY_TYPES, {
            safe: f.safeAddress,
            newOwners: f.newOwners,
            newThreshold: 2n,
            nonce: 1n,
          }),
        );
        const signatures = [
          { guardian: f.guardians[0].address, signature: await f.sign(f.guardians[0], f.newOwners, 2n, 1n) },
          { guardian: f.guardians[1].address, signature: await f.sign(f.guardians[1], f.newOwners, 2n, 1n) },
        ];
        await expect(
          f.module.connect(f.outsider).approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, 1, signatures),
        )
          .to.emit(f.module, "RecoveryApproved")
          .withArgs(f.safeAddress, hash, f.guardians[1].address, 2n);
        expect(await f.module.approvalCount(f.safeAddress, hash)).to.equal(2n);
        expect(await f.module.hasApproved(f.safeAddress, hash, f.guardians[0].address)).to.equal(true);
      });

      it("refuses signatures bound to another Safe, chain or module, or by the wrong key", async function () {
        const f = await loadFixture(inactivityFixture);
        const g = f.guardians[0];
        const submit = (signature: string) =>
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, 1, [
            { guardian: g.address, signature },
          ]);
        const otherChain = await f.sign(g, f.newOwners, 2n, 1n, { ...f.domain, chainId: 1n });
        const otherModule = await f.sign(g, f.newOwners, 2n, 1n, {
          ...f.domain,
          verifyingContract: f.outsider.address,
        });
        const otherSafe = await f.sign(g, f.newOwners, 2n, 1n, f.domain, f.outsider.address);
        const wrongKey = await f.sign(f.outsider, f.newOwners, 2n, 1n);
        for (const signature of [otherChain, otherModule, otherSafe, wrongKey, "0x", "0x" + "00".repeat(65)]) {
          await expect(submit(signature))
            .to.be.revertedWithCustomError(f.module, "InvalidGuardianSignature")
            .withArgs(f.safeAddress, g.address);
        }
      });

      it("accepts an EIP-1271 guardian (another Safe) by signature and by direct approval", async function () {
        const f = await loadFixture(inactivityFixture);
        const guardianSafe = await moduleSafe(f.version, [f.guardianSafeOwner], 1, 0x6a4d_1271n);
        const guardians = [f.guardians[0].address, guardianSafe.safeAddress];
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setGuardians", [guardians, 2]),
          })
        ).wait();
        const nonce = (await f.module.config(f.safeAddress)).nonce;
        const hash = await f.module.getRecoveryHash(f.safeAddress, f.newOwners, 2, nonce);
        // The guardian Safe's owner signs the SafeMessage wrapping the recovery hash (CompatibilityFallbackHandler).
        const { chainId } = await ethers.provider.getNetwork();
        const safeSignature = await f.guardianSafeOwner.signTypedData(
          { chainId, verifyingContract: guardianSafe.safeAddress },
          { SafeMessage: [{ name: "message", type: "bytes" }] },
          { message: hash },
        );
        await expect(
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, nonce, [
            { guardian: guardianSafe.safeAddress, signature: safeSignature },
          ]),
        )
          .to.emit(f.module, "RecoveryApproved")
          .withArgs(f.safeAddress, hash, guardianSafe.safeAddress, 1n);
        // A signature by someone who does not own the guardian Safe is refused.
        const forged = await f.outsider.signTypedData(
          { chainId, verifyingContract: guardianSafe.safeAddress },
          { SafeMessage: [{ name: "message", type: "bytes" }] },
          { message: hash },
        );
        const otherHash = await f.module.getRecoveryHash(f.safeAddress, f.newOwners, 3, nonce);
        await expect(
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 3, nonce, [
            { guardian: guardianSafe.safeAddress, signature: forged },
          ]),
        )
          .to.be.revertedWithCustomError(f.module, "InvalidGuardianSignature")
          .withArgs(f.safeAddress, guardianSafe.safeAddress);
        // Direct approval through a transaction of the guardian Safe.
        await (
          await guardianSafe.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("approveRecovery", [f.safeAddress, f.newOwners, 3, nonce]),
          })
        ).wait();
        expect(await f.module.hasApproved(f.safeAddress, otherHash, guardianSafe.safeAddress)).to.equal(true);
      });
    });

    describe("inactivity recovery lifecycle", function () {
      it("refuses before the inactivity period, then pending -> one second early refused -> finalized exactly", async function () {
        const f = await loadFixture(inactivityFixture);
        const hash = await f.approve(f.guardians.slice(0, 2));
        const inactiveFrom = f.configuredAt + INACTIVITY;
        await time.setNextBlockTimestamp(inactiveFrom - 1n);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, f.configuredAt, inactiveFrom);
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.None);

        await time.setNextBlockTimestamp(inactiveFrom);
        await expect(f.module.connect(f.outsider).initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.emit(f.module, "RecoveryInitiated")
          .withArgs(f.safeAddress, hash, f.newOwners, 2n, 1n, 2n, inactiveFrom + DELAY, true);
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.Pending);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "RecoveryAlreadyPending")
          .withArgs(f.safeAddress, hash);

        const ownersBefore = await ownersOf(f.safe);
        await time.setNextBlockTimestamp(inactiveFrom + DELAY - 1n);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "RecoveryNotReady")
          .withArgs(f.safeAddress, inactiveFrom + DELAY);
        expect(await ownersOf(f.safe)).to.deep.equal(ownersBefore);

        await time.setNextBlockTimestamp(inactiveFrom + DELAY);
        await expect(f.module.connect(f.outsider).finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.emit(f.module, "RecoveryFinalized")
          .withArgs(f.safeAddress, hash, f.newOwners, 2n);
        expect(await ownersOf(f.safe)).to.deep.equal(f.newOwners);
        expect(await f.safe.getThreshold()).to.equal(2n);
        for (const old of f.owners.slice(1)) expect(await f.safe.isOwner(old.address)).to.equal(false);
        // Approvals are spent and the new owners get a fresh inactivity clock.
        expect((await f.module.config(f.safeAddress)).nonce).to.equal(2n);
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.None);
        expect(await f.module.lastActivity(f.safeAddress)).to.equal(inactiveFrom + DELAY);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NoPendingRecovery")
          .withArgs(f.safeAddress, State.None);
        // The recovered Safe works with its new owners.
        const [n0, n1] = await Promise.all(f.newOwners.slice(0, 2).map((a) => ethers.getSigner(a)));
        await expect(f.exec({ to: f.outsider.address, value: 1n }, [n0, n1])).to.changeEtherBalance(f.outsider, 1n);
      });

      it("replaces every owner when none is kept, with any new threshold", async function () {
        const f = await loadFixture(inactivityFixture);
        const signers = await ethers.getSigners();
        const fresh = sorted([signers[13].address, signers[14].address, signers[15].address, signers[16].address]);
        await f.approve(f.guardians, fresh, 3n);
        await time.increaseTo(f.configuredAt + INACTIVITY);
        await (await f.module.initiateRecovery(f.safeAddress, fresh, 3)).wait();
        await time.increase(DELAY);
        await (await f.module.finalizeRecovery(f.safeAddress, fresh, 3)).wait();
        expect(await ownersOf(f.safe)).to.deep.equal(fresh);
        expect(await f.safe.getThreshold()).to.equal(3n);
      });

      it("is cancelled by a Safe transaction during the delay", async function () {
        const f = await loadFixture(inactivityFixture);
        await f.approve(f.guardians.slice(0, 2));
        await time.increaseTo(f.configuredAt + INACTIVITY);
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        await (await f.exec({ to: f.outsider.address, value: 1n })).wait();
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.CancelledByActivity);
        await time.increase(DELAY);
        const ownersBefore = await ownersOf(f.safe);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NoPendingRecovery")
          .withArgs(f.safeAddress, State.CancelledByActivity);
        expect(await ownersOf(f.safe)).to.deep.equal(ownersBefore);
        // Starting again needs a new inactivity period, counted from when the activity is observed.
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).to.be.revertedWithCustomError(
          f.module,
          "SafeNotInactive",
        );
      });

      it("is cancelled by an owner's heartbeat during the delay; non-owners cannot heartbeat", async function () {
        const f = await loadFixture(inactivityFixture);
        const hash = await f.approve(f.guardians.slice(0, 2));
        await time.increaseTo(f.configuredAt + INACTIVITY);
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        await expect(f.module.connect(f.guardians[0]).heartbeat(f.safeAddress))
          .to.be.revertedWithCustomError(f.module, "NotSafeOwner")
          .withArgs(f.safeAddress, f.guardians[0].address);
        await expect(f.module.connect(f.owners[2]).heartbeat(f.safeAddress))
          .to.emit(f.module, "RecoveryCancelled")
          .withArgs(f.safeAddress, hash, f.owners[2].address);
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.None);
        await time.increase(DELAY);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NoPendingRecovery")
          .withArgs(f.safeAddress, State.None);
        expect(await f.safe.isOwner(f.owners[2].address)).to.equal(true);
      });

      it("tracks activity from the Safe's nonce without a guard: a transaction restarts the clock once poked", async function () {
        const f = await loadFixture(inactivityFixture);
        await f.approve(f.guardians.slice(0, 2));
        const txAt = f.configuredAt + 10n * DAY;
        await time.setNextBlockTimestamp(txAt);
        await (await f.exec({ to: f.outsider.address, value: 1n })).wait();
        // Unobserved nonce change: the Safe counts as active now.
        const tryAt = f.configuredAt + INACTIVITY;
        await time.setNextBlockTimestamp(tryAt);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, tryAt, tryAt + INACTIVITY);
        const pokeAt = tryAt + 1n;
        await time.setNextBlockTimestamp(pokeAt);
        await expect(f.module.connect(f.outsider).poke(f.safeAddress))
          .to.emit(f.module, "ActivityObserved")
          .withArgs(f.safeAddress, f.outsider.address, 2n, pokeAt);
        // A second poke with the same nonce changes nothing.
        await expect(f.module.poke(f.safeAddress)).not.to.emit(f.module, "ActivityObserved");
        await time.setNextBlockTimestamp(pokeAt + INACTIVITY - 1n);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, pokeAt, pokeAt + INACTIVITY);
        await time.setNextBlockTimestamp(pokeAt + INACTIVITY);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).to.emit(f.module, "RecoveryInitiated");
      });

      it("a heartbeat restarts the inactivity clock", async function () {
        const f = await loadFixture(inactivityFixture);
        await f.approve(f.guardians.slice(0, 2));
        const beatAt = f.configuredAt + 20n * DAY;
        await time.setNextBlockTimestamp(beatAt);
        await (await f.module.connect(f.owners[1]).heartbeat(f.safeAddress)).wait();
        await time.setNextBlockTimestamp(f.configuredAt + INACTIVITY);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, beatAt, beatAt + INACTIVITY);
      });
    });

    describe("activity recorder", function () {
      it("is ignored while it is not the Safe's guard: the nonce rule applies", async function () {
        const f = await loadFixture(inactivityFixture);
        const recorder = await ethers.deployContract("TreasuryGuard");
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setActivityRecorder", [await recorder.getAddress()]),
          })
        ).wait();
        const observedAt = BigInt(await time.latest());
        expect(await f.module.getActivityRecorder(f.safeAddress)).to.equal(await recorder.getAddress());
        // A Safe transaction the (uninstalled) recorder never sees: the module still counts the Safe as active.
        await (await f.exec({ to: f.outsider.address, value: 1n })).wait();
        expect(await recorder.lastActivity(f.safeAddress)).to.equal(0n);
        await f.approve(f.guardians.slice(0, 2));
        const tryAt = observedAt + INACTIVITY;
        await time.setNextBlockTimestamp(tryAt);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, tryAt, tryAt + INACTIVITY);
      });
    });

    describe("activity recorder that reverts", function () {
      it("falls back to the nonce rule instead of blocking recovery", async function () {
        const f = await loadFixture(inactivityFixture);
        const broken = await ethers.deployContract("RecoveryModuleBrokenRecorder");
        const brokenAddress = await broken.getAddress();
        await (
          await f.exec(
            batch(
              [
                {
                  to: f.moduleAddress,
                  data: f.module.interface.encodeFunctionData("setActivityRecorder", [brokenAddress]),
                },
                { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [brokenAddress]) },
              ],
              f.version,
            ),
          )
        ).wait();
        const observedAt = BigInt(await time.latest());
        await f.approve(f.guardians.slice(0, 2));
        await time.setNextBlockTimestamp(observedAt + INACTIVITY - 1n);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "SafeNotInactive")
          .withArgs(f.safeAddress, observedAt, observedAt + INACTIVITY);
        await time.setNextBlockTimestamp(observedAt + INACTIVITY);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).to.emit(f.module, "RecoveryInitiated");
      });
    });

    describe("owner replacement (property)", function () {
      it("any sequence of recoveries leaves exactly the proposed owners and threshold @slow", async function () {
        const f = await loadFixture(socialFixture);
        const signers = await ethers.getSigners();
        const pool = [...signers.slice(0, 5), ...signers.slice(9, 15)].map((s) => s.address);
        const proposal = fc
          .subarray(pool, { minLength: 1, maxLength: 6 })
          .chain((owners) =>
            fc.record({ owners: fc.constant(sorted(owners)), threshold: fc.integer({ min: 1, max: owners.length }) }),
          );
        await fc.assert(
          fc.asyncProperty(fc.array(proposal, { minLength: 1, maxLength: 3 }), async (proposals) => {
            const snapshot = await takeSnapshot();
            try {
              for (const p of proposals) {
                await f.approve(f.guardians.slice(0, 2), p.owners, BigInt(p.threshold));
                await (await f.module.initiateRecovery(f.safeAddress, p.owners, p.threshold)).wait();
                await time.increase(DELAY);
                await (await f.module.finalizeRecovery(f.safeAddress, p.owners, p.threshold)).wait();
                expect(await ownersOf(f.safe)).to.deep.equal(p.owners);
                expect(await f.safe.getThreshold()).to.equal(BigInt(p.threshold));
                for (const a of pool) expect(await f.safe.isOwner(a)).to.equal(p.owners.includes(a));
              }
            } finally {
              await snapshot.restore();
            }
          }),
          { numRuns: 8 },
        );
      });
    });

    describe("invalidation", function () {
      it("a guardian-set change voids approvals and signatures collected under the old set", async function () {
        const f = await loadFixture(inactivityFixture);
        const oldHash = await f.approve(f.guardians.slice(0, 2));
        const oldSignature = await f.sign(f.guardians[2], f.newOwners, 2n, 1n);
        await time.increaseTo(f.configuredAt + INACTIVITY);
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        // Same guardians, same threshold: still a new epoch.
        const g = f.guardians.map((x) => x.address);
        await expect(
          f.exec({ to: f.moduleAddress, data: f.module.interface.encodeFunctionData("setGuardians", [g, 2]) }),
        )
          .to.emit(f.module, "RecoveryCancelled")
          .withArgs(f.safeAddress, oldHash, f.safeAddress);
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.None);
        const newHash = await f.module.getRecoveryHash(f.safeAddress, f.newOwners, 2, 2);
        expect(await f.module.approvalCount(f.safeAddress, newHash)).to.equal(0n);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NotEnoughApprovals")
          .withArgs(f.safeAddress, newHash, 0n, 2n);
        await expect(
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, 1, [
            { guardian: f.guardians[2].address, signature: oldSignature },
          ]),
        )
          .to.be.revertedWithCustomError(f.module, "InvalidNonce")
          .withArgs(f.safeAddress, 1n, 2n);
        await expect(
          f.module.approveRecoveryWithSignatures(f.safeAddress, f.newOwners, 2, 2, [
            { guardian: f.guardians[2].address, signature: oldSignature },
          ]),
        )
          .to.be.revertedWithCustomError(f.module, "InvalidGuardianSignature")
          .withArgs(f.safeAddress, f.guardians[2].address);
      });

      it("the Safe cancels any recovery and bumps the nonce", async function () {
        const f = await loadFixture(socialFixture);
        const hash = await f.approve(f.guardians.slice(0, 2));
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        await expect(f.exec({ to: f.moduleAddress, data: f.module.interface.encodeFunctionData("cancelRecovery") }))
          .to.emit(f.module, "RecoveryCancelled")
          .withArgs(f.safeAddress, hash, f.safeAddress)
          .and.to.emit(f.module, "NonceChanged")
          .withArgs(f.safeAddress, 1n, 2n);
        await time.increase(DELAY);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NoPendingRecovery")
          .withArgs(f.safeAddress, State.None);
        await expect(f.module.connect(f.guardians[0]).approveRecovery(f.safeAddress, f.newOwners, 2, 1))
          .to.be.revertedWithCustomError(f.module, "InvalidNonce")
          .withArgs(f.safeAddress, 1n, 2n);
      });
    });

    describe("social recovery (inactivity period 0)", function () {
      it("starts at once, survives Safe transactions and heartbeats, and finalizes after the delay", async function () {
        const f = await loadFixture(socialFixture);
        await f.approve(f.guardians.slice(0, 2));
        const startedAt = BigInt(await time.latest()) + 1n;
        await time.setNextBlockTimestamp(startedAt);
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        await (await f.exec({ to: f.outsider.address, value: 1n })).wait();
        await (await f.module.connect(f.owners[0]).heartbeat(f.safeAddress)).wait();
        expect(await f.module.recoveryState(f.safeAddress)).to.equal(State.Pending);
        await time.setNextBlockTimestamp(startedAt + DELAY - 1n);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "RecoveryNotReady")
          .withArgs(f.safeAddress, startedAt + DELAY);
        await time.setNextBlockTimestamp(startedAt + DELAY);
        await (await f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2)).wait();
        expect(await ownersOf(f.safe)).to.deep.equal(f.newOwners);
      });

      it("a pending recovery is replaced only by one with more approvals", async function () {
        const f = await loadFixture(socialFixture);
        const hashA = await f.approve(f.guardians.slice(0, 2));
        await (await f.module.initiateRecovery(f.safeAddress, f.newOwners, 2)).wait();
        const other = sorted([f.newOwnerA.address, f.newOwnerB.address]);
        const hashB = await f.approve(f.guardians.slice(1, 3), other, 1n);
        await expect(f.module.initiateRecovery(f.safeAddress, other, 1))
          .to.be.revertedWithCustomError(f.module, "RecoveryNotReplaceable")
          .withArgs(f.safeAddress, hashA, 2n, 2n);
        expect((await f.module.pendingRecovery(f.safeAddress)).recoveryHash).to.equal(hashA);
        await (await f.module.connect(f.guardians[0]).approveRecovery(f.safeAddress, other, 1, 1)).wait();
        const replacedAt = BigInt(await time.latest()) + 10n;
        await time.setNextBlockTimestamp(replacedAt);
        await expect(f.module.initiateRecovery(f.safeAddress, other, 1))
          .to.emit(f.module, "RecoveryInitiated")
          .withArgs(f.safeAddress, hashB, other, 1n, 1n, 3n, replacedAt + DELAY, false);
        await time.increase(DELAY);
        await expect(f.module.finalizeRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "RecoveryMismatch")
          .withArgs(f.safeAddress, hashB, hashA);
        await (await f.module.finalizeRecovery(f.safeAddress, other, 1)).wait();
        expect(await ownersOf(f.safe)).to.deep.equal(other);
        expect(await f.safe.getThreshold()).to.equal(1n);
      });

      it("a Safe with no guardians cannot be recovered", async function () {
        const f = await loadFixture(socialFixture);
        await (
          await f.exec({ to: f.moduleAddress, data: f.module.interface.encodeFunctionData("setGuardians", [[], 0]) })
        ).wait();
        const hash = await f.module.getRecoveryHash(f.safeAddress, f.newOwners, 2, 2);
        await expect(f.module.connect(f.guardians[0]).approveRecovery(f.safeAddress, f.newOwners, 2, 2))
          .to.be.revertedWithCustomError(f.module, "NotGuardian")
          .withArgs(f.safeAddress, f.guardians[0].address);
        await expect(f.module.initiateRecovery(f.safeAddress, f.newOwners, 2))
          .to.be.revertedWithCustomError(f.module, "NotEnoughApprovals")
          .withArgs(f.safeAddress, hash, 0n, 0n);
      });
    });
  });
}
