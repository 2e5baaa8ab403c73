import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, MaxUint256, parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { batch, type Call } from "../fixtures/batch";
import {
  CALL,
  DELEGATECALL,
  erc20,
  ETH,
  GUARD_SLOT,
  MODULE_GUARD_SLOT,
  QueueState,
  Reason,
  safeIface,
  SENTINEL,
} from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { prevalidatedSignatures } from "../../lib/safe/prevalidated";

// Adversarial review of the split guard: (a) an owner quorum tricked into signing one instant Safe transaction crafted
// by an attacker, (b) a compromised module (the fixture's TestModule, also the recovery module). Each test asserts the
// exact refusal and that nothing moved.

type Fixture = Awaited<ReturnType<typeof guardedSafe>>;
const fixture = () => guardedSafe("1.5.0");
const TEN = parseEther("10");
const CAP = parseEther("1000");

/** execTransaction calldata for `tx` at `nonce`, pre-approved (approveHash) by two owners. */
async function approvedExecCall(
  f: Fixture,
  tx: { to: string; value?: bigint; data?: string; operation?: number },
  nonce: bigint,
  safeTxGas: bigint,
): Promise<string> {
  const args = [
    tx.to,
    tx.value ?? 0n,
    tx.data ?? "0x",
    tx.operation ?? 0,
    safeTxGas,
    0n,
    0n,
    ZeroAddress,
    ZeroAddress,
  ] as const;
  const hash: string = await f.safe.getTransactionHash(...args, nonce);
  const signers = f.owners.slice(0, 2);
  for (const owner of signers) await (await (f.safe.connect(owner) as Contract).approveHash(hash)).wait();
  const signatures = prevalidatedSignatures(signers.map((o) => o.address));
  return f.safe.interface.encodeFunctionData("execTransaction", [...args, signatures]);
}

