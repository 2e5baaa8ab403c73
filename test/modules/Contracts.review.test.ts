import { expect } from "chai";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import fc from "fast-check";
import { AbiCoder, Interface, parseEther, Signature, toBeHex, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { signSpend, spendDomain } from "../../lib/modules/spend";
import { canonicalContract, type SafeVersion } from "../../lib/safe/canonical";
import { batch, batch as guardBatch } from "../fixtures/batch";
import {
  DAY,
  DELEGATECALL,
  GUARD_SLOT,
  HOUR,
  MODULE_GUARD_SLOT,
  QueueState,
  Reason,
  SAFE_VERSIONS,
  safeIface,
} from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe } from "../fixtures/modules";

// Adversarial review of the second contracts pass (issue 8): SpendingLimitModule's relay nonce and compact
// signatures, the fallback handler's off-chain path as seen from modules, and the guard's queue. The queue test
// failed before QueueWouldBeLost covered another module guard; the others are attacks that held.

const ETH = ZeroAddress;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const coder = AbiCoder.defaultAbiCoder();
const signMessageLib = new Interface(["function signMessage(bytes _data)"]);

describe("contracts review: TreasuryGuard queue and module restrictions (Safe 1.5.0)", function () {
  hermetic();
  const fixture = () => guardedSafe("1.5.0");

  it("refuses a queued setModuleGuard that hands the module guard to a guard refusing the queue: the queue would be lost", async function () {
    // A second TreasuryGuard (e.g. the next version, installed module guard first) judges the first guard's queued
    // executions as any module's: a Safe self-call is Delayed for it, so with the first guard still the transaction
    // guard no delayed transaction, its own removal included, could ever run again.
    const f = await loadFixture(fixture);
    const next = await ethers.deployContract("TreasuryGuard");
    const nextAddress = await next.getAddress();
    const { id, eta } = await queueTx(f, {
      to: f.safeAddress,
      data: safeIface.encodeFunctionData("setModuleGuard", [nextAddress]),
    });
    await time.increaseTo(eta);
    await expect(f.guard.execute(f.safeAddress, id))
      .to.be.revertedWithCustomError(f.guard, "QueueWouldBeLost")
      .withArgs(f.safeAddress, id);
    expect(await storedAddress(f.safeAddress, MODULE_GUARD_SLOT)).to.equal(f.guardAddress);
    expect(await f.guard.queueState(f.safeAddress, id)).to.equal(QueueState.Ready);
  });

  it("lets a queued setModuleGuard(0) through: modules go unguarded, but the queue keeps running", async function () {
    // The boundary of the rule above: no module guard refuses the guard's own module, so the queue survives.
    const f = await loadFixture(fixture);
    const unguard = await queueTx(f, {
      to: f.safeAddress,
      data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]),
    });
    const removal = await queueTx(f, {
      to: f.safeAddress,
      data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
    });
    await time.increaseTo(removal.eta);
    await (await f.guard.execute(f.safeAddress, unguard.id)).wait();
    expect(await storedAddress(f.safeAddress, MODULE_GUARD_SLOT)).to.equal(ZeroAddress);
    await (await f.guard.execute(f.safeAddress, removal.id)).wait();
    expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(ZeroAddress);
  });

  it("an opt-in to off-chain signatures dies with the guard's queued removal", async function () {
    const f = await loadFixture(fixture);
    const handler = await ethers.deployContract("TreasuryFallbackHandler", [f.guardAddress]);
    const setup = [
      { to: f.safeAddress, data: safeIface.encodeFunctionData("setFallbackHandler", [await handler.getAddress()]) },
      { to: f.guardAddress, data: f.guard.interface.encodeFunctionData("setOffchainSignatures", [true]) },
    ];
    const opted = await queueTx(f, guardBatch(setup, f.multiSendCallOnly));
    await time.increaseTo(opted.eta);
    await (await f.guard.execute(f.safeAddress, opted.id)).wait();
    const ours = await ethers.getContractAt("TreasuryFallbackHandler", f.safeAddress);
    const { chainId } = await ethers.provider.getNetwork();
    const domain = { chainId, verifyingContract: f.safeAddress };
    const types = { SafeMessage: [{ name: "message", type: "bytes" }] };
    const digest = ethers.id("an EIP-2612 permit digest");
    const message = coder.encode(["bytes32"], [digest]);
    const messageHash = ethers.TypedDataEncoder.hash(domain, types, { message });
    const signers = [...f.owners.slice(0, 2)].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const signatures = ethers.concat(
      await Promise.all(signers.map((o) => o.signTypedData(domain, types, { message }))),
    );
    expect(await ours["isValidSignature(bytes32,bytes)"](digest, signatures)).to.equal("0x1626ba7e");

    const removal = await queueTx(
      f,
      guardBatch(
        [
          { to: f.safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]) },
          { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) },
        ],
        f.multiSendCallOnly,
      ),
    );
    await time.increaseTo(removal.eta);
    await (await f.guard.execute(f.safeAddress, removal.id)).wait();
    // The guard still remembers the opt-in, but the handler believes it only from the Safe's installed guard.
    expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(true);
    await expect(ours["isValidSignature(bytes32,bytes)"](digest, signatures))
      .to.be.revertedWithCustomError(handler, "MessageNotSignedOnChain")
      .withArgs(f.safeAddress, messageHash);
    await expect(ours["isValidSignature(bytes,bytes)"](message, signatures))
      .to.be.revertedWithCustomError(handler, "MessageNotSignedOnChain")
      .withArgs(f.safeAddress, messageHash);
    expect(await f.safe.signedMessages(messageHash)).to.equal(0n);
  });

  it("a module cannot mark a message on chain (SignMessageLib) nor opt the Safe in to off-chain signatures", async function () {
    const f = await loadFixture(fixture);
    const message = coder.encode(["bytes32"], [ethers.id("permit digest")]);
    const lib = canonicalContract("1.5.0", "signMessageLib").address;
    // The hash SignMessageLib would mark: the Safe's SafeMessage hash of `message`.
    const safeHash = ethers.keccak256(
      ethers.concat([
        "0x1901",
        await f.safe.domainSeparator(),
        ethers.keccak256(
          coder.encode(["bytes32", "bytes32"], [ethers.id("SafeMessage(bytes message)"), ethers.keccak256(message)]),
        ),
      ]),
    );
    await expect(
      f.module.exec(f.safeAddress, lib, 0n, signMessageLib.encodeFunctionData("signMessage", [message]), DELEGATECALL),
    )
      .to.be.revertedWithCustomError(f.guard, "DelayRequired")
      .withArgs(Reason.SafeLibraryDelegateCall);
    expect(await f.safe.signedMessages(safeHash)).to.equal(0n);
    await expect(
      f.module.exec(
        f.safeAddress,
        f.guardAddress,
        0n,
        f.guard.interface.encodeFunctionData("setOffchainSignatures", [true]),
        0,
      ),
    )
      .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
      .withArgs(Reason.GuardCall);
    expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(false);
  });
});

