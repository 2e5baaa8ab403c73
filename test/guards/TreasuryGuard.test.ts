import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { batch } from "../fixtures/batch";
import {
  CALL,
  DAY,
  DELEGATECALL,
  erc20,
  ETH,
  GUARD_SLOT,
  HOUR,
  QueueState,
  Reason,
  safeIface,
  Verdict,
} from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const TEN = parseEther("10");
const guardedSafe150 = () => guardedSafe("1.5.0");
const guardedSafe141 = () => guardedSafe("1.4.1");

for (const [version, fixture] of [
  ["1.5.0", guardedSafe150],
  ["1.4.1", guardedSafe141],
] as const) {
  describe(`TreasuryGuard (Safe ${version}, transaction guard)`, function () {
    hermetic();

    describe("installation", function () {
      it("is the Safe's guard and enabled module, with the initial policy", async function () {
        const f = await loadFixture(fixture);
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(f.guardAddress);
        expect(await f.safe.isModuleEnabled(f.guardAddress)).to.equal(true);
        expect(await f.guard.capOf(f.safeAddress, ETH)).to.equal(TEN);
        expect(await f.guard.isRecipient(f.safeAddress, f.alice.address)).to.equal(true);
        const policy = await f.guard.policy(f.safeAddress);
        expect(policy.delay).to.equal(DAY);
        expect(policy.expiry).to.equal(2n * DAY);
        expect(policy.recoveryModule).to.equal(await f.module.getAddress());
        expect(await f.guard.remaining(f.safeAddress, ETH)).to.deep.equal([TEN, 0n]);
      });

      it("supports the transaction guard, module guard and ERC-165 interfaces", async function () {
        const f = await loadFixture(fixture);
        expect(await f.guard.supportsInterface("0xe6d7a83a")).to.equal(true);
        expect(await f.guard.supportsInterface("0x58401ed8")).to.equal(true);
        expect(await f.guard.supportsInterface("0x01ffc9a7")).to.equal(true);
        expect(await f.guard.supportsInterface("0xffffffff")).to.equal(false);
      });

      it("has a non-reverting fallback", async function () {
        const f = await loadFixture(fixture);
        await expect(f.stranger.sendTransaction({ to: f.guardAddress, data: "0x12345678" })).to.not.be.reverted;
      });
    });

    describe("rolling cap (ETH cap 10)", function () {
      it("lets exactly the cap through", async function () {
        const f = await loadFixture(fixture);
        await expect(f.exec({ to: f.alice.address, value: TEN })).to.changeEtherBalances(
          [f.safeAddress, f.alice],
          [-TEN, TEN],
        );
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(0n);
      });

      it("reverts CapExceeded for cap + 1 wei and moves nothing", async function () {
        const f = await loadFixture(fixture);
        const before = await ethers.provider.getBalance(f.safeAddress);
        await expect(f.exec({ to: f.alice.address, value: TEN + 1n }))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(ETH, TEN + 1n, TEN);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
      });

      it("sums a batch per asset before the cap check: two transfers of 6 revert and nothing moves", async function () {
        const f = await loadFixture(fixture);
        const six = parseEther("6");
        const before = await ethers.provider.getBalance(f.safeAddress);
        const aliceBefore = await ethers.provider.getBalance(f.alice.address);
        const tx = batch(
          [
            { to: f.alice.address, value: six },
            { to: f.bob.address, value: six },
          ],
          f.multiSendCallOnly,
        );
        const [verdict, reason, outflows] = await f.guard.classify(
          f.safeAddress,
          tx.to,
          0n,
          tx.data!,
          DELEGATECALL,
          0n,
        );
        expect([verdict, reason]).to.deep.equal([Verdict.Delayed, Reason.CapExceeded]);
        expect(outflows.map((o) => [o.asset, o.amount])).to.deep.equal([[ETH, 2n * six]]);
        await expect(f.exec(tx))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(ETH, 2n * six, TEN);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
        expect(await ethers.provider.getBalance(f.alice.address)).to.equal(aliceBefore);
      });

      it("sums token transfers across a batch, per token, even when interleaved", async function () {
        const f = await loadFixture(fixture);
        const tokenA = await f.token.getAddress();
        const other = await ethers.deployContract("TestERC20");
        await (await other.mint(f.safeAddress, 100n)).wait();
        const tokenB = await other.getAddress();
        await (
          await f.exec({ to: f.guardAddress, data: f.guard.interface.encodeFunctionData("setCap", [tokenB, 0n]) })
        ).wait();
        // Give B a cap of 10 through the queue (raising is delayed).
        const { id, eta } = await queueTx(f, {
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setCap", [tokenB, 10n]),
        });
        await time.increaseTo(eta);
        await (await f.guard.execute(f.safeAddress, id)).wait();
        const t = (to: string, amount: bigint) => erc20.encodeFunctionData("transfer", [to, amount]);
        const over = batch(
          [
            { to: tokenA, data: t(f.alice.address, parseEther("300")) },
            { to: tokenA, data: t(f.bob.address, parseEther("300")) },
            { to: f.alice.address, value: 1n },
            { to: tokenA, data: t(f.alice.address, parseEther("500")) },
          ],
          f.multiSendCallOnly,
        );
        const [, , overOutflows] = await f.guard.classify(f.safeAddress, over.to, 0n, over.data!, DELEGATECALL, 0n);
        expect(overOutflows.map((o) => [o.asset, o.amount])).to.have.deep.members([
          [tokenA, parseEther("1100")],
          [ETH, 1n],
        ]);
        await expect(f.exec(over))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(tokenA, parseEther("1100"), parseEther("1000"));
        expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
        const interleaved = batch(
          [
            { to: tokenA, data: t(f.alice.address, parseEther("400")) },
            { to: tokenB, data: t(f.alice.address, 5n) },
            { to: tokenA, data: t(f.bob.address, parseEther("400")) },
          ],
          f.multiSendCallOnly,
        );
        await expect(f.exec(interleaved)).to.changeTokenBalances(
          f.token,
          [f.alice, f.bob],
          [parseEther("400"), parseEther("400")],
        );
        expect((await f.guard.remaining(f.safeAddress, tokenA)).available).to.equal(parseEther("200"));
        expect((await f.guard.remaining(f.safeAddress, tokenB)).available).to.equal(5n);
        const again = batch(
          [
            { to: tokenA, data: t(f.alice.address, parseEther("100")) },
            { to: tokenB, data: t(f.alice.address, 6n) },
            { to: tokenA, data: t(f.bob.address, parseEther("100")) },
          ],
          f.multiSendCallOnly,
        );
        const [verdict, reason, outflows] = await f.guard.classify(
          f.safeAddress,
          again.to,
          0n,
          again.data!,
          DELEGATECALL,
          0n,
        );
        expect([verdict, reason]).to.deep.equal([Verdict.Delayed, Reason.CapExceeded]);
        expect(outflows.map((o) => [o.asset, o.amount])).to.have.deep.members([
          [tokenA, parseEther("200")],
          [tokenB, 6n],
        ]);
        await expect(f.exec(again)).to.be.revertedWithCustomError(f.guard, "CapExceeded").withArgs(tokenB, 6n, 5n);
      });

      it("needs the queue for a batch with one non-whitelisted recipient, whatever its amount", async function () {
        const f = await loadFixture(fixture);
        const tokenA = await f.token.getAddress();
        const t = (to: string, amount: bigint) => erc20.encodeFunctionData("transfer", [to, amount]);
        const calls = [
          { to: tokenA, data: t(f.alice.address, 1n) },
          { to: tokenA, data: t(f.stranger.address, 1n) },
          { to: tokenA, data: t(f.bob.address, 1n) },
        ];
        await expect(f.exec(batch(calls, f.multiSendCallOnly)))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
        // A transfer of 0 to a stranger needs the queue too (the recipient is checked whatever the amount), while one
        // to a whitelisted recipient moves and counts nothing.
        calls[1] = { to: tokenA, data: t(f.stranger.address, 0n) };
        await expect(f.exec(batch(calls, f.multiSendCallOnly)))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        calls[1] = { to: tokenA, data: t(f.alice.address, 0n) };
        await expect(f.exec(batch(calls, f.multiSendCallOnly))).to.changeTokenBalance(f.token, f.bob, 1n);
        expect((await f.guard.remaining(f.safeAddress, tokenA)).available).to.equal(parseEther("1000") - 2n);
      });

      it("refuses 1 wei at t + 23h59m and frees the whole cap by t + 25h", async function () {
        const f = await loadFixture(fixture);
        await (await f.exec({ to: f.alice.address, value: TEN })).wait();
        const t = BigInt(await time.latest());
        const { nextIncreaseAt } = await f.guard.remaining(f.safeAddress, ETH);
        expect(nextIncreaseAt).to.be.lte(t + DAY + HOUR);
        expect(nextIncreaseAt).to.be.gt(t + DAY - 1n);
        // The Safe tx helper sends one approveHash first (one block): land the execution at t + 23h59m.
        await time.setNextBlockTimestamp(t + DAY - 60n - 1n);
        await expect(f.exec({ to: f.alice.address, value: 1n }))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(ETH, 1n, 0n);
        await time.increaseTo(t + DAY + HOUR - 2n);
        await expect(f.exec({ to: f.alice.address, value: TEN })).to.changeEtherBalance(f.alice, TEN);
      });

      it("counts nothing for a failed Safe transaction", async function () {
        const f = await loadFixture(fixture);
        await f.exec({
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setRecipient", [await f.target.getAddress(), false]),
        });
        // Make the target a recipient through the queue, then send value with a failing call (safeTxGas > 0 lets
        // the Safe transaction fail without reverting).
        const targetAddress = await f.target.getAddress();
        const { id, eta } = await queueTx(f, {
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setRecipient", [targetAddress, true]),
        });
        await time.increaseTo(eta);
        await (await f.guard.connect(f.executor).execute(f.safeAddress, id)).wait();
        const tx = await f.exec({
          to: targetAddress,
          value: parseEther("4"),
          data: f.target.interface.encodeFunctionData("fail"),
          safeTxGas: 100_000n,
        });
        await expect(tx).to.emit(f.safe, "ExecutionFailure");
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
      });

      it("counts the same ledger for ERC20 transfers (token cap 1000)", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        const amount = parseEther("600");
        const data = erc20.encodeFunctionData("transfer", [f.alice.address, amount]);
        await expect(f.exec({ to: tokenAddress, data })).to.changeTokenBalances(
          f.token,
          [f.safeAddress, f.alice],
          [-amount, amount],
        );
        await expect(f.exec({ to: tokenAddress, data }))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(tokenAddress, amount, parseEther("400"));
        expect(await f.token.balanceOf(f.alice.address)).to.equal(amount);
      });

      it("needs the queue for an asset without a cap", async function () {
        const f = await loadFixture(fixture);
        const other = await ethers.deployContract("TestERC20");
        await (await other.mint(f.safeAddress, 5n)).wait();
        const otherAddress = await other.getAddress();
        await expect(f.exec({ to: otherAddress, data: erc20.encodeFunctionData("transfer", [f.alice.address, 5n]) }))
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(otherAddress, 5n, 0n);
        const [verdict, reason] = await f.guard.classify(
          f.safeAddress,
          otherAddress,
          0n,
          erc20.encodeFunctionData("transfer", [f.alice.address, 5n]),
          CALL,
          0n,
        );
        expect([verdict, reason]).to.deep.equal([Verdict.Delayed, Reason.NoCap]);
        expect(await other.balanceOf(f.safeAddress)).to.equal(5n);
      });
    });

    describe("recipients and allowances", function () {
      it("needs the queue for an outflow to a non-whitelisted recipient", async function () {
        const f = await loadFixture(fixture);
        await expect(f.exec({ to: f.stranger.address, value: 1n }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
      });

      it("needs the queue for approve / increaseAllowance to a non-whitelisted spender", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        for (const fn of ["approve", "increaseAllowance"]) {
          await expect(f.exec({ to: tokenAddress, data: erc20.encodeFunctionData(fn, [f.stranger.address, 1n]) }))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.RecipientNotAllowed);
        }
        expect(await f.token.allowance(f.safeAddress, f.stranger.address)).to.equal(0n);
      });

      it("counts approve to a whitelisted spender against the cap", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        await (
          await f.exec({
            to: tokenAddress,
            data: erc20.encodeFunctionData("approve", [f.bob.address, parseEther("700")]),
          })
        ).wait();
        expect(await f.token.allowance(f.safeAddress, f.bob.address)).to.equal(parseEther("700"));
        expect((await f.guard.remaining(f.safeAddress, tokenAddress)).available).to.equal(parseEther("300"));
        await expect(
          f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("approve", [f.bob.address, parseEther("301")]) }),
        )
          .to.be.revertedWithCustomError(f.guard, "CapExceeded")
          .withArgs(tokenAddress, parseEther("301"), parseEther("300"));
        expect(await f.token.allowance(f.safeAddress, f.bob.address)).to.equal(parseEther("700"));
      });

      it("lets approve(x, 0) through as a revocation on a capped token", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        await expect(f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("approve", [f.stranger.address, 0n]) }))
          .to.not.be.reverted;
      });

      it("counts transferFrom from the Safe, and judges a trusted token by its decoding", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        await f.exec({
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setRecipient", [f.alice.address, true]),
        });
        // Trust the token as a target (through the queue): decoded selectors stay judged by their decoding.
        const { id, eta } = await queueTx(f, {
          to: f.guardAddress,
          data: f.guard.interface.encodeFunctionData("setTrustedTarget", [tokenAddress, true]),
        });
        await time.increaseTo(eta);
        await (await f.guard.execute(f.safeAddress, id)).wait();
        expect(await f.guard.isTrustedTarget(f.safeAddress, tokenAddress)).to.equal(true);
        await expect(f.exec({ to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.stranger.address, 1n]) }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        const [verdict, reason, outflows] = await f.guard.classify(
          f.safeAddress,
          tokenAddress,
          0n,
          erc20.encodeFunctionData("transferFrom", [f.safeAddress, f.alice.address, 5n]),
          CALL,
          0n,
        );
        expect([verdict, reason]).to.deep.equal([Verdict.Instant, Reason.None]);
        expect(outflows.map((o) => [o.asset, o.amount])).to.deep.equal([[tokenAddress, 5n]]);
      });

      it("requires a whitelisted recipient for NFT transfers and operators; revoking is instant", async function () {
        const f = await loadFixture(fixture);
        const nftAddress = await f.nft.getAddress();
        const nft = f.nft.interface;
        await expect(
          f.exec({
            to: nftAddress,
            data: nft.encodeFunctionData("safeTransferFrom(address,address,uint256)", [
              f.safeAddress,
              f.stranger.address,
              1n,
            ]),
          }),
        )
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        await (
          await f.exec({
            to: nftAddress,
            data: nft.encodeFunctionData("safeTransferFrom(address,address,uint256)", [
              f.safeAddress,
              f.alice.address,
              1n,
            ]),
          })
        ).wait();
        expect(await f.nft.ownerOf(1n)).to.equal(f.alice.address);
        await expect(
          f.exec({ to: nftAddress, data: nft.encodeFunctionData("setApprovalForAll", [f.stranger.address, true]) }),
        )
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        await expect(
          f.exec({ to: nftAddress, data: nft.encodeFunctionData("setApprovalForAll", [f.stranger.address, false]) }),
        ).to.not.be.reverted;
        const multi = await f.multiToken.getAddress();
        await expect(
          f.exec({
            to: multi,
            data: f.multiToken.interface.encodeFunctionData("safeTransferFrom", [
              f.safeAddress,
              f.stranger.address,
              7n,
              1n,
              "0x",
            ]),
          }),
        )
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        await (
          await f.exec({
            to: multi,
            data: f.multiToken.interface.encodeFunctionData("safeTransferFrom", [
              f.safeAddress,
              f.bob.address,
              7n,
              3n,
              "0x",
            ]),
          })
        ).wait();
        expect(await f.multiToken.balanceOf(f.bob.address, 7n)).to.equal(3n);
      });

      it("needs the queue for an ERC777 operator (unbounded allowance)", async function () {
        const f = await loadFixture(fixture);
        const data = new ethers.Interface(["function authorizeOperator(address)"]).encodeFunctionData(
          "authorizeOperator",
          [f.alice.address],
        );
        await expect(f.exec({ to: await f.token.getAddress(), data }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.UnboundedAllowance);
      });
    });

    describe("targets and the Safe itself", function () {
      it("lets calls to a trusted target through and queues untrusted ones", async function () {
        const f = await loadFixture(fixture);
        const ping = f.target.interface.encodeFunctionData("ping");
        await (await f.exec({ to: await f.target.getAddress(), data: ping })).wait();
        expect(await f.target.calls()).to.equal(1n);
        const other = await ethers.deployContract("TestTarget");
        await expect(f.exec({ to: await other.getAddress(), data: ping }))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.UntrustedTarget);
      });

      it("needs the queue for every privileged call on the Safe itself", async function () {
        const f = await loadFixture(fixture);
        const calls = [
          safeIface.encodeFunctionData("addOwnerWithThreshold", [f.stranger.address, 1n]),
          safeIface.encodeFunctionData("changeThreshold", [1n]),
          safeIface.encodeFunctionData("enableModule", [f.stranger.address]),
          safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
          safeIface.encodeFunctionData("setFallbackHandler", [f.stranger.address]),
          "0x01ffc9a7", // forwarded to the fallback handler
        ];
        for (const data of calls) {
          await expect(f.exec({ to: f.safeAddress, data }))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.SafeSelfCall);
        }
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(f.guardAddress);
      });

      it("reads to = address(0) in a MultiSendCallOnly batch as the Safe itself only on 1.5.0", async function () {
        const f = await loadFixture(fixture);
        const tx = batch(
          [{ to: ZeroAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) }],
          f.multiSendCallOnly,
        );
        await expect(f.exec(tx))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(version === "1.5.0" ? Reason.SafeSelfCall : Reason.UntrustedTarget);
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(f.guardAddress);
      });

      it("tightens instantly and needs the queue to loosen, even inside a batch with a spend", async function () {
        const f = await loadFixture(fixture);
        const g = f.guard.interface;
        await expect(f.exec({ to: f.guardAddress, data: g.encodeFunctionData("setCap", [ETH, parseEther("5")]) }))
          .to.emit(f.guard, "CapChanged")
          .withArgs(f.safeAddress, ETH, TEN, parseEther("5"));
        const before = await ethers.provider.getBalance(f.safeAddress);
        for (const order of [0, 1]) {
          const calls = [
            { to: f.guardAddress, data: g.encodeFunctionData("setCap", [ETH, parseEther("100")]) },
            { to: f.alice.address, value: parseEther("20") },
          ];
          if (order) calls.reverse();
          await expect(f.exec(batch(calls, f.multiSendCallOnly)))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.PolicyLoosened);
        }
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
        expect(await f.guard.capOf(f.safeAddress, ETH)).to.equal(parseEther("5"));
        const loosen = [
          g.encodeFunctionData("setRecipient", [f.stranger.address, true]),
          g.encodeFunctionData("setTrustedTarget", [f.stranger.address, true]),
          g.encodeFunctionData("setTrustedSelector", [f.stranger.address, "0x12345678", true]),
          g.encodeFunctionData("setDelay", [Number(HOUR)]),
          g.encodeFunctionData("setExpiry", [Number(3n * DAY)]),
          g.encodeFunctionData("setRecoveryModule", [f.stranger.address]),
        ];
        for (const data of loosen) {
          await expect(f.exec({ to: f.guardAddress, data }))
            .to.be.revertedWithCustomError(f.guard, "DelayRequired")
            .withArgs(Reason.PolicyLoosened);
        }
        const tighten = [
          g.encodeFunctionData("setRecipient", [f.bob.address, false]),
          g.encodeFunctionData("setDelay", [Number(2n * DAY)]),
          g.encodeFunctionData("setExpiry", [Number(DAY)]),
          g.encodeFunctionData("setRecoveryModule", [ZeroAddress]),
        ];
        for (const data of tighten) await (await f.exec({ to: f.guardAddress, data })).wait();
        const policy = await f.guard.policy(f.safeAddress);
        expect([policy.delay, policy.expiry, policy.recoveryModule]).to.deep.equal([2n * DAY, DAY, ZeroAddress]);
        expect(await f.guard.isRecipient(f.safeAddress, f.bob.address)).to.equal(false);
      });

      it("forbids the guard's hooks and unknown selectors as Safe calls", async function () {
        const f = await loadFixture(fixture);
        const data = f.guard.interface.encodeFunctionData("checkAfterExecution", [ethers.ZeroHash, false]);
        await expect(f.exec({ to: f.guardAddress, data }))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.GuardCall);
      });
    });

    describe("DELEGATECALL and refunds", function () {
      it("forbids a Bybit-style DELEGATECALL that overwrites the singleton", async function () {
        const f = await loadFixture(fixture);
        const singletonBefore = await ethers.provider.getStorage(f.safeAddress, 0);
        const data = f.writer.interface.encodeFunctionData("overwrite", [f.stranger.address]);
        await expect(f.exec({ to: await f.writer.getAddress(), data, operation: DELEGATECALL }))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.DelegateCallForbidden);
        expect(await ethers.provider.getStorage(f.safeAddress, 0)).to.equal(singletonBefore);
        // Nor can it be queued (called as the Safe; Safe 1.4.1 hides inner revert data behind GS013).
        const queueData = f.guard.interface.encodeFunctionData("queue", [
          await f.writer.getAddress(),
          0n,
          data,
          DELEGATECALL,
        ]);
        await expect(
          (f.guard.connect(ethers.provider) as typeof f.guard).queue.staticCall(
            await f.writer.getAddress(),
            0n,
            data,
            DELEGATECALL,
            { from: f.safeAddress },
          ),
        )
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.DelegateCallForbidden);
        if (version === "1.5.0") {
          await expect(f.exec({ to: f.guardAddress, data: queueData }))
            .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
            .withArgs(Reason.DelegateCallForbidden);
        } else {
          await expect(f.exec({ to: f.guardAddress, data: queueData })).to.be.revertedWith("GS013");
        }
        expect((await f.guard.policy(f.safeAddress)).queued).to.equal(0n);
      });

      it("forbids DELEGATECALL to plain MultiSend", async function () {
        const f = await loadFixture(fixture);
        const tx = batch([{ to: f.alice.address, value: 1n }], f.addresses.multiSend!);
        await expect(f.exec(tx))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.PlainMultiSend);
      });

      it("forbids a non-zero gasPrice", async function () {
        const f = await loadFixture(fixture);
        const before = await ethers.provider.getBalance(f.safeAddress);
        await expect(f.exec({ to: f.alice.address, value: 1n, gasPrice: 1n, safeTxGas: 50_000n }))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.GasRefund);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
        // The view gives the hook's reason, even for a transaction that is also forbidden for another reason.
        const data = f.writer.interface.encodeFunctionData("overwrite", [f.stranger.address]);
        const [verdict, reason] = await f.guard.classify(
          f.safeAddress,
          await f.writer.getAddress(),
          0n,
          data,
          DELEGATECALL,
          1n,
        );
        expect([verdict, reason]).to.deep.equal([Verdict.Forbidden, Reason.GasRefund]);
      });

      it("needs the queue for DELEGATECALL to SignMessageLib", async function () {
        const f = await loadFixture(fixture);
        const lib = new ethers.Interface(["function signMessage(bytes)"]);
        await expect(
          f.exec({
            to: f.addresses.signMessageLib!,
            data: lib.encodeFunctionData("signMessage", ["0x1234"]),
            operation: DELEGATECALL,
          }),
        )
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.SafeLibraryDelegateCall);
      });

      it("reverts on a malformed batch", async function () {
        const f = await loadFixture(fixture);
        const good = batch([{ to: f.alice.address, value: 1n }], f.multiSendCallOnly).data!;
        // Claim a longer inner data length than the payload holds.
        const bytes = ethers.getBytes(good);
        const lengthOffset = 4 + 32 + 32 + 1 + 20 + 32;
        bytes[lengthOffset + 31] = 0xff;
        await expect(
          f.exec({ to: f.multiSendCallOnly, data: ethers.hexlify(bytes), operation: DELEGATECALL }),
        ).to.be.revertedWithCustomError(f.guard, "MalformedBatch");
        // A DELEGATECALL entry inside the batch.
        const op = ethers.getBytes(good);
        op[4 + 32 + 32] = 1;
        await expect(
          f.exec({ to: f.multiSendCallOnly, data: ethers.hexlify(op), operation: DELEGATECALL }),
        ).to.be.revertedWithCustomError(f.guard, "MalformedBatch");
      });
    });

    describe("queue", function () {
      it("runs a delayed transaction once, after the delay and before expiry", async function () {
        const f = await loadFixture(fixture);
        const amount = parseEther("20");
        const { id, eta, expiresAt } = await queueTx(f, { to: f.stranger.address, value: amount });
        expect(expiresAt - eta).to.equal(2n * DAY);
        expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Waiting);
        await expect(f.guard.connect(f.executor).execute(f.safeAddress, id))
          .to.be.revertedWithCustomError(f.guard, "TransactionNotReady")
          .withArgs(f.safeAddress, id, eta);
        await time.increaseTo(eta);
        const execution = f.guard.connect(f.executor).execute(f.safeAddress, id);
        await expect(execution).to.changeEtherBalances([f.safeAddress, f.stranger], [-amount, amount]);
        await expect(execution)
          .to.emit(f.guard, "TransactionExecuted")
          .withArgs(f.safeAddress, id, [[ETH, amount]]);
        // Over the cap path: the cap is not consumed.
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
        await expect(f.guard.execute(f.safeAddress, id))
          .to.be.revertedWithCustomError(f.guard, "TransactionNotQueued")
          .withArgs(f.safeAddress, id, QueueState.Executed);
      });

      it("records every asset's outflow of a queued batch, and none for a call that moves nothing", async function () {
        const f = await loadFixture(fixture);
        const tokenAddress = await f.token.getAddress();
        const payBoth = batch(
          [
            { to: f.stranger.address, value: 3n },
            { to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.stranger.address, 7n]) },
          ],
          f.multiSendCallOnly,
        );
        const paid = await queueTx(f, payBoth);
        const ping = await queueTx(f, {
          to: await f.target.getAddress(),
          data: f.target.interface.encodeFunctionData("ping"),
        });
        await time.increaseTo(ping.eta);
        await expect(f.guard.execute(f.safeAddress, paid.id))
          .to.emit(f.guard, "TransactionExecuted")
          .withArgs(f.safeAddress, paid.id, [
            [ETH, 3n],
            [tokenAddress, 7n],
          ]);
        await expect(f.guard.execute(f.safeAddress, ping.id))
          .to.emit(f.guard, "TransactionExecuted")
          .withArgs(f.safeAddress, ping.id, []);
      });

      it("stores the queued transaction and reports its state; vetoes need a live transaction", async function () {
        const f = await loadFixture(fixture);
        const data = f.target.interface.encodeFunctionData("ping");
        const id = (await f.guard.policy(f.safeAddress)).queued;
        const queueData = f.guard.interface.encodeFunctionData("queue", [f.stranger.address, 5n, data, CALL]);
        await expect(f.exec({ to: f.guardAddress, data: queueData })).to.emit(f.guard, "TransactionQueued");
        const item = await f.guard.queuedTransaction(f.safeAddress, id);
        expect([item.to, item.value, item.data, item.operation, item.state]).to.deep.equal([
          f.stranger.address,
          5n,
          data,
          0n,
          QueueState.Waiting,
        ]);
        expect(item.expiresAt - item.eta).to.equal(2n * DAY);
        await time.increaseTo(item.eta);
        expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Ready);
        await time.increaseTo(item.expiresAt);
        await expect(f.guard.connect(f.owners[2]).veto(f.safeAddress, id))
          .to.be.revertedWithCustomError(f.guard, "TransactionNotQueued")
          .withArgs(f.safeAddress, id, QueueState.Expired);
        expect(await f.guard.queueState(f.safeAddress, 999n)).to.equal(QueueState.None);
      });

      it("refuses to run an expired transaction", async function () {
        const f = await loadFixture(fixture);
        const { id, expiresAt } = await queueTx(f, { to: f.stranger.address, value: 1n });
        await time.increaseTo(expiresAt);
        expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Expired);
        const before = await ethers.provider.getBalance(f.stranger.address);
        await expect(f.guard.connect(f.executor).execute(f.safeAddress, id))
          .to.be.revertedWithCustomError(f.guard, "TransactionNotQueued")
          .withArgs(f.safeAddress, id, QueueState.Expired);
        expect(await ethers.provider.getBalance(f.stranger.address)).to.equal(before);
      });

      it("removes the guard through the queue", async function () {
        const f = await loadFixture(fixture);
        const { id, eta } = await queueTx(f, {
          to: f.safeAddress,
          data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
        });
        await time.increaseTo(eta);
        await (await f.guard.connect(f.executor).execute(f.safeAddress, id)).wait();
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(ZeroAddress);
        // Without the guard, an over-cap transfer to a stranger goes through.
        await expect(f.exec({ to: f.stranger.address, value: parseEther("50") })).to.changeEtherBalance(
          f.stranger,
          parseEther("50"),
        );
      });

      it("lets the Safe cancel at any time", async function () {
        const f = await loadFixture(fixture);
        const { id } = await queueTx(f, { to: f.stranger.address, value: 1n });
        await expect(f.exec({ to: f.guardAddress, data: f.guard.interface.encodeFunctionData("cancel", [id]) }))
          .to.emit(f.guard, "TransactionCancelled")
          .withArgs(f.safeAddress, id, f.safeAddress, 0n);
        expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Cancelled);
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(1n);
      });

      it("lets one owner veto, then needs more owners per consecutive cancel (griefing bound)", async function () {
        const f = await loadFixture(fixture);
        const [, , minority] = f.owners;
        const first = await queueTx(f, { to: f.stranger.address, value: 1n });
        const second = await queueTx(f, { to: f.stranger.address, value: 2n });
        await expect(f.guard.connect(f.stranger).veto(f.safeAddress, first.id))
          .to.be.revertedWithCustomError(f.guard, "NotSafeOwner")
          .withArgs(f.safeAddress, f.stranger.address);
        // One owner cancels the first...
        await expect(f.guard.connect(minority).veto(f.safeAddress, first.id))
          .to.emit(f.guard, "TransactionCancelled")
          .withArgs(f.safeAddress, first.id, minority.address, 1n);
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
        // ...but alone cannot cancel the next one.
        await expect(f.guard.connect(minority).veto(f.safeAddress, second.id))
          .to.emit(f.guard, "TransactionVetoed")
          .withArgs(f.safeAddress, second.id, minority.address, 1n, 2n);
        await expect(f.guard.connect(minority).veto(f.safeAddress, second.id))
          .to.be.revertedWithCustomError(f.guard, "AlreadyVetoed")
          .withArgs(f.safeAddress, second.id, minority.address);
        expect(await f.guard.queueState(f.safeAddress, second.id)).to.equal(QueueState.Waiting);
        await time.increaseTo(second.eta);
        await expect(f.guard.execute(f.safeAddress, second.id)).to.changeEtherBalance(f.stranger, 2n);
        // Only the Safe's resetCancelStreak lowers it again (TreasuryGuard.attacks.test.ts).
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
      });

      it("lets two owners (a quorum of vetoers) cancel after a cancel", async function () {
        const f = await loadFixture(fixture);
        const [o0, o1, o2] = f.owners;
        const first = await queueTx(f, { to: f.stranger.address, value: 1n });
        const second = await queueTx(f, { to: f.stranger.address, value: 2n });
        await (await f.guard.connect(o2).veto(f.safeAddress, first.id)).wait();
        await (await f.guard.connect(o1).veto(f.safeAddress, second.id)).wait();
        await expect(f.guard.connect(o0).veto(f.safeAddress, second.id))
          .to.emit(f.guard, "TransactionCancelled")
          .withArgs(f.safeAddress, second.id, o0.address, 2n);
        // The streak never asks for more than the Safe's threshold.
        expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(2n);
      });
    });

    if (version === "1.4.1") {
      it("cannot see module transactions on Safe 1.4.1 (documented: they bypass guards)", async function () {
        const f = await loadFixture(fixture);
        await expect(
          f.module.exec(f.safeAddress, f.stranger.address, parseEther("50"), "0x", CALL),
        ).to.changeEtherBalance(f.stranger, parseEther("50"));
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
      });
    }

    describe("activity record and direct hook calls", function () {
      it("records the time of each executed Safe transaction", async function () {
        const f = await loadFixture(fixture);
        const tx = await f.exec({ to: f.alice.address, value: 1n });
        const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
        expect(await f.guard.lastActivity(f.safeAddress)).to.equal(BigInt(block!.timestamp));
      });

      it("lets an EOA calling the hooks touch only its own empty state", async function () {
        const f = await loadFixture(fixture);
        const eoaGuard = f.guard.connect(f.stranger);
        await expect(eoaGuard.checkAfterExecution(ethers.ZeroHash, false)).to.not.be.reverted;
        const activityBefore = await f.guard.lastActivity(f.safeAddress);
        await expect(
          eoaGuard.checkTransaction(
            f.alice.address,
            1n,
            "0x",
            CALL,
            0n,
            0n,
            0n,
            ZeroAddress,
            ZeroAddress,
            "0x",
            f.stranger.address,
          ),
        )
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
        const tx = await eoaGuard.checkTransaction(
          f.alice.address,
          0n,
          "0x",
          CALL,
          0n,
          0n,
          0n,
          ZeroAddress,
          ZeroAddress,
          "0x",
          f.stranger.address,
        );
        const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
        await expect(eoaGuard.checkAfterExecution(ethers.ZeroHash, false)).to.not.be.reverted;
        expect(await f.guard.lastActivity(f.stranger.address)).to.equal(BigInt(block!.timestamp));
        expect(await f.guard.lastActivity(f.safeAddress)).to.equal(activityBefore);
        expect((await f.guard.remaining(f.safeAddress, ETH)).available).to.equal(TEN);
      });
    });
  });
}
