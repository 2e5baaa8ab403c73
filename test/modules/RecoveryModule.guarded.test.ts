import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { canonicalAddresses, type SafeVersion } from "../../lib/safe/canonical";
import { batch } from "../fixtures/batch";
import { DAY, HOUR, SAFE_VERSIONS, safeIface } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe, sorted } from "../fixtures/modules";

// The RecoveryModule next to the TreasuryGuard (issue 8, attack paths 5 and 8): inactivity is never judged from an
// activity record that missed an owner transaction, and a recovery never installs owners that can never sign.

const INACTIVITY = 30n * DAY;
const RECOVERY_DELAY = 3n * DAY;
const GUARD_DELAY = HOUR;

/**
 * A 2-of-2 Safe with the RecoveryModule (two guardians, threshold 2) and a TreasuryGuard deployed with a policy
 * (ETH cap, alice whitelisted, 1 h queue delay, the recovery module's setActivityRecorder trusted) but NOT installed:
 * each test installs it (or not) in the order it is about.
 */
async function setup(version: SafeVersion, inactivity: bigint) {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const guardians = signers.slice(5, 7);
  const [alice, newOwnerA, newOwnerB] = signers.slice(9, 12);
  const guard = await ethers.deployContract("TreasuryGuard");
  const recovery = await ethers.deployContract("RecoveryModule");
  const spending = await ethers.deployContract("SpendingLimitModule");
  const [guardAddress, recoveryAddress] = [await guard.getAddress(), await recovery.getAddress()];
  const s = await moduleSafe(version, owners, 2, version === "1.5.0" ? 0x9a4d_7ac0n : 0x9a4d_7ac1n);
  const g = guard.interface;
  const r = recovery.interface;
  await (
    await s.exec(
      batch(
        [
          { to: guardAddress, data: g.encodeFunctionData("setCap", [ZeroAddress, parseEther("10")]) },
          { to: guardAddress, data: g.encodeFunctionData("setRecipient", [alice.address, true]) },
          { to: guardAddress, data: g.encodeFunctionData("setDelay", [Number(GUARD_DELAY)]) },
          {
            to: guardAddress,
            data: g.encodeFunctionData("setTrustedSelector", [
              recoveryAddress,
              r.getFunction("setActivityRecorder")!.selector,
              true,
            ]),
          },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [recoveryAddress]) },
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [await spending.getAddress()]) },
          {
            to: recoveryAddress,
            data: r.encodeFunctionData("configure", [
              guardians.map((x) => x.address),
              2,
              inactivity,
              RECOVERY_DELAY,
              guardAddress,
            ]),
          },
        ],
        version,
      ),
    )
  ).wait();
  const newOwners = sorted([newOwnerA.address, newOwnerB.address]);
  // The guard as transaction guard and (1.5.0) module guard: the RecoveryModule trusts a record only with both.
  const guardCalls = (address: string) => [
    ...(version === "1.5.0"
      ? [{ to: s.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [address]) }]
      : []),
    { to: s.safeAddress, data: safeIface.encodeFunctionData("setGuard", [address]) },
  ];
  const install = () => s.exec(batch(guardCalls(guardAddress), version));
  const pay = () => s.exec({ to: alice.address, value: 1n });
  const approveAll = async (owners_ = newOwners) => {
    const nonce = (await recovery.config(s.safeAddress)).nonce;
    for (const x of guardians)
      await (await recovery.connect(x).approveRecovery(s.safeAddress, owners_, 1, nonce)).wait();
  };
  /** Removes the guard through its queue: an instant owner transaction (queue), the delay, then the execution. */
  const removeGuard = async () => {
    const id = (await guard.policy(s.safeAddress)).queued;
    const removal = batch(guardCalls(ZeroAddress), version);
    await (
      await s.exec({
        to: guardAddress,
        data: g.encodeFunctionData("queue", [removal.to, 0n, removal.data!, removal.operation!]),
      })
    ).wait();
    const queuedAt = BigInt(await time.latest());
    await time.increase(GUARD_DELAY);
    await (await guard.execute(s.safeAddress, id)).wait();
    return queuedAt;
  };
  return {
    ...s,
    version,
    guard,
    guardAddress,
    recovery,
    spending,
    owners,
    guardians,
    alice,
    newOwners,
    install,
    pay,
    approveAll,
    removeGuard,
  };
}

