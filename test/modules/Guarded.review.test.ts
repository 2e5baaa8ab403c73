import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Interface, parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import type { SafeVersion } from "../../lib/safe/canonical";
import { batch as moduleBatch } from "../fixtures/batch";
import { CALL, DAY, erc20, HOUR, QueueState, Reason, SENTINEL, Verdict } from "../fixtures/constants";
import { guardedSafe, queueTx, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe, sorted } from "../fixtures/modules";

// Paths found by an adversarial review of the second pass (a module acting on the guard, a capped NFT collection,
// epochs a module could dodge, a recorder answering nothing, a hidden veto at finalization). Each failed before its fix.

const safeAdmin = new Interface([
  "function setGuard(address)",
  "function setModuleGuard(address)",
  "function enableModule(address)",
  "function disableModule(address,address)",
]);

const guardedSafe150 = () => guardedSafe("1.5.0");

describe("TreasuryGuard and RecoveryModule: review findings", function () {
  hermetic();

  it("keeps approve(stranger, 0) an approval on a capped NFT collection whose token 0 the Safe holds", async function () {
    const f = await loadFixture(guardedSafe150);
    const nftAddress = await f.nft.getAddress();
    await (await f.nft.mint(f.safeAddress, 0n)).wait();
    // The Safe caps its NFT collection (docs/policy.md speaks of "the collection's cap"): a delayed, benign-looking
    // policy change, e.g. so that transferFrom of NFTs to whitelisted recipients is instant.
    const capped = await queueTx(f, {
      to: f.guardAddress,
      data: f.guard.interface.encodeFunctionData("setCap", [nftAddress, 1000n]),
    });
    await time.increaseTo(capped.eta);
    await (await f.guard.execute(f.safeAddress, capped.id)).wait();

    // A (tricked) quorum signs approve(stranger, 0): read as a "revocation" because the token is capped.
    const data = erc20.encodeFunctionData("approve", [f.stranger.address, 0n]);
    const [verdict, reason] = await f.guard.classify(f.safeAddress, nftAddress, 0n, data, CALL, 0n);
    expect([verdict, reason]).to.deep.equal([Verdict.Delayed, Reason.RecipientNotAllowed]);
    await expect(f.exec({ to: nftAddress, data }))
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.RecipientNotAllowed);
    expect(await f.nft.getApproved(0n)).to.equal(ZeroAddress);
    expect(await f.nft.ownerOf(0n)).to.equal(f.safeAddress);
    // On a capped ERC20 (ownerOf does not exist) approve(x, 0) stays an instant revocation.
    const revoke = erc20.encodeFunctionData("approve", [f.stranger.address, 0n]);
    const [tokenVerdict] = await f.guard.classify(f.safeAddress, await f.token.getAddress(), 0n, revoke, CALL, 0n);
    expect(tokenVerdict).to.equal(Verdict.Instant);
  });

  it("forbids a module to call the guard: it cannot cancel its own queued removal", async function () {
    const f = await loadFixture(guardedSafe150);
    const moduleAddress = await f.module.getAddress();
    const [modules] = await f.safe.getModulesPaginated(SENTINEL, 10);
    const index = (modules as string[]).indexOf(moduleAddress);
    const prev = index === 0 ? SENTINEL : (modules as string[])[index - 1];
    // The owners want to remove the (compromised) module: a Safe self-call, so it goes through the queue.
    const removal = await queueTx(f, {
      to: f.safeAddress,
      data: safeAdmin.encodeFunctionData("disableModule", [prev, moduleAddress]),
    });
    // The module cancels it through the Safe: the module guard classifies guard.cancel as instant.
    const cancel = f.guard.interface.encodeFunctionData("cancel", [removal.id]);
    await expect(f.module.exec(f.safeAddress, f.guardAddress, 0n, cancel, CALL))
      .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
      .withArgs(Reason.GuardCall);
    expect(await f.guard.queueState(f.safeAddress, removal.id)).to.equal(QueueState.Waiting);
    await time.increaseTo(removal.eta);
    await (await f.guard.execute(f.safeAddress, removal.id)).wait();
    expect(await f.safe.isModuleEnabled(moduleAddress)).to.equal(false);
  });

  it("forbids a module to reset the veto streak: a lone hostile owner still stops the quorum only once", async function () {
    const f = await loadFixture(guardedSafe150);
    const [, , hostile] = f.owners;
    const reset = f.guard.interface.encodeFunctionData("resetCancelStreak");
    const payment = await queueTx(f, { to: f.stranger.address, value: 2n });
    await expect(f.guard.connect(hostile).veto(f.safeAddress, payment.id)).to.emit(f.guard, "TransactionCancelled");
    // Not the quorum: a module transaction.
    await expect(f.module.exec(f.safeAddress, f.guardAddress, 0n, reset, CALL))
      .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
      .withArgs(Reason.GuardCall);
    expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
    const again = await queueTx(f, { to: f.stranger.address, value: 2n });
    await (await f.guard.connect(hostile).veto(f.safeAddress, again.id)).wait();
    expect(await f.guard.queueState(f.safeAddress, again.id)).to.equal(QueueState.Waiting);
  });

  // F3: the activity epoch only moves in guard.execute, but a module can remove and re-add the guard without it:
  // on 1.4.1 (no module guard) directly; on 1.5.0 after one queued setModuleGuard(0), which does not bump the epoch.
  for (const version of ["1.4.1", "1.5.0"] as SafeVersion[]) {
    it(`never trusts a record a module could bypass (Safe ${version})`, async function () {
      const signers = await ethers.getSigners();
      const owners = signers.slice(0, 2);
      const guardians = signers.slice(5, 7);
      const [alice, newA, newB] = signers.slice(9, 12);
      const INACTIVITY = 30n * DAY;
      const guard = await ethers.deployContract("TreasuryGuard");
      const recovery = await ethers.deployContract("RecoveryModule");
      const module = await ethers.deployContract("TestModule");
      const [guardAddress, recoveryAddress, moduleAddress] = await Promise.all(
        [guard, recovery, module].map((c) => c.getAddress()),
      );
      const s = await moduleSafe(version, owners, 2, version === "1.5.0" ? 0xbe71_e0a0n : 0xbe71_e0a1n);
      const g = guard.interface;
      await (
        await s.exec(
          moduleBatch(
            [
              { to: guardAddress, data: g.encodeFunctionData("setCap", [ZeroAddress, parseEther("10")]) },
              { to: guardAddress, data: g.encodeFunctionData("setRecipient", [alice.address, true]) },
              { to: guardAddress, data: g.encodeFunctionData("setDelay", [Number(HOUR)]) },
              { to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [guardAddress]) },
              { to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [recoveryAddress]) },
              { to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [moduleAddress]) },
              ...(version === "1.5.0"
                ? [{ to: s.safeAddress, data: safeAdmin.encodeFunctionData("setModuleGuard", [guardAddress]) }]
                : []),
              { to: s.safeAddress, data: safeAdmin.encodeFunctionData("setGuard", [guardAddress]) },
              // Configured after the guard is installed, as lib/treasury.ts now does: the record is trusted.
              {
                to: recoveryAddress,
                data: recovery.interface.encodeFunctionData("configure", [
                  guardians.map((x) => x.address),
                  2,
                  INACTIVITY,
                  3n * DAY,
                  guardAddress,
                ]),
              },
            ],
            version,
          ),
        )
      ).wait();
      if (version === "1.5.0") {
        // One queued, delayed and visible step: drop the module guard (e.g. to let an automation module work).
        const id = (await guard.policy(s.safeAddress)).queued;
        const data = g.encodeFunctionData("queue", [
          s.safeAddress,
          0n,
          safeAdmin.encodeFunctionData("setModuleGuard", [ZeroAddress]),
          0,
        ]);
        await (await s.exec({ to: guardAddress, data })).wait();
        await time.increase(HOUR);
        await expect(guard.execute(s.safeAddress, id))
          .to.emit(guard, "ActivityEpochChanged")
          .withArgs(s.safeAddress, 0n, 1n);
      }
      // Recorded owner activity.
      await (await s.exec({ to: alice.address, value: 1n })).wait();
      const recordedAt = BigInt(await time.latest());
      await time.increase(20n * DAY);
      // A module takes the guard off, the owners act (nonce moves, nothing recorded), the module puts it back.
      await (
        await module.exec(
          s.safeAddress,
          s.safeAddress,
          0n,
          safeAdmin.encodeFunctionData("setGuard", [ZeroAddress]),
          CALL,
        )
      ).wait();
      await (await s.exec({ to: alice.address, value: 1n })).wait();
      const ownersActedAt = BigInt(await time.latest());
      await (
        await module.exec(
          s.safeAddress,
          s.safeAddress,
          0n,
          safeAdmin.encodeFunctionData("setGuard", [guardAddress]),
          CALL,
        )
      ).wait();
      expect(await guard.activityEpoch(s.safeAddress)).to.equal(version === "1.5.0" ? 1n : 0n);
      // 10 days after the owners acted, guardians try an inactivity recovery: the record is not trusted (1.4.1: no
      // module guard, never; 1.5.0: the module guard left in a queued execution), so the nonce rule says "now".
      await time.increaseTo(recordedAt + INACTIVITY + 60n);
      expect(await recovery.lastActivity(s.safeAddress)).to.be.gte(ownersActedAt);
      const newOwners = sorted([newA.address, newB.address]);
      const nonce = (await recovery.config(s.safeAddress)).nonce;
      for (const x of guardians)
        await (await recovery.connect(x).approveRecovery(s.safeAddress, newOwners, 1, nonce)).wait();
      await expect(recovery.initiateRecovery(s.safeAddress, newOwners, 1)).to.be.revertedWithCustomError(
        recovery,
        "SafeNotInactive",
      );
    });
  }

  it("survives a recorder that answers with empty data (a no-op fallback)", async function () {
    const signers = await ethers.getSigners();
    const owners = signers.slice(0, 1);
    const guardians = signers.slice(5, 6);
    const recovery = await ethers.deployContract("RecoveryModule");
    const recoveryAddress = await recovery.getAddress();
    // Runtime: supportsInterface(...) -> true; any other call -> STOP (empty return), like TreasuryGuard's own
    // `fallback() external {}` answering a selector it does not implement (e.g. the main-branch guard's missing
    // activityEpoch).
    const runtime = "0x60003560e01c6301ffc9a714601057005b60016000526020" + "6000f3";
    const init = "0x601b600c600039601b6000f3" + runtime.slice(2);
    const deployed = await (await signers[0].sendTransaction({ data: init })).wait();
    const recorder = deployed!.contractAddress!;
    expect(await ethers.provider.getCode(recorder)).to.equal(runtime);
    const s = await moduleSafe("1.5.0", owners, 1, 0xbe71_e0a2n);
    await (
      await s.exec(
        moduleBatch(
          [
            { to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [recoveryAddress]) },
            {
              to: recoveryAddress,
              data: recovery.interface.encodeFunctionData("configure", [[guardians[0].address], 1, 0, HOUR, recorder]),
            },
            { to: s.safeAddress, data: safeAdmin.encodeFunctionData("setGuard", [recorder]) },
          ],
          "1.5.0",
        ),
      )
    ).wait();
    // A recorder that answers an empty return is not watching: observations still work.
    await expect(recovery.connect(owners[0]).heartbeat(s.safeAddress)).to.emit(recovery, "ActivityObserved");
    await (await s.exec({ to: signers[12].address, value: 1n })).wait();
    await expect(recovery.poke(s.safeAddress)).to.emit(recovery, "ActivityObserved");
    // A guardian recovery can be initiated but never finalized (finalize observes, which reverts).
    const newOwners = [signers[12].address];
    await (
      await recovery
        .connect(guardians[0])
        .approveRecovery(s.safeAddress, newOwners, 1, (await recovery.config(s.safeAddress)).nonce)
    ).wait();
    await (await recovery.initiateRecovery(s.safeAddress, newOwners, 1)).wait();
    await time.increase(HOUR);
    expect(await recovery.recoveryState(s.safeAddress)).to.equal(2n); // Ready
    await expect(recovery.finalizeRecovery(s.safeAddress, newOwners, 1)).to.emit(recovery, "RecoveryFinalized");
  });

  it("gives the owners no hidden veto: enabling a proposed EOA owner as a module does not block finalization", async function () {
    const signers = await ethers.getSigners();
    const owners = signers.slice(0, 2);
    const guardians = signers.slice(5, 7);
    const [newA, newB] = signers.slice(10, 12);
    const recovery = await ethers.deployContract("RecoveryModule");
    const recoveryAddress = await recovery.getAddress();
    const s = await moduleSafe("1.5.0", owners, 2, 0xbe71_e0a3n);
    await (
      await s.exec(
        moduleBatch(
          [
            { to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [recoveryAddress]) },
            {
              to: recoveryAddress,
              data: recovery.interface.encodeFunctionData("configure", [
                guardians.map((x) => x.address),
                2,
                0,
                3n * DAY,
                ZeroAddress,
              ]),
            },
          ],
          "1.5.0",
        ),
      )
    ).wait();
    const newOwners = sorted([newA.address, newB.address]);
    const nonce = (await recovery.config(s.safeAddress)).nonce;
    for (const x of guardians)
      await (await recovery.connect(x).approveRecovery(s.safeAddress, newOwners, 1, nonce)).wait();
    await (await recovery.initiateRecovery(s.safeAddress, newOwners, 1)).wait();
    // The owners enable an EOA new owner as a module (no nonce rule for guardian recoveries).
    await (
      await s.exec({ to: s.safeAddress, data: safeAdmin.encodeFunctionData("enableModule", [newA.address]) })
    ).wait();
    await time.increase(3n * DAY);
    await expect(recovery.finalizeRecovery(s.safeAddress, newOwners, 1)).to.emit(recovery, "RecoveryFinalized");
    expect(sorted([...(await s.safe.getOwners())])).to.deep.equal(newOwners);
    // newA is an EOA: being a module never stopped it from signing.
    expect(await ethers.provider.getCode(newA.address)).to.equal("0x");
  });
});
