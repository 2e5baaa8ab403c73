import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import { CALL, DAY, DELEGATECALL, ETH, MODULE_GUARD_SLOT, Reason, safeIface, SENTINEL } from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const TEN = parseEther("10");
const guardedSafe150 = () => guardedSafe("1.5.0");

describe("TreasuryGuard (Safe 1.5.0, module guard)", function () {
  hermetic();

  it("is the Safe's module guard", async function () {
    const f = await loadFixture(guardedSafe150);
    expect(await storedAddress(f.safeAddress, MODULE_GUARD_SLOT)).to.equal(f.guardAddress);
  });

  it("counts a module's outflow in the same ledger as owner transactions", async function () {
    const f = await loadFixture(guardedSafe150);
    const six = parseEther("6");
    await expect(f.module.exec(f.safeAddress, f.alice.address, six, "0x", CALL)).to.changeEtherBalance(f.alice, six);
    expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN - six);
    // The owners now have only 4 left...
    const before = await ethers.provider.getBalance(f.safeAddress);
    await expect(f.exec({ to: f.alice.address, value: parseEther("5") }))
      .to.be.revertedWithCustomError(f.guard, "CapExceeded")
      .withArgs(ETH, parseEther("5"), TEN - six);
    // ...and so has the module.
    await expect(f.module.exec(f.safeAddress, f.bob.address, parseEther("5"), "0x", CALL))
      .to.be.revertedWithCustomError(f.guard, "CapExceeded")
      .withArgs(ETH, parseEther("5"), TEN - six);
    expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
    // Owner spends count against the module too.
    await (await f.exec({ to: f.bob.address, value: parseEther("4") })).wait();
    await expect(f.module.exec(f.safeAddress, f.bob.address, 1n, "0x", CALL))
      .to.be.revertedWithCustomError(f.guard, "CapExceeded")
      .withArgs(ETH, 1n, 0n);
  });

  it("applies the same classification to module transactions", async function () {
    const f = await loadFixture(guardedSafe150);
    await expect(f.module.exec(f.safeAddress, f.stranger.address, 1n, "0x", CALL))
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.RecipientNotAllowed);
    const data = f.writer.interface.encodeFunctionData("overwrite", [f.stranger.address]);
    await expect(f.module.exec(f.safeAddress, await f.writer.getAddress(), 0n, data, DELEGATECALL))
      .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
      .withArgs(Reason.DelegateCallForbidden);
    await expect(
      f.module.exec(
        f.safeAddress,
        f.safeAddress,
        0n,
        safeIface.encodeFunctionData("enableModule", [f.stranger.address]),
        CALL,
      ),
    )
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.SafeSelfCall);
  });

  it("counts nothing for a failed module transaction", async function () {
    const f = await loadFixture(guardedSafe150);
    // The recipient is whitelisted but the call fails: execTransactionFromModule returns false.
    await (
      await f.exec({
        to: f.guardAddress,
        data: f.guard.interface.encodeFunctionData("setRecipient", [await f.target.getAddress(), false]),
      })
    ).wait();
    const { id, eta } = await queueTx(f, {
      to: f.guardAddress,
      data: f.guard.interface.encodeFunctionData("setRecipient", [await f.target.getAddress(), true]),
    });
    await time.increaseTo(eta);
    await (await f.guard.execute(f.safeAddress, id)).wait();
    const fail = f.target.interface.encodeFunctionData("fail");
    const tx = await f.module.exec(f.safeAddress, await f.target.getAddress(), parseEther("3"), fail, CALL);
    await expect(tx).to.emit(f.safe, "ExecutionFromModuleFailure");
    expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
  });

  it("lets the recovery module change owners and threshold even when every other transaction is refused", async function () {
    const f = await loadFixture(guardedSafe150);
    // Caps at zero: every owner outflow is refused.
    await (
      await f.exec({ to: f.guardAddress, data: f.guard.interface.encodeFunctionData("setCap", [ETH, 0n]) })
    ).wait();
    await expect(f.exec({ to: f.alice.address, value: 1n })).to.be.revertedWithCustomError(f.guard, "CapExceeded");
    const [o0, o1] = f.owners;
    const newOwner = ethers.Wallet.createRandom().address;
    const swap = safeIface.encodeFunctionData("swapOwner", [o0.address, o1.address, newOwner]);
    await (await f.module.exec(f.safeAddress, f.safeAddress, 0n, swap, CALL)).wait();
    expect(await f.safe.isOwner(newOwner)).to.equal(true);
    expect(await f.safe.isOwner(o1.address)).to.equal(false);
    // A batch of owner changes through MultiSendCallOnly 1.5.0 (to = address(0) means the Safe).
    const ownersBatch = batch(
      [
        { to: ZeroAddress, data: safeIface.encodeFunctionData("addOwnerWithThreshold", [f.stranger.address, 1n]) },
        { to: f.safeAddress, data: safeIface.encodeFunctionData("changeThreshold", [3n]) },
      ],
      f.multiSendCallOnly,
    );
    await (await f.module.exec(f.safeAddress, ownersBatch.to, 0n, ownersBatch.data!, DELEGATECALL)).wait();
    expect(await f.safe.isOwner(f.stranger.address)).to.equal(true);
    expect(await f.safe.getThreshold()).to.equal(3n);
    // But the recovery module gets no other privilege.
    await expect(f.module.exec(f.safeAddress, f.alice.address, 1n, "0x", CALL)).to.be.revertedWithCustomError(
      f.guard,
      "CapExceeded",
    );
    await expect(
      f.module.exec(f.safeAddress, f.safeAddress, 0n, safeIface.encodeFunctionData("setGuard", [ZeroAddress]), CALL),
    )
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.SafeSelfCall);
  });

  it("gives an unnamed module no owner-change bypass", async function () {
    const f = await loadFixture(guardedSafe150);
    await (
      await f.exec({
        to: f.guardAddress,
        data: f.guard.interface.encodeFunctionData("setRecoveryModule", [ZeroAddress]),
      })
    ).wait();
    const swap = safeIface.encodeFunctionData("swapOwner", [SENTINEL, f.owners[0].address, f.stranger.address]);
    await expect(f.module.exec(f.safeAddress, f.safeAddress, 0n, swap, CALL))
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.SafeSelfCall);
  });

  it("does not record module transactions as owner activity", async function () {
    const f = await loadFixture(guardedSafe150);
    const before = await f.guard.lastActivity(f.safeAddress);
    await time.increase(DAY);
    await (await f.module.exec(f.safeAddress, f.alice.address, 1n, "0x", CALL)).wait();
    expect(await f.guard.lastActivity(f.safeAddress)).to.equal(before);
  });

  it("lets its own queued executions through without consuming the cap, and removes itself via the queue", async function () {
    const f = await loadFixture(guardedSafe150);
    const calls = [
      { to: f.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]) },
      { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) },
      { to: f.stranger.address, value: parseEther("30") },
    ];
    const tx = batch(calls, f.multiSendCallOnly);
    const { id, eta } = await queueTx(f, { to: tx.to, data: tx.data, operation: DELEGATECALL });
    await time.increaseTo(eta);
    await expect(f.guard.connect(f.executor).execute(f.safeAddress, id)).to.changeEtherBalance(
      f.stranger,
      parseEther("30"),
    );
    expect(await storedAddress(f.safeAddress, MODULE_GUARD_SLOT)).to.equal(ZeroAddress);
    expect(
      await storedAddress(f.safeAddress, "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8"),
    ).to.equal(ZeroAddress);
    // The module is now unguarded on this Safe.
    await expect(f.module.exec(f.safeAddress, f.stranger.address, parseEther("20"), "0x", CALL)).to.changeEtherBalance(
      f.stranger,
      parseEther("20"),
    );
  });
});