describe("TreasuryGuard adversarial review (Safe 1.5.0)", function () {
  hermetic();

  const setCap = (f: Fixture, asset: string, cap: bigint): Call => ({
    to: f.guardAddress,
    data: f.guard.interface.encodeFunctionData("setCap", [asset, cap]),
  });
  const transfer = (token: string, to: string, amount: bigint): Call => ({
    to: token,
    data: erc20.encodeFunctionData("transfer", [to, amount]),
  });
  const tokenRemaining = async (f: Fixture) => (await f.guard.remaining(f.safeAddress, await f.token.getAddress()))[0];

  describe("a tricked owner quorum (one instant Safe transaction)", function () {
    it("cannot raise a cap and spend above the old cap in one batch, in either order", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const raiseThenSpend = batch(
        [setCap(f, token, parseEther("5000")), transfer(token, f.alice.address, parseEther("3000"))],
        f.multiSendCallOnly,
      );
      const spendThenRaise = batch(
        [transfer(token, f.alice.address, parseEther("3000")), setCap(f, token, parseEther("5000"))],
        f.multiSendCallOnly,
      );
      for (const tx of [raiseThenSpend, spendThenRaise]) {
        await expect(f.exec(tx))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.PolicyLoosened);
      }
      expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.guard.capOf(f.safeAddress, token)).to.equal(CAP);
      expect(await tokenRemaining(f)).to.equal(CAP);
    });

    it("gains nothing from lowering then re-raising a cap in one batch: the spent history survives delisting", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      await (await f.exec(transfer(token, f.alice.address, CAP))).wait();
      expect(await tokenRemaining(f)).to.equal(0n);
      // 0 delists the asset, the second setCap lists it again: each is judged against the state before the batch
      // (neither loosens it), so the batch is instant, and the window keeps the 1000 already spent.
      await (await f.exec(batch([setCap(f, token, 0n), setCap(f, token, CAP)], f.multiSendCallOnly))).wait();
      expect(await f.guard.capOf(f.safeAddress, token)).to.equal(CAP);
      expect(await f.guard.getCappedAssets(f.safeAddress)).to.include(token);
      expect(await tokenRemaining(f)).to.equal(0n);
      await expect(f.exec(transfer(token, f.bob.address, 1n)))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, 1n, 0n);
      // Lowering then raising above the old cap is a loosening, even though the batch lowered it first.
      await expect(f.exec(batch([setCap(f, token, 1n), setCap(f, token, CAP + 1n)], f.multiSendCallOnly)))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.PolicyLoosened);
      // Same for recipients: removing bob then adding a stranger in one batch is delayed.
      const g = f.guard.interface;
      await expect(
        f.exec(
          batch(
            [
              { to: f.guardAddress, data: g.encodeFunctionData("setRecipient", [f.bob.address, false]) },
              { to: f.guardAddress, data: g.encodeFunctionData("setRecipient", [f.stranger.address, true]) },
            ],
            f.multiSendCallOnly,
          ),
        ),
      )
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.PolicyLoosened);
      expect(await f.guard.isRecipient(f.safeAddress, f.bob.address)).to.equal(true);
      expect(await f.guard.isRecipient(f.safeAddress, f.stranger.address)).to.equal(false);
      expect(await f.guard.capOf(f.safeAddress, token)).to.equal(CAP);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(0n);
    });

    it("cannot trust transfer() on a token to reach a stranger, and even a trusted token is still decoded", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const g = f.guard.interface;
      const trustTransfer = {
        to: f.guardAddress,
        data: g.encodeFunctionData("setTrustedSelector", [token, erc20.getFunction("transfer")!.selector, true]),
      };
      const trustToken = { to: f.guardAddress, data: g.encodeFunctionData("setTrustedTarget", [token, true]) };
      await expect(f.exec(batch([trustTransfer, transfer(token, f.stranger.address, 1n)], f.multiSendCallOnly)))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.PolicyLoosened);
      expect(await f.guard.isTrustedSelector(f.safeAddress, token, erc20.getFunction("transfer")!.selector)).to.equal(
        false,
      );
      // Even after the queue trusts the selector and the whole token, token calls are judged by their decoding.
      const { id, eta } = await queueTx(f, batch([trustTransfer, trustToken], f.multiSendCallOnly));
      await time.increaseTo(eta);
      await (await f.guard.execute(f.safeAddress, id)).wait();
      expect(await f.guard.isTrustedTarget(f.safeAddress, token)).to.equal(true);
      await expect(f.exec(transfer(token, f.stranger.address, 1n)))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.RecipientNotAllowed);
      await expect(f.exec(batch([transfer(token, f.stranger.address, 1n)], f.multiSendCallOnly)))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.RecipientNotAllowed);
      await expect(f.exec(transfer(token, f.alice.address, CAP + 1n)))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, CAP + 1n, CAP);
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(0n);
      expect(await tokenRemaining(f)).to.equal(CAP);
    });

    it("needs the queue for approvals to strangers and counts approvals to recipients against the cap", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const nft = await f.nft.getAddress();
      const multi = await f.multiToken.getAddress();
      const forAll = f.nft.interface.encodeFunctionData("setApprovalForAll", [f.stranger.address, true]);
      for (const tx of [
        { to: token, data: erc20.encodeFunctionData("approve", [f.stranger.address, 1n]) },
        { to: token, data: erc20.encodeFunctionData("increaseAllowance", [f.stranger.address, 1n]) },
        { to: nft, data: forAll },
        { to: multi, data: forAll },
        // Hidden behind a harmless payment in a batch.
        batch(
          [
            { to: f.alice.address, value: 1n },
            { to: nft, data: forAll },
          ],
          f.multiSendCallOnly,
        ),
      ]) {
        await expect(f.exec(tx))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.RecipientNotAllowed);
      }
      // An unbounded approval to a whitelisted spender is over the cap; so are two approvals that sum over it.
      await expect(f.exec({ to: token, data: erc20.encodeFunctionData("approve", [f.alice.address, MaxUint256]) }))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, MaxUint256, CAP);
      const half = parseEther("600");
      await expect(
        f.exec(
          batch(
            [
              { to: token, data: erc20.encodeFunctionData("approve", [f.alice.address, half]) },
              { to: token, data: erc20.encodeFunctionData("increaseAllowance", [f.alice.address, half]) },
            ],
            f.multiSendCallOnly,
          ),
        ),
      )
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, 2n * half, CAP);
      expect(await f.token.allowance(f.safeAddress, f.stranger.address)).to.equal(0n);
      expect(await f.token.allowance(f.safeAddress, f.alice.address)).to.equal(0n);
      expect(await f.nft.isApprovedForAll(f.safeAddress, f.stranger.address)).to.equal(false);
      expect(await f.multiToken.isApprovedForAll(f.safeAddress, f.stranger.address)).to.equal(false);
      expect(await tokenRemaining(f)).to.equal(CAP);
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(TEN);
      // The same approval to the stranger goes through the queue (vetoable, after the delay).
      const { id, eta } = await queueTx(f, {
        to: token,
        data: erc20.encodeFunctionData("approve", [f.stranger.address, 1n]),
      });
      await expect(f.guard.execute(f.safeAddress, id))
        .to.be.revertedWithCustomError(f.guard, "TransactionNotReady")
        .withArgs(f.safeAddress, id, eta);
      await time.increaseTo(eta);
      await (await f.guard.execute(f.safeAddress, id)).wait();
      expect(await f.token.allowance(f.safeAddress, f.stranger.address)).to.equal(1n);
    });

    it("refunds exactly the failed nested Safe transaction's outflow, not the outer one's", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const target = await f.target.getAddress();
      const nonce: bigint = await f.safe.nonce();
      // Inner (nonce + 1): pays alice 400 then fails; safeTxGas > 0 lets it fail without reverting.
      const inner = await approvedExecCall(
        f,
        batch(
          [
            transfer(token, f.alice.address, parseEther("400")),
            { to: target, data: f.target.interface.encodeFunctionData("fail") },
          ],
          f.multiSendCallOnly,
        ),
        nonce + 1n,
        300_000n,
      );
      // Outer: pays bob 300 (counted), then runs the inner one through the trusted target, and succeeds.
      const outer = batch(
        [
          transfer(token, f.bob.address, parseEther("300")),
          { to: target, data: f.target.interface.encodeFunctionData("reenter", [f.safeAddress, inner]) },
        ],
        f.multiSendCallOnly,
      );
      const tx = await f.exec(outer);
      await expect(tx).to.emit(f.safe, "ExecutionFailure");
      await expect(tx).to.emit(f.safe, "ExecutionSuccess");
      expect(await f.safe.nonce()).to.equal(nonce + 2n);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(parseEther("300"));
      // The inner pop refunded 400 (its own), the outer pop refunded nothing: 1000 - 300.
      expect(await tokenRemaining(f)).to.equal(parseEther("700"));
      // A module batch that fails after a counted payment is refunded exactly too (not up to the cap).
      await (await f.module.exec(f.safeAddress, f.alice.address, parseEther("3"), "0x", CALL)).wait();
      const failing = batch(
        [
          { to: f.alice.address, value: parseEther("4") },
          { to: target, data: f.target.interface.encodeFunctionData("fail") },
        ],
        f.multiSendCallOnly,
      );
      await expect(f.module.exec(f.safeAddress, failing.to, 0n, failing.data!, DELEGATECALL)).to.emit(
        f.safe,
        "ExecutionFromModuleFailure",
      );
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(parseEther("7"));
    });
  });

  describe("a compromised module", function () {
    it("cannot call the guard through the Safe at all: no setter, not even tightening, no queue, cancel or execute", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const g = f.guard.interface;
      const pending = await queueTx(f, { to: f.stranger.address, value: 1n });
      const before = await f.guard.policy(f.safeAddress);
      for (const data of [
        g.encodeFunctionData("setCap", [token, 1n]),
        g.encodeFunctionData("setRecipient", [f.stranger.address, true]),
        g.encodeFunctionData("setRecoveryModule", [ZeroAddress]),
        g.encodeFunctionData("setDelay", [Number(before.delay) * 2]),
        g.encodeFunctionData("queue", [f.stranger.address, TEN, "0x", CALL]),
        g.encodeFunctionData("cancel", [pending.id]),
        g.encodeFunctionData("resetCancelStreak"),
        g.encodeFunctionData("execute", [f.safeAddress, pending.id]),
      ]) {
        await expect(f.module.exec(f.safeAddress, f.guardAddress, 0n, data, CALL))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.GuardCall);
        // Also hidden in a MultiSendCallOnly batch after a harmless payment.
        const hidden = batch(
          [
            { to: f.alice.address, value: 1n },
            { to: f.guardAddress, data },
          ],
          f.multiSendCallOnly,
        );
        await expect(f.module.exec(f.safeAddress, hidden.to, 0n, hidden.data!, DELEGATECALL))
          .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
          .withArgs(Reason.GuardCall);
      }
      expect(await f.guard.policy(f.safeAddress)).to.deep.equal(before);
      expect(await f.guard.capOf(f.safeAddress, token)).to.equal(CAP);
      expect(await f.guard.isRecipient(f.safeAddress, f.stranger.address)).to.equal(false);
      expect(await f.guard.recoveryModule(f.safeAddress)).to.equal(await f.module.getAddress());
      expect(await f.guard.queueState(f.safeAddress, pending.id)).to.equal(QueueState.Waiting);
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(TEN);
    });

    it("cannot exceed a cap by splitting a batch, nor delegatecall anything but MultiSendCallOnly", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const run = batch(
        [transfer(token, f.alice.address, parseEther("600")), transfer(token, f.bob.address, parseEther("600"))],
        f.multiSendCallOnly,
      );
      await expect(f.module.exec(f.safeAddress, run.to, 0n, run.data!, DELEGATECALL))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, parseEther("1200"), CAP);
      const eth = batch(
        [
          { to: f.alice.address, value: parseEther("6") },
          { to: f.bob.address, value: parseEther("5") },
        ],
        f.multiSendCallOnly,
      );
      await expect(f.module.exec(f.safeAddress, eth.to, 0n, eth.data!, DELEGATECALL))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(ETH, parseEther("11"), TEN);
      // The plain MultiSend (which allows nested DELEGATECALLs) and Safe libraries.
      await expect(f.module.exec(f.safeAddress, f.addresses.multiSend!, 0n, eth.data!, DELEGATECALL))
        .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
        .withArgs(Reason.PlainMultiSend);
      const signMessage = new ethers.Interface(["function signMessage(bytes)"]).encodeFunctionData("signMessage", [
        "0x1234",
      ]);
      await expect(f.module.exec(f.safeAddress, f.addresses.signMessageLib!, 0n, signMessage, DELEGATECALL))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.SafeLibraryDelegateCall);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(0n);
      expect(await tokenRemaining(f)).to.equal(CAP);
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(TEN);
    });

    it("as recovery module, gets no bypass for a payment or a guard change smuggled next to owner changes", async function () {
      const f = await loadFixture(fixture);
      const [o0, o1] = f.owners;
      const swap = safeIface.encodeFunctionData("swapOwner", [SENTINEL, o0.address, f.stranger.address]);
      const threshold = safeIface.encodeFunctionData("changeThreshold", [1n]);
      const attempts: [Call[], bigint][] = [
        [
          [
            { to: f.stranger.address, value: 1n },
            { to: f.safeAddress, data: swap },
          ],
          Reason.RecipientNotAllowed,
        ],
        // Owner changes next to anything else are judged like any module's Safe self-calls.
        [
          [
            { to: f.safeAddress, data: swap },
            { to: f.alice.address, value: 1n },
          ],
          Reason.SafeSelfCall,
        ],
        [
          [
            { to: f.safeAddress, data: threshold },
            { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) },
          ],
          Reason.SafeSelfCall,
        ],
        [
          [
            { to: f.safeAddress, data: threshold },
            { to: f.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]) },
          ],
          Reason.SafeSelfCall,
        ],
      ];
      for (const [calls, reason] of attempts) {
        const tx = batch(calls, f.multiSendCallOnly);
        await expect(f.module.exec(f.safeAddress, tx.to, 0n, tx.data!, DELEGATECALL))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(reason);
      }
      // An owner-change selector with value attached is not an owner change either.
      await expect(f.module.exec(f.safeAddress, f.safeAddress, 1n, threshold, CALL))
        .to.be.revertedWithCustomError(f.guard, "DelayRequired")
        .withArgs(Reason.SafeSelfCall);
      expect(await f.safe.getThreshold()).to.equal(2n);
      expect(await f.safe.isOwner(o0.address)).to.equal(true);
      expect(await f.safe.isOwner(o1.address)).to.equal(true);
      expect(await f.safe.isOwner(f.stranger.address)).to.equal(false);
      expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(f.guardAddress);
      expect(await storedAddress(f.safeAddress, MODULE_GUARD_SLOT)).to.equal(f.guardAddress);
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(TEN);
    });
    it("may not call the recovery module, not even with a selector that decodes as a harmless token call", async function () {
      // docs/policy.md: a module "may not call the recovery module (DelayRequired(UntrustedTarget), whatever
      // selectors the Safe trusts on it)". The check runs before the token decoding: selectors that count nothing
      // (decreaseAllowance, setApprovalForAll(recipient, ...), approve(0, 0)) used to pass instantly.
      const f = await loadFixture(fixture);
      const recovery = await f.module.getAddress();
      expect(await f.guard.recoveryModule(f.safeAddress)).to.equal(recovery);
      // The owners trust the recovery module as a target (for their own cancelRecovery-style calls).
      const trust = await queueTx(f, {
        to: f.guardAddress,
        data: f.guard.interface.encodeFunctionData("setTrustedTarget", [recovery, true]),
      });
      await time.increaseTo(trust.eta);
      await (await f.guard.execute(f.safeAddress, trust.id)).wait();
      const nonce = await f.safe.nonce();
      const remaining = await f.guard.remaining(f.safeAddress, ZeroAddress);
      const cancelRecovery = new ethers.Interface(["function cancelRecovery()"]).encodeFunctionData("cancelRecovery");
      for (const data of [
        cancelRecovery,
        erc20.encodeFunctionData("decreaseAllowance", [f.alice.address, 1n]),
        f.nft.interface.encodeFunctionData("setApprovalForAll", [f.alice.address, true]),
        erc20.encodeFunctionData("approve", [ZeroAddress, 0n]),
      ]) {
        await expect(f.module.exec(f.safeAddress, recovery, 0n, data, CALL))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.UntrustedTarget);
      }
      expect(await f.safe.nonce()).to.equal(nonce);
      expect(await f.guard.remaining(f.safeAddress, ZeroAddress)).to.deep.equal(remaining);
    });
  });

  describe("the queue", function () {
    it("refuses to queue a call to execute() and fails a queued item that re-enters it through a module", async function () {
      const f = await loadFixture(fixture);
      const g = f.guard.interface;
      const moduleAddress = await f.module.getAddress();
      const id: bigint = (await f.guard.policy(f.safeAddress)).queued;
      // Directly: a call on the guard's execute is forbidden at queue time.
      await expect(
        f.exec({
          to: f.guardAddress,
          data: g.encodeFunctionData("queue", [
            f.guardAddress,
            0n,
            g.encodeFunctionData("execute", [f.safeAddress, id]),
            CALL,
          ]),
        }),
      )
        .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
        .withArgs(Reason.GuardCall);
      expect((await f.guard.policy(f.safeAddress)).queued).to.equal(id);
      // Through the module: the queued call makes the module re-enter execute() (for itself) and pay a stranger.
      const reenter = f.module.interface.encodeFunctionData("exec", [
        f.safeAddress,
        f.guardAddress,
        0n,
        g.encodeFunctionData("execute", [f.safeAddress, id]),
        CALL,
      ]);
      const pay = f.module.interface.encodeFunctionData("exec", [f.safeAddress, f.stranger.address, TEN, "0x", CALL]);
      const queued = await queueTx(f, { to: moduleAddress, data: reenter });
      expect(queued.id).to.equal(id);
      const paid = await queueTx(f, { to: moduleAddress, data: pay });
      await time.increaseTo(paid.eta);
      const before = await ethers.provider.getBalance(f.safeAddress);
      // The nested module transactions are judged like any module's: the guard call is forbidden, the stranger needs
      // the queue; the queued calls fail and stay ready.
      for (const item of [queued.id, paid.id]) {
        await expect(f.guard.execute(f.safeAddress, item))
          .to.be.revertedWithCustomError(f.guard, "QueuedTransactionFailed")
          .withArgs(f.safeAddress, item);
        expect(await f.guard.queueState(f.safeAddress, item)).to.equal(QueueState.Ready);
      }
      expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
      expect((await f.guard.remaining(f.safeAddress, ETH))[0]).to.equal(TEN);
    });

    it("runs a queued policy change and spend uncounted, then enforces the new cap from an untouched ledger", async function () {
      const f = await loadFixture(fixture);
      const token = await f.token.getAddress();
      const newCap = parseEther("5000");
      const { id, eta } = await queueTx(
        f,
        batch([setCap(f, token, newCap), transfer(token, f.alice.address, parseEther("3000"))], f.multiSendCallOnly),
      );
      await time.increaseTo(eta);
      await (await f.guard.execute(f.safeAddress, id)).wait();
      expect(await f.token.balanceOf(f.alice.address)).to.equal(parseEther("3000"));
      expect(await f.guard.capOf(f.safeAddress, token)).to.equal(newCap);
      // Queued executions waited the delay and consume no cap (by design): the whole new cap is available, no more.
      expect(await tokenRemaining(f)).to.equal(newCap);
      await expect(f.exec(transfer(token, f.bob.address, newCap + 1n)))
        .to.be.revertedWithCustomError(f.guard, "CapExceeded")
        .withArgs(token, newCap + 1n, newCap);
      await expect(f.guard.execute(f.safeAddress, id))
        .to.be.revertedWithCustomError(f.guard, "TransactionNotQueued")
        .withArgs(f.safeAddress, id, QueueState.Executed);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(0n);
    });
  });
});