for (const version of SAFE_VERSIONS) {
  describe(`RecoveryModule next to the TreasuryGuard (Safe ${version})`, function () {
    hermetic();
    const inactivityFixture = () => setup(version, INACTIVITY);
    const guardianFixture = () => setup(version, 0n);

    describe("activity records that missed owner transactions (path 5)", function () {
      it("refuses an inactivity recovery right after the owners install the guard it was configured with", async function () {
        const f = await loadFixture(inactivityFixture);
        await f.approveAll();
        await time.increase(INACTIVITY + DAY);
        // The owners act: they install the guard. The guard never sees this transaction.
        await (await f.install()).wait();
        const installedAt = BigInt(await time.latest());
        expect(await f.guard.lastActivity(f.safeAddress)).to.equal(0n);
        await time.setNextBlockTimestamp(installedAt + 5n);
        await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1))
          .to.be.revertedWithCustomError(f.recovery, "SafeNotInactive")
          .withArgs(f.safeAddress, installedAt + 5n, installedAt + 5n + INACTIVITY);
        expect(await f.recovery.recoveryState(f.safeAddress)).to.equal(0n);
      });

      it("refuses an inactivity recovery after the guard was removed, the owners acted unseen, and it came back", async function () {
        const f = await loadFixture(inactivityFixture);
        await (await f.install()).wait();
        // Observed while the guard is installed: its record is trusted from here on.
        await (await f.recovery.poke(f.safeAddress)).wait();
        await (await f.pay()).wait();
        const paidAt = BigInt(await time.latest());
        expect(await f.recovery.lastActivity(f.safeAddress)).to.be.gte(paidAt);
        await f.removeGuard();
        await f.approveAll();
        // Unseen owner transactions while the guard is out, long after the last recorded one, then the reinstall.
        await time.increase(INACTIVITY);
        await (await f.pay()).wait();
        await (await f.install()).wait();
        const reinstalledAt = BigInt(await time.latest());
        // The guard's record (the queue transaction, a month ago) is stale: the module must not trust it.
        expect(await f.guard.lastActivity(f.safeAddress)).to.be.lessThan(reinstalledAt - INACTIVITY + DAY);
        await time.setNextBlockTimestamp(reinstalledAt + 1n);
        await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1))
          .to.be.revertedWithCustomError(f.recovery, "SafeNotInactive")
          .withArgs(f.safeAddress, reinstalledAt + 1n, reinstalledAt + 1n + INACTIVITY);
      });

      it(
        version === "1.5.0"
          ? "trusts the record, without a poke, when configured after the guard was installed"
          : "never trusts the record without a module guard: the nonce rule and a poke start the clock",
        async function () {
          const f = await loadFixture(inactivityFixture);
          if (version === "1.4.1") {
            await (await f.install()).wait();
            const setRecorder = f.recovery.interface.encodeFunctionData("setActivityRecorder", [f.guardAddress]);
            await (await f.exec({ to: await f.recovery.getAddress(), data: setRecorder })).wait();
            await (await f.pay()).wait();
            await f.approveAll();
            await time.increase(INACTIVITY);
            // Any module could have removed the guard unseen on 1.4.1: a moved nonce means "active now".
            expect(await f.recovery.lastActivity(f.safeAddress)).to.equal(BigInt(await time.latest()));
            await (await f.recovery.poke(f.safeAddress)).wait();
            const pokedAt = BigInt(await time.latest());
            await time.setNextBlockTimestamp(pokedAt + INACTIVITY - 1n);
            await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1))
              .to.be.revertedWithCustomError(f.recovery, "SafeNotInactive")
              .withArgs(f.safeAddress, pokedAt, pokedAt + INACTIVITY);
            return;
          }
          await (await f.install()).wait();
          const setRecorder = f.recovery.interface.encodeFunctionData("setActivityRecorder", [f.guardAddress]);
          await (await f.exec({ to: await f.recovery.getAddress(), data: setRecorder })).wait();
          await time.increase(DAY);
          await (await f.pay()).wait();
          const paidAt = BigInt(await time.latest());
          await f.approveAll();
          // The payment is recorded to the minute: it reads as the end of that minute once that has passed.
          const recorded = paidAt - (paidAt % 60n) + 59n;
          await time.increase(60);
          expect(await f.recovery.lastActivity(f.safeAddress)).to.equal(recorded);
          await time.setNextBlockTimestamp(recorded + INACTIVITY - 1n);
          await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1))
            .to.be.revertedWithCustomError(f.recovery, "SafeNotInactive")
            .withArgs(f.safeAddress, recorded, recorded + INACTIVITY);
          await time.setNextBlockTimestamp(recorded + INACTIVITY);
          await expect(f.recovery.initiateRecovery(f.safeAddress, f.newOwners, 1)).to.emit(
            f.recovery,
            "RecoveryInitiated",
          );
        },
      );

      it("never reads an activity earlier than the last owner transaction, whatever the order (property)", async function () {
        this.timeout(600_000);
        const f = await loadFixture(inactivityFixture);
        const base = await takeSnapshot();
        const action = fc.oneof(
          fc.constant({ kind: "install" as const }),
          fc.constant({ kind: "remove" as const }),
          fc.constant({ kind: "pay" as const }),
          fc.constant({ kind: "configure" as const }),
          fc.constant({ kind: "poke" as const }),
          fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 40 * 86_400 }) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
            await base.restore();
            let installed = false;
            let lastOwnerTx = BigInt(await time.latest()); // the set-up batch
            for (const a of actions) {
              if (a.kind === "install" && !installed) {
                await (await f.install()).wait();
                installed = true;
                lastOwnerTx = BigInt(await time.latest());
              } else if (a.kind === "remove" && installed) {
                lastOwnerTx = await f.removeGuard();
                installed = false;
              } else if (a.kind === "pay") {
                await (await f.pay()).wait();
                lastOwnerTx = BigInt(await time.latest());
              } else if (a.kind === "configure") {
                const data = f.recovery.interface.encodeFunctionData("setActivityRecorder", [f.guardAddress]);
                await (await f.exec({ to: await f.recovery.getAddress(), data })).wait();
                lastOwnerTx = BigInt(await time.latest());
              } else if (a.kind === "poke") {
                await (await f.recovery.poke(f.safeAddress)).wait();
              } else if (a.kind === "wait") {
                await time.increase(a.seconds);
              }
              const last = await f.recovery.lastActivity(f.safeAddress);
              expect(last, JSON.stringify(actions)).to.be.gte(lastOwnerTx);
            }
          }),
          { numRuns: 40, seed: version === "1.5.0" ? 8 : 5 },
        );
        await base.restore();
      });
    });

    describe("owners that can never sign (path 8)", function () {
      it("refuses a recovery to the module itself, the guard, another enabled module or the fallback handler", async function () {
        const f = await loadFixture(guardianFixture);
        await (await f.install()).wait();
        const [g0] = f.guardians;
        const nonce = (await f.recovery.config(f.safeAddress)).nonce;
        const handler = canonicalAddresses(version).compatibilityFallbackHandler!;
        const unsignable = [await f.recovery.getAddress(), f.guardAddress, await f.spending.getAddress(), handler];
        for (const owner of unsignable) {
          await expect(f.recovery.connect(g0).approveRecovery(f.safeAddress, sorted([owner, f.newOwners[0]]), 1, nonce))
            .to.be.revertedWithCustomError(f.recovery, "OwnerCannotSign")
            .withArgs(owner);
        }
        await expect(
          f.recovery.connect(g0).approveRecovery(f.safeAddress, sorted([f.safeAddress, f.newOwners[0]]), 1, nonce),
        )
          .to.be.revertedWithCustomError(f.recovery, "InvalidOwner")
          .withArgs(f.safeAddress);
        expect(
          await f.recovery.approvalCount(
            f.safeAddress,
            await f.recovery.getRecoveryHash(f.safeAddress, sorted([f.guardAddress, f.newOwners[0]]), 1, nonce),
          ),
        ).to.equal(0n);
      });
    });
  });
}