async function spendFixture(version: SafeVersion, saltNonce: bigint) {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const [delegate, recipient, stranger, relayer] = signers.slice(13, 17);
  const module = await ethers.deployContract("SpendingLimitModule");
  const moduleAddress = await module.getAddress();
  const token = await ethers.deployContract("TestERC20");
  const tokenAddress = await token.getAddress();
  const s = await moduleSafe(version, owners, 2, saltNonce);
  await (await token.mint(s.safeAddress, parseEther("10000"))).wait();
  const m = module.interface;
  const setAllowance = (asset: string, amount: bigint) =>
    s.exec({ to: moduleAddress, data: m.encodeFunctionData("setAllowance", [delegate.address, asset, amount]) });
  await (
    await s.exec(
      batch(
        [
          { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [moduleAddress]) },
          { to: moduleAddress, data: m.encodeFunctionData("setAllowance", [delegate.address, ETH, parseEther("2")]) },
          {
            to: moduleAddress,
            data: m.encodeFunctionData("setAllowance", [delegate.address, tokenAddress, parseEther("1000")]),
          },
          {
            to: moduleAddress,
            data: m.encodeFunctionData("setRecipient", [delegate.address, recipient.address, true]),
          },
          { to: moduleAddress, data: m.encodeFunctionData("setRecipient", [delegate.address, stranger.address, true]) },
        ],
        version,
      ),
    )
  ).wait();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = spendDomain(moduleAddress, chainId);
  const sign = async (v: { asset: string; to?: string; amount: bigint; deadline: bigint; nonce?: bigint }) => {
    const nonce = v.nonce ?? (await module.getNonce(s.safeAddress, delegate.address, v.asset));
    const { r, vs } = await signSpend(delegate, domain, {
      safe: s.safeAddress,
      delegate: delegate.address,
      asset: v.asset,
      to: v.to ?? recipient.address,
      amount: v.amount,
      nonce,
      deadline: v.deadline,
    });
    return { r, vs, nonce };
  };
  return {
    module,
    moduleAddress,
    token,
    tokenAddress,
    delegate,
    recipient,
    stranger,
    relayer,
    ...s,
    sign,
    setAllowance,
  };
}

