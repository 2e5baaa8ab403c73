import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import type { SafeVersion } from "../../lib/safe/canonical";
import { batch } from "../fixtures/batch";
import { DAY, SAFE_VERSIONS, safeIface } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe, sorted } from "../fixtures/modules";

const ETH = ZeroAddress;
// ITreasuryGuard.Reason
const Reason = { RecipientNotAllowed: 3n, UntrustedTarget: 4n, SafeSelfCall: 6n } as const;
const INACTIVITY = 30n * DAY;
const DELAY = 3n * DAY;

/** Safe 1.5.0 with the TreasuryGuard (cap 3 ETH, alice whitelisted) and a delegate allowed 2 ETH/day. */
async function spendingWithGuard() {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const [delegate, alice] = signers.slice(3, 5);
  const guard = await ethers.deployContract("TreasuryGuard");
  const spending = await ethers.deployContract("SpendingLimitModule");
  const [guardAddress, spendingAddress] = [await guard.getAddress(), await spending.getAddress()];
  const s = await moduleSafe("1.5.0", owners, 2, 0x9a4d_5bedn);
  const g = guard.interface;
  const m = spending.interface;
  // Installed before the guard is on (as in the creation batch): raising caps later would need the queue.
  await (
    await s.exec(
      batch(
        [
          { to: guardAddress, data: g.encodeFunctionData("setCap", [ETH, parseEther("3")]) },
          { to: guardAddress, data: g.encodeFunctionData("setRecipient", [alice.address, true]) },
          // Tightening the module's configuration stays instant under the guard; loosening it needs the queue.
          ...(["lowerAllowance", "removeRecipient"] as const).map((name) => ({
            to: guardAddress,
            data: g.encodeFunctionData("setTrustedSelector", [spendingAddress, m.getFunction(name)!.selector, true]),
          })),
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [spendingAddress]) },
          { to: spendingAddress, data: m.encodeFunctionData("setAllowance", [delegate.address, ETH, parseEther("2")]) },
          // alice is only in the guard's whitelist: the delegate may pay her because the Safe names the registry.
          { to: spendingAddress, data: m.encodeFunctionData("setRecipientRegistry", [guardAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [guardAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("setGuard", [guardAddress]) },
        ],
        "1.5.0",
      ),
    )
  ).wait();
  return { ...s, guard, spending, delegate, alice };
}

/**
 * A Safe whose TreasuryGuard refuses every owner transaction that moves value or changes the Safe (no caps at all),
 * with the RecoveryModule named as the guard's recovery module and the guard as its activity recorder.
 */
async function recoveryWithGuard(version: SafeVersion) {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const guardians = signers.slice(5, 7);
  const [outsider, newOwnerA, newOwnerB] = signers.slice(9, 12);
  const guard = await ethers.deployContract("TreasuryGuard");
  const recovery = await ethers.deployContract("RecoveryModule");
  const otherModule = await ethers.deployContract("TestModule");
  const [guardAddress, recoveryAddress] = [await guard.getAddress(), await recovery.getAddress()];
  const s = await moduleSafe(version, owners, 2, version === "1.5.0" ? 0x9a4d_5ec0n : 0x9a4d_5ec1n);
  await (
    await s.exec(
      batch(
        [
          { to: guardAddress, data: guard.interface.encodeFunctionData("setRecoveryModule", [recoveryAddress]) },
          {
            to: guardAddress,
            data: guard.interface.encodeFunctionData("setTrustedSelector", [
              recoveryAddress,
              recovery.interface.getFunction("cancelRecovery")!.selector,
              true,
            ]),
          },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [recoveryAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [await otherModule.getAddress()]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
          ...(version === "1.5.0"
            ? [{ to: s.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [guardAddress]) }]
            : []),
          { to: s.safeAddress, data: safeIface.encodeFunctionData("setGuard", [guardAddress]) },
          // After setGuard: the module trusts the guard's record only if it was the guard when configured.
          {
            to: recoveryAddress,
            data: recovery.interface.encodeFunctionData("configure", [
              guardians.map((x) => x.address),
              2,
              INACTIVITY,
              DELAY,
              guardAddress,
            ]),
          },
        ],
        version,
      ),
    )
  ).wait();
  const configuredAt = BigInt(await time.latest());
  const newOwners = sorted([newOwnerA.address, newOwnerB.address]);
  return { ...s, version, guard, recovery, otherModule, owners, guardians, outsider, newOwners, configuredAt };
}

describe("SpendingLimitModule with the TreasuryGuard (Safe 1.5.0)", function () {
  hermetic();

  it("an owner transaction of 2 ETH then a delegate spend of 2 ETH the same day: the second reverts", async function () {
    const f = await loadFixture(spendingWithGuard);
    await expect(f.exec({ to: f.alice.address, value: parseEther("2") })).to.changeEtherBalance(
      f.alice,
      parseEther("2"),
    );
    const before = await ethers.provider.getBalance(f.safeAddress);
    await expect(f.spending.connect(f.delegate).spend(f.safeAddress, ETH, f.alice.address, parseEther("2")))
      .to.be.revertedWithCustomError(f.guard, "CapExceeded")
      .withArgs(ETH, parseEther("2"), parseEther("1"));
    expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
    // Nothing was counted in the delegate's allowance either.
    expect((await f.spending.getAllowance(f.safeAddress, f.delegate.address, ETH))[1]).to.equal(0n);
    // What fits both the Safe-wide cap and the allowance goes through.
    await expect(
      f.spending.connect(f.delegate).spend(f.safeAddress, ETH, f.alice.address, parseEther("1")),
    ).to.changeEtherBalance(f.alice, parseEther("1"));
    expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(0n);
  });

  it("a delegate spend counts in the Safe-wide ledger: the owners' transaction after it reverts", async function () {
    const f = await loadFixture(spendingWithGuard);
    await (await f.spending.connect(f.delegate).spend(f.safeAddress, ETH, f.alice.address, parseEther("2"))).wait();
    expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(parseEther("1"));
    await expect(f.exec({ to: f.alice.address, value: parseEther("2") }))
      .to.be.revertedWithCustomError(f.guard, "CapExceeded")
      .withArgs(ETH, parseEther("2"), parseEther("1"));
  });

  it("revoking and lowering are instant, raising needs the guard's queue", async function () {
    const f = await loadFixture(spendingWithGuard);
    const m = f.spending.interface;
    const spendingAddress = await f.spending.getAddress();
    await expect(
      f.exec({
        to: spendingAddress,
        data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, parseEther("5")]),
      }),
    )
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.UntrustedTarget);
    await expect(
      f.exec({
        to: spendingAddress,
        data: m.encodeFunctionData("lowerAllowance", [f.delegate.address, ETH, parseEther("5")]),
      }),
    )
      .to.be.revertedWithCustomError(f.spending, "AllowanceNotLowered")
      .withArgs(f.safeAddress, f.delegate.address, ETH, parseEther("2"), parseEther("5"));
    await expect(
      f.exec({ to: spendingAddress, data: m.encodeFunctionData("lowerAllowance", [f.delegate.address, ETH, 0n]) }),
    )
      .to.emit(f.spending, "AllowanceChanged")
      .withArgs(f.safeAddress, f.delegate.address, ETH, parseEther("2"), 0n);
    // That was the delegate's only allowance on the Safe.
    await expect(f.spending.connect(f.delegate).spend(f.safeAddress, ETH, f.alice.address, 1n))
      .to.be.revertedWithCustomError(f.spending, "UnknownDelegate")
      .withArgs(f.safeAddress, f.delegate.address);
  });
});

