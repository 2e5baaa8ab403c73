import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, toBeHex, ZeroAddress, zeroPadValue } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import { CALL, erc20, GUARD_SLOT, QueueState, Reason, safeIface, SENTINEL, Verdict } from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

// Attack paths found by adversarial testing (issue 8), each closed at the rule that let it through. Every test here
// fails on the guard before the fix.

const guardedSafe150 = () => guardedSafe("1.5.0");
const guardedSafe141 = () => guardedSafe("1.4.1");
const junk = (i: number) => getAddress(zeroPadValue(toBeHex(0x7a0000 + i), 20));

for (const [version, fixture] of [
  ["1.5.0", guardedSafe150],
  ["1.4.1", guardedSafe141],
] as const) {
  describe(`TreasuryGuard attack paths (Safe ${version})`, function () {
    hermetic();

    describe("zero amounts and token id 0 (path 1)", function () {
      it("needs the queue for transferFrom(safe, stranger, 0) of an NFT, and the NFT stays", async function () {
        const f = await loadFixture(fixture);
        const nftAddress = await f.nft.getAddress();
        await (await f.nft.mint(f.safeAddress, 0n)).wait();
        const data = erc20.encodeFunctionData("transferFrom", [f.safeAddress, f.stranger.address, 0n]);
        const [verdict, reason, outflows] = await f.guard.classify(f.safeAddress, nftAddress, 0n, data, CALL, 0n);
        expect([verdict, reason, outflows.length]).to.deep.equal([Verdict.Delayed, Reason.RecipientNotAllowed, 0n]);
        await expect(f.exec({ to: nftAddress, data }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        expect(await f.nft.ownerOf(0n)).to.equal(f.safeAddress);
      });

      it("needs the queue for safeTransferFrom of NFT id 0 to a stranger, with or without data", async function () {
        const f = await loadFixture(fixture);
        const nftAddress = await f.nft.getAddress();
        await (await f.nft.mint(f.safeAddress, 0n)).wait();
        const nft = f.nft.interface;
        for (const data of [
          nft.encodeFunctionData("safeTransferFrom(address,address,uint256)", [f.safeAddress, f.stranger.address, 0n]),
          nft.encodeFunctionData("safeTransferFrom(address,address,uint256,bytes)", [
            f.safeAddress,
            f.stranger.address,
            0n,
            "0x",
          ]),
        ]) {
          await expect(f.exec({ to: nftAddress, data }))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.RecipientNotAllowed);
        }
        expect(await f.nft.ownerOf(0n)).to.equal(f.safeAddress);
      });

      it("needs the queue for ERC20 transfers of 0 to a stranger, alone or in a batch; to a recipient they pass", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        const toStranger = { to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.stranger.address, 0n]) };
        await expect(f.exec(toStranger))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        // In a batch, next to a payment the fast decoder takes inline.
        const payAlice = { to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.alice.address, 5n]) };
        await expect(f.exec(batch([payAlice, toStranger], f.multiSendCallOnly)))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
        // The zero transfer to a whitelisted recipient moves nothing and counts nothing.
        const before = await f.guard.remaining(f.safeAddress, tokenAddress);
        await (
          await f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.alice.address, 0n]) })
        ).wait();
        expect((await f.guard.remaining(f.safeAddress, tokenAddress)).available).to.equal(before.available);
      });

      it("needs the queue for ERC1155 single and batch transfers of amount 0 to a stranger", async function () {
        const f = await loadFixture(fixture);
        const multi = await f.multiToken.getAddress();
        const m = f.multiToken.interface;
        for (const data of [
          m.encodeFunctionData("safeTransferFrom", [f.safeAddress, f.stranger.address, 7n, 0n, "0x"]),
          m.encodeFunctionData("safeBatchTransferFrom", [f.safeAddress, f.stranger.address, [7n], [0n], "0x"]),
        ]) {
          await expect(f.exec({ to: multi, data }))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.RecipientNotAllowed);
        }
        expect(await f.multiToken.balanceOf(f.safeAddress, 7n)).to.equal(100n);
      });

      it("lets ERC1155 amounts go to a whitelisted recipient uncapped (documented in the threat model)", async function () {
        const f = await loadFixture(fixture);
        const multi = await f.multiToken.getAddress();
        const data = f.multiToken.interface.encodeFunctionData("safeBatchTransferFrom", [
          f.safeAddress,
          f.bob.address,
          [7n],
          [100n],
          "0x",
        ]);
        await (await f.exec({ to: multi, data })).wait();
        expect(await f.multiToken.balanceOf(f.bob.address, 7n)).to.equal(100n);
      });
    });

    describe("approve(x, 0) (path 2)", function () {
      it("treats approve(stranger, 0) on an NFT as an approval of token id 0: the queue is needed", async function () {
        const f = await loadFixture(fixture);
        const nftAddress = await f.nft.getAddress();
        await (await f.nft.mint(f.safeAddress, 0n)).wait();
        await expect(f.exec({ to: nftAddress, data: erc20.encodeFunctionData("approve", [f.stranger.address, 0n]) }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        expect(await f.nft.getApproved(0n)).to.equal(ZeroAddress);
      });

      it("keeps approve(address(0), 0) instant: it clears an NFT approval", async function () {
        const f = await loadFixture(fixture);
        const nftAddress = await f.nft.getAddress();
        await (await f.nft.mint(f.safeAddress, 0n)).wait();
        await (await f.exec({ to: nftAddress, data: erc20.encodeFunctionData("approve", [f.bob.address, 0n]) })).wait();
        expect(await f.nft.getApproved(0n)).to.equal(f.bob.address);
        await (await f.exec({ to: nftAddress, data: erc20.encodeFunctionData("approve", [ZeroAddress, 0n]) })).wait();
        expect(await f.nft.getApproved(0n)).to.equal(ZeroAddress);
      });

      it("keeps approve(spender, 0) an instant revocation on a capped (declared fungible) token", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        const { id, eta } = await queueTx(f, {
          to: tokenAddress,
          data: erc20.encodeFunctionData("approve", [f.stranger.address, 5n]),
        });
        await time.increaseTo(eta);
        await (await f.guard.execute(f.safeAddress, id)).wait();
        expect(await f.token.allowance(f.safeAddress, f.stranger.address)).to.equal(5n);
        await (
          await f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("approve", [f.stranger.address, 0n]) })
        ).wait();
        expect(await f.token.allowance(f.safeAddress, f.stranger.address)).to.equal(0n);
      });

      it("needs the queue for approve(stranger, 0) on a token the Safe has not capped (ambiguous)", async function () {
        const f = await loadFixture(fixture);
        const other = await ethers.deployContract("TestERC20");
        const data = erc20.encodeFunctionData("approve", [f.stranger.address, 0n]);
        await expect(f.exec({ to: await other.getAddress(), data }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
      });
    });

    describe("the capped-asset list (path 4)", function () {
      it("lists no asset for a cap of 0: a batch of junk caps is instant and takes no slot", async function () {
        const f = await loadFixture(fixture);
        const listed = await f.guard.getCappedAssets(f.safeAddress);
        const calls = Array.from({ length: 40 }, (_, i) => ({
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setCap", [junk(i), 0n]),
        }));
        await (await f.exec(batch(calls, f.multiSendCallOnly))).wait();
        expect(await f.guard.getCappedAssets(f.safeAddress)).to.deep.equal(listed);
      });

      it("frees a slot instantly when a cap goes to 0, so a full list never blocks a new cap", async function () {
        const f = await loadFixture(fixture);
        const g = f.guard.interface;
        const max = Number(await f.guard.MAX_ASSETS());
        const listed = (await f.guard.getCappedAssets(f.safeAddress)).length;
        const fill = Array.from({ length: max - listed }, (_, i) => ({
          to: f.guardAddress,
          data: g.encodeFunctionData("setCap", [junk(i), 1n]),
        }));
        const filled = await queueTx(f, batch(fill, f.multiSendCallOnly));
        await time.increaseTo(filled.eta);
        await (await f.guard.execute(f.safeAddress, filled.id)).wait();
        expect((await f.guard.getCappedAssets(f.safeAddress)).length).to.equal(max);

        // Full: one more cap cannot be listed, even through the queue.
        const extra = junk(1000);
        const refused = await queueTx(f, { to: f.guardAddress, data: g.encodeFunctionData("setCap", [extra, 1n]) });
        await time.increaseTo(refused.eta);
        await expect(f.guard.execute(f.safeAddress, refused.id))
          .to.be.revertedWithCustomError(f.guard, "QueuedTransactionFailed")
          .withArgs(f.safeAddress, refused.id);

        // Lowering a junk cap to 0 is instant and frees its slot; then the new cap is accepted.
        await expect(f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setCap", [junk(3), 0n]) }))
          .to.emit(f.guard, "CapChanged")
          .withArgs(f.safeAddress, junk(3), 1n, 0n);
        const assets = await f.guard.getCappedAssets(f.safeAddress);
        expect(assets.length).to.equal(max - 1);
        expect(assets).to.not.include(junk(3));
        await (await f.guard.execute(f.safeAddress, refused.id)).wait();
        expect(await f.guard.getCappedAssets(f.safeAddress)).to.include(extra);
        expect(await f.guard.capOf(f.safeAddress, extra)).to.equal(1n);
      });

      it("keeps a delisted asset's activity mark", async function () {
        const f = await loadFixture(fixture);
        const g = f.guard.interface;
        const tokenAddress = await f.token.getAddress();
        const endOfMinute = (t: bigint) => t - (t % 60n) + 59n;
        // Queue the delisting first (an owner transaction, recorded now), then pay (recorded as the window's mark).
        const delist = await queueTx(f, {
          to: f.guardAddress,
          data: g.encodeFunctionData("setCap", [tokenAddress, 0n]),
        });
        await time.increase(600);
        await (
          await f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.alice.address, 400n]) })
        ).wait();
        const paidAt = BigInt(await time.latest());
        // The queued execution (a module transaction, not owner activity) delists the token after the delay; the
        // payment's mark moves to the Safe's record instead of being lost with the listing.
        await time.increaseTo(delist.eta);
        await (await f.guard.execute(f.safeAddress, delist.id)).wait();
        expect(await f.guard.getCappedAssets(f.safeAddress)).to.not.include(tokenAddress);
        expect(await f.guard.lastActivity(f.safeAddress)).to.equal(endOfMinute(paidAt));
      });
    });

    describe("the veto streak (path 6)", function () {
      it("is not reset by an unrelated queued execution: a lone owner stops the quorum's transaction once", async function () {
        const f = await loadFixture(fixture);
        const [, , hostile] = f.owners;
        const unrelated = await queueTx(f, { to: f.alice.address, value: 1n });
        const payment = await queueTx(f, { to: f.stranger.address, value: 2n });
        await expect(f.guard.connect(hostile).veto(f.safeAddress, payment.id))
          .to.emit(f.guard, "TransactionCancelled")
          .withArgs(f.safeAddress, payment.id, hostile.address, 1n);
        // The hostile owner runs the unrelated ready item, which used to reset the streak.
        await time.increaseTo(unrelated.eta);
        await (await f.guard.connect(hostile).execute(f.safeAddress, unrelated.id)).wait();
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
        expect((await f.guard.policy(f.safeAddress)).cancelStreak).to.equal(1n);
        // The quorum queues the payment again; alone, the hostile owner cannot stop it a second time.
        const again = await queueTx(f, { to: f.stranger.address, value: 2n });
        await expect(f.guard.connect(hostile).veto(f.safeAddress, again.id))
          .to.emit(f.guard, "TransactionVetoed")
          .withArgs(f.safeAddress, again.id, hostile.address, 1n, 2n);
        expect(await f.guard.queueState(f.safeAddress, again.id)).to.equal(QueueState.Waiting);
        await time.increaseTo(again.eta);
        await expect(f.guard.execute(f.safeAddress, again.id)).to.changeEtherBalance(f.stranger, 2n);
        // Still not reset by the quorum's own execution either: only the Safe's explicit reset lowers it.
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
      });

      it("is reset only by the Safe's resetCancelStreak, which is instant", async function () {
        const f = await loadFixture(fixture);
        const [, , hostile] = f.owners;
        const first = await queueTx(f, { to: f.stranger.address, value: 1n });
        await (await f.guard.connect(hostile).veto(f.safeAddress, first.id)).wait();
        const data = f.guard.interface.encodeFunctionData("resetCancelStreak");
        expect((await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n))[0]).to.equal(
          Verdict.Instant,
        );
        // Anyone else calling it resets only its own (empty) state.
        await (await f.guard.connect(hostile).resetCancelStreak()).wait();
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
        await expect(f.exec({ to: f.guardAddress, data }))
          .to.emit(f.guard, "CancelStreakReset")
          .withArgs(f.safeAddress, 1n);
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(1n);
      });
    });

    describe("off-chain signature opt-in (path 3, guard side)", function () {
      it("delays opting in, and opting out is instant", async function () {
        const f = await loadFixture(fixture);
        const g = f.guard.interface;
        const optIn = g.encodeFunctionData("setOffchainSignatures", [true]);
        await expect(f.exec({ to: f.guardAddress, data: optIn }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.PolicyLoosened);
        expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(false);
        const { id, eta } = await queueTx(f, { to: f.guardAddress, data: optIn });
        await time.increaseTo(eta);
        await expect(f.guard.execute(f.safeAddress, id))
          .to.emit(f.guard, "OffchainSignaturesChanged")
          .withArgs(f.safeAddress, false, true);
        expect((await f.guard.policy(f.safeAddress)).offchainSignatures).to.equal(true);
        // Repeating an opt-in already in force loosens nothing.
        await (await f.exec({ to: f.guardAddress, data: optIn })).wait();
        await expect(f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setOffchainSignatures", [false]) }))
          .to.emit(f.guard, "OffchainSignaturesChanged")
          .withArgs(f.safeAddress, true, false);
        expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(false);
      });
    });

    describe("the queue's own module (found by the invariant fuzzer)", function () {
      const disableGuardModule = async (f: Awaited<ReturnType<typeof fixture>>) => {
        const [modules] = (await f.safe.getModulesPaginated(SENTINEL, 10)) as [string[], string];
        const index = modules.indexOf(f.guardAddress);
        const prev = index === 0 ? SENTINEL : modules[index - 1];
        return { to: f.safeAddress, data: safeIface.encodeFunctionData("disableModule", [prev, f.guardAddress]) };
      };

      it("refuses a queued disableModule(guard) while the guard still guards the Safe: the queue would be lost", async function () {
        const f = await loadFixture(fixture);
        const { id, eta } = await queueTx(f, await disableGuardModule(f));
        await time.increaseTo(eta);
        await expect(f.guard.execute(f.safeAddress, id))
          .to.be.revertedWithCustomError(f.guard, "QueueWouldBeLost")
          .withArgs(f.safeAddress, id);
        expect(await f.safe.isModuleEnabled(f.guardAddress)).to.equal(true);
        expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Ready);
      });

      it("lets the module go together with both guards", async function () {
        const f = await loadFixture(fixture);
        const calls = [
          ...(version === "1.5.0"
            ? [{ to: f.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]) }]
            : []),
          { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) },
          await disableGuardModule(f),
        ];
        const { id, eta } = await queueTx(f, batch(calls, f.multiSendCallOnly));
        await time.increaseTo(eta);
        await (await f.guard.execute(f.safeAddress, id)).wait();
        expect(await f.safe.isModuleEnabled(f.guardAddress)).to.equal(false);
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(ZeroAddress);
      });
    });

    describe("activity epochs (path 5, guard side)", function () {
      it("starts a new epoch when a queued execution removes the guard, and only then", async function () {
        const f = await loadFixture(fixture);
        expect(await f.guard.activityEpoch(f.safeAddress)).to.equal(0n);
        // A queued execution that leaves the guard installed keeps the epoch.
        const pay = await queueTx(f, { to: f.stranger.address, value: 1n });
        await time.increaseTo(pay.eta);
        await expect(f.guard.execute(f.safeAddress, pay.id)).to.not.emit(f.guard, "ActivityEpochChanged");
        const removal = await queueTx(f, {
          to: f.safeAddress,
          data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
        });
        await time.increaseTo(removal.eta);
        await expect(f.guard.execute(f.safeAddress, removal.id))
          .to.emit(f.guard, "ActivityEpochChanged")
          .withArgs(f.safeAddress, 0n, 1n);
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(ZeroAddress);
        expect((await f.guard.policy(f.safeAddress)).activityEpoch).to.equal(1n);
      });
    });
  });
}