for (const version of SAFE_VERSIONS) {
  describe(`contracts review: SpendingLimitModule relayed spends (Safe ${version})`, function () {
    hermetic();
    const fixture = () => spendFixture(version, version === "1.5.0" ? 0x5e71_e150n : 0x5e71_e141n);

    it("binds asset, recipient and amount: a signature for one spend pays nothing else", async function () {
      const f = await loadFixture(fixture);
      const deadline = BigInt(await time.latest()) + HOUR;
      const amount = parseEther("0.5");
      const { r, vs } = await f.sign({ asset: ETH, amount, deadline });
      const relay = (asset: string, to: string, value: bigint) =>
        f.module
          .connect(f.relayer)
          .spendWithSignature(f.safeAddress, f.delegate.address, asset, to, value, deadline, r, vs);
      const ethBefore = await ethers.provider.getBalance(f.safeAddress);
      const tokenBefore = await f.token.balanceOf(f.safeAddress);
      // Both windows are fresh, so their nonces coincide (0): only the signed struct keeps the asset apart.
      expect(await f.module.getNonce(f.safeAddress, f.delegate.address, f.tokenAddress)).to.equal(0n);
      for (const [asset, to, value] of [
        [f.tokenAddress, f.recipient.address, amount],
        [ETH, f.stranger.address, amount],
        [ETH, f.recipient.address, amount + 1n],
        [ETH, f.recipient.address, amount - 1n],
      ] as const) {
        await expect(relay(asset, to, value))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
      }
      await expect(
        f.module
          .connect(f.relayer)
          .spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            ETH,
            f.recipient.address,
            amount,
            deadline + 1n,
            r,
            vs,
          ),
      )
        .to.be.revertedWithCustomError(f.module, "InvalidSignature")
        .withArgs(f.delegate.address, anyValue);
      expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(ethBefore);
      expect(await f.token.balanceOf(f.safeAddress)).to.equal(tokenBefore);
      expect(await f.module.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal(0n);
      // The genuine spend still runs.
      await expect(relay(ETH, f.recipient.address, amount)).to.changeEtherBalances(
        [f.safeAddress, f.recipient],
        [-amount, amount],
      );
    });

    it("refuses the malleated (high-s) twin of a compact signature, which then still runs once", async function () {
      const f = await loadFixture(fixture);
      const deadline = BigInt(await time.latest()) + HOUR;
      const amount = 7n;
      const { r, vs } = await f.sign({ asset: f.tokenAddress, amount, deadline });
      const sig = Signature.from({ r, yParityAndS: vs });
      const twinS = SECP256K1_N - BigInt(sig.s);
      const twinVs = toBeHex((BigInt(1 - sig.yParity) << 255n) | twinS, 32);
      // The twin recovers the same address with plain ecrecover: it is a real malleation.
      const digest = await f.module.getSpendHash(
        f.safeAddress,
        f.delegate.address,
        f.tokenAddress,
        f.recipient.address,
        amount,
        0n,
        deadline,
      );
      const recovered = await ethers.provider.call({
        to: "0x0000000000000000000000000000000000000001",
        data: coder.encode(
          ["bytes32", "uint8", "bytes32", "bytes32"],
          [digest, 27 + (1 - sig.yParity), r, toBeHex(twinS, 32)],
        ),
      });
      expect(coder.decode(["address"], recovered)[0]).to.equal(f.delegate.address);
      const relay = (signatureVs: string) =>
        f.module
          .connect(f.relayer)
          .spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            f.tokenAddress,
            f.recipient.address,
            amount,
            deadline,
            r,
            signatureVs,
          );
      // High s: refused by tryRecover, or (s >= 2^255, nearly always) not even expressible in the compact form,
      // whose top bit is the parity: either way not the delegate.
      await expect(relay(twinVs))
        .to.be.revertedWithCustomError(f.module, "InvalidSignature")
        .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
      expect(await f.token.balanceOf(f.recipient.address)).to.equal(0n);
      await (await relay(vs)).wait();
      expect(await f.token.balanceOf(f.recipient.address)).to.equal(amount);
      await expect(relay(vs))
        .to.be.revertedWithCustomError(f.module, "InvalidSignature")
        .withArgs(f.delegate.address, anyValue);
      // High s: refused by tryRecover, or (s >= 2^255, nearly always) not even expressible in the compact form,
      // whose top bit is the parity: either way not the delegate.
      await expect(relay(twinVs))
        .to.be.revertedWithCustomError(f.module, "InvalidSignature")
        .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
      expect(await f.token.balanceOf(f.recipient.address)).to.equal(amount);
    });

    it("a relayer starving the call of gas never burns the signature without the transfer", async function () {
      const f = await loadFixture(fixture);
      const deadline = BigInt(await time.latest()) + HOUR;
      const amount = 11n;
      const { r, vs, nonce } = await f.sign({ asset: f.tokenAddress, amount, deadline });
      const args = [
        f.safeAddress,
        f.delegate.address,
        f.tokenAddress,
        f.recipient.address,
        amount,
        deadline,
        r,
        vs,
      ] as const;
      const needed = await f.module.connect(f.relayer).spendWithSignature.estimateGas(...args);
      // Below the estimate, step by step down to where the call cannot even reach the Safe: every refused attempt
      // leaves the nonce and the balances as they were.
      for (let gasLimit = needed - 1n; gasLimit > needed - 12_000n; gasLimit -= 97n) {
        try {
          await (await f.module.connect(f.relayer).spendWithSignature(...args, { gasLimit })).wait();
        } catch {
          // refused for lack of gas
        }
        const moved = await f.token.balanceOf(f.recipient.address);
        const now = await f.module.getNonce(f.safeAddress, f.delegate.address, f.tokenAddress);
        if (moved === 0n) {
          expect(now, `gas ${gasLimit}`).to.equal(nonce);
        } else {
          // Enough gas after all (the estimate has slack): the spend ran in full, exactly once.
          expect(moved).to.equal(amount);
          expect(now).to.not.equal(nonce);
          return;
        }
      }
      await (await f.module.connect(f.relayer).spendWithSignature(...args)).wait();
      expect(await f.token.balanceOf(f.recipient.address)).to.equal(amount);
    });

    it("the relay nonce never returns to a value, and a signature runs at most once, over random histories", async function () {
      const f = await loadFixture(fixture);
      const base = await takeSnapshot();
      const op = fc.oneof(
        fc.record({ kind: fc.constant("spend" as const), amount: fc.bigInt({ min: 1n, max: 3n }) }),
        fc.record({ kind: fc.constant("relay" as const), amount: fc.bigInt({ min: 1n, max: 3n }) }),
        fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 30 * 3600 }) }),
        fc.record({ kind: fc.constant("invalidate" as const) }),
        fc.record({ kind: fc.constant("revokeRegrant" as const) }),
        fc.record({ kind: fc.constant("setAllowance" as const), amount: fc.bigInt({ min: 10n, max: 20n }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 7 }), async (ops) => {
          await base.restore();
          const asset = f.tokenAddress;
          await (await f.setAllowance(asset, 20n)).wait();
          const seen = new Set<bigint>();
          let nonce = await f.module.getNonce(f.safeAddress, f.delegate.address, asset);
          seen.add(nonce);
          const deadline = BigInt(await time.latest()) + 400n * DAY;
          // A signature made at every nonce: each may run once, and only at its own nonce.
          const pending: { r: string; vs: string }[] = [];
          const stale = async () => {
            for (const p of pending) {
              await expect(
                f.module
                  .connect(f.relayer)
                  .spendWithSignature(
                    f.safeAddress,
                    f.delegate.address,
                    asset,
                    f.recipient.address,
                    1n,
                    deadline,
                    p.r,
                    p.vs,
                  ),
              )
                .to.be.revertedWithCustomError(f.module, "InvalidSignature")
                .withArgs(f.delegate.address, anyValue);
            }
          };
          for (const o of ops) {
            const sig = await f.sign({ asset, amount: 1n, deadline });
            const before = await f.token.balanceOf(f.recipient.address);
            let changes = true;
            if (o.kind === "spend" || o.kind === "relay") {
              const [, , available] = await f.module.getAllowance(f.safeAddress, f.delegate.address, asset);
              if (available < o.amount) continue;
              if (o.kind === "spend") {
                await (
                  await f.module.connect(f.delegate).spend(f.safeAddress, asset, f.recipient.address, o.amount)
                ).wait();
              } else {
                const s = await f.sign({ asset, amount: o.amount, deadline });
                await (
                  await f.module
                    .connect(f.relayer)
                    .spendWithSignature(
                      f.safeAddress,
                      f.delegate.address,
                      asset,
                      f.recipient.address,
                      o.amount,
                      deadline,
                      s.r,
                      s.vs,
                    )
                ).wait();
              }
              expect(await f.token.balanceOf(f.recipient.address)).to.equal(before + o.amount);
            } else if (o.kind === "wait") {
              await time.increase(o.seconds);
              changes = false;
            } else if (o.kind === "invalidate") {
              await (await f.module.connect(f.delegate).invalidateSignatures(f.safeAddress, asset)).wait();
            } else if (o.kind === "revokeRegrant") {
              await (await f.setAllowance(asset, 0n)).wait();
              await (await f.setAllowance(asset, 20n)).wait();
            } else {
              await (await f.setAllowance(asset, o.amount)).wait();
              changes = false;
            }
            const next = await f.module.getNonce(f.safeAddress, f.delegate.address, asset);
            if (changes) {
              expect(seen.has(next), `nonce ${next} repeats after ${o.kind}`).to.equal(false);
              seen.add(next);
              pending.push({ r: sig.r, vs: sig.vs });
            } else {
              expect(next).to.equal(nonce);
            }
            nonce = next;
            await stale();
          }
        }),
        { numRuns: 6 },
      );
      await base.restore();
    });
  });
}