for (const version of SAFE_VERSIONS) {
  describe(`RecoveryModule with the TreasuryGuard (Safe ${version})`, function () {
    hermetic();
    const fixture = () => recoveryWithGuard(version);

    it("finalizes on a Safe whose guard refuses every owner transaction", async function () {
      const f = await loadFixture(fixture);
      // The guard refuses the owners' transactions.
      await expect(f.exec({ to: f.outsider.address, value: 1n }))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.RecipientNotAllowed);
      await expect(
        f.exec({
          to: f.safeAddress,
          data: safeIface.encodeFunctionData("addOwnerWithThreshold", [f.outsider.address, 1]),
        }),
      )
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.SafeSelfCall);

      const nonce = (await f.recovery.config(f.safeAddress)).nonce;
      for (const g of f.guardians)
        await (await f.recovery.connect(g).approveRecovery(f.safeAddress, f.newOwners, 1, nonce)).wait();
      await time.increaseTo(f.configuredAt + INACTIVITY);
      await (await f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1)).wait();
      await time.increase(DELAY);
      await expect(f.recovery.finalizeRecovery(f.safeAddress, f.newOwners, 1)).to.emit(f.recovery, "RecoveryFinalized");
      expect(sorted([...(await f.safe.getOwners())])).to.deep.equal(f.newOwners);
      expect(await f.safe.getThreshold()).to.equal(1n);
    });

    // Safe 1.5.0 only: without a module guard (1.4.1) the record is never trusted (RecoveryModule.guarded.test.ts).
    if (version === "1.5.0")
      it("reads owner activity from the guard, without a poke", async function () {
        const f = await loadFixture(fixture);
        const nonce = (await f.recovery.config(f.safeAddress)).nonce;
        for (const g of f.guardians)
          await (await f.recovery.connect(g).approveRecovery(f.safeAddress, f.newOwners, 1, nonce)).wait();
        // Queueing is an instant owner transaction: the guard records it as activity.
        await time.increaseTo(f.configuredAt + 10n * DAY);
        await (
          await f.exec({
            to: await f.guard.getAddress(),
            data: f.guard.interface.encodeFunctionData("queue", [f.outsider.address, 1n, "0x", 0]),
          })
        ).wait();
        const activeAt = BigInt(await time.latest()); // the block of execTransaction
        expect(await f.guard.lastActivity(f.safeAddress)).to.equal(activeAt);
        expect(await f.recovery.lastActivity(f.safeAddress)).to.equal(activeAt);
        await time.setNextBlockTimestamp(activeAt + INACTIVITY - 1n);
        await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1))
          .to.be.revertedWithCustomError(f.recovery, "SafeNotInactive")
          .withArgs(f.safeAddress, activeAt, activeAt + INACTIVITY);
        await time.setNextBlockTimestamp(activeAt + INACTIVITY);
        await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1)).to.emit(
          f.recovery,
          "RecoveryInitiated",
        );
        // An owner transaction during the delay cancels it.
        await (
          await f.exec({
            to: await f.guard.getAddress(),
            data: f.guard.interface.encodeFunctionData("queue", [f.outsider.address, 2n, "0x", 0]),
          })
        ).wait();
        expect(await f.recovery.recoveryState(f.safeAddress)).to.equal(3n);
      });

    it("the Safe's cancelRecovery passes the guard instantly (trusted selector)", async function () {
      const f = await loadFixture(fixture);
      const nonce = (await f.recovery.config(f.safeAddress)).nonce;
      for (const g of f.guardians)
        await (await f.recovery.connect(g).approveRecovery(f.safeAddress, f.newOwners, 1, nonce)).wait();
      const hash = await f.recovery.getRecoveryHash(f.safeAddress, f.newOwners, 1, nonce);
      await time.increaseTo(f.configuredAt + INACTIVITY);
      await (await f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1)).wait();
      await expect(
        f.exec({ to: await f.recovery.getAddress(), data: f.recovery.interface.encodeFunctionData("cancelRecovery") }),
      )
        .to.emit(f.recovery, "RecoveryCancelled")
        .withArgs(f.safeAddress, hash, f.safeAddress);
      expect((await f.recovery.config(f.safeAddress)).nonce).to.equal(nonce + 1n);
    });

    if (version === "1.5.0") {
      it("another module cannot reconfigure the recovery through the Safe: the module guard refuses it", async function () {
        const f = await loadFixture(fixture);
        const data = f.recovery.interface.encodeFunctionData("setGuardians", [[f.outsider.address], 1]);
        await expect(f.otherModule.exec(f.safeAddress, await f.recovery.getAddress(), 0, data, 0))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.UntrustedTarget);
        expect(await f.recovery.isGuardian(f.safeAddress, f.outsider.address)).to.equal(false);
      });
    }
  });
}
