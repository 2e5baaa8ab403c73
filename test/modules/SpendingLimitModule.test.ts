import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, keccak256, parseEther, toBeHex, toUtf8Bytes, ZeroAddress } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import { signSpend as signCompact, spendDomain, SPEND_TYPES } from "../../lib/modules/spend";
import { revertData } from "../../lib/revert";
import type { SafeVersion } from "../../lib/safe/canonical";
import { batch } from "../fixtures/batch";
import { DAY, HOUR, SAFE_VERSIONS, safeIface } from "../fixtures/constants";
import { hermetic } from "../fixtures/hermetic";
import { moduleSafe } from "../fixtures/modules";

const ETH = ZeroAddress;
const ETH_ALLOWANCE = parseEther("2");
const TOKEN_ALLOWANCE = parseEther("1000");
// @gas regression bounds (Safe 1.5.0 figures plus a little; see the @gas test).
const GAS_SAME_HOUR = 63_900n;
const GAS_RELAYED_SAME_HOUR = 69_100n;
// Safe's AllowanceModule 0.1.1, the same transfers on Safe 1.5.0 (fixed reference figures, docs/benchmarks.md).
const ALLOWANCE_MODULE_ERC20 = 69_664n;
const ALLOWANCE_MODULE_RELAYED_ERC20 = 74_560n;

async function spendingFixture(version: SafeVersion, saltNonce: bigint) {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 2);
  const [delegate, recipient, stranger, relayer] = signers.slice(3, 7);
  const module = await ethers.deployContract("SpendingLimitModule");
  const moduleAddress = await module.getAddress();
  const token = await ethers.deployContract("TestERC20");
  const noReturn = await ethers.deployContract("MockBadTokenNoReturn");
  const returnsFalse = await ethers.deployContract("MockBadTokenReturnsFalse");
  const shortReturn = await ethers.deployContract("MockBadTokenShortReturn");
  const tokens = {
    token: await token.getAddress(),
    noReturn: await noReturn.getAddress(),
    returnsFalse: await returnsFalse.getAddress(),
    shortReturn: await shortReturn.getAddress(),
  };
  const m = module.interface;

  // Two Safes granting the same delegate the same allowances (replay across Safes must fail).
  const install = async (saltOffset: bigint) => {
    const s = await moduleSafe(version, owners, 2, saltNonce + saltOffset);
    for (const t of [token, noReturn, returnsFalse, shortReturn])
      await (await t.mint(s.safeAddress, parseEther("10000"))).wait();
    await (
      await s.exec(
        batch(
          [
            { to: s.safeAddress, data: safeIface.encodeFunctionData("enableModule", [moduleAddress]) },
            { to: moduleAddress, data: m.encodeFunctionData("setAllowance", [delegate.address, ETH, ETH_ALLOWANCE]) },
            ...Object.values(tokens).map((t) => ({
              to: moduleAddress,
              data: m.encodeFunctionData("setAllowance", [delegate.address, t, TOKEN_ALLOWANCE]),
            })),
            {
              to: moduleAddress,
              data: m.encodeFunctionData("setRecipient", [delegate.address, recipient.address, true]),
            },
          ],
          version,
        ),
      )
    ).wait();
    return s;
  };
  const a = await install(0n);
  const b = await install(1n);

  const { chainId } = await ethers.provider.getNetwork();
  const domain = spendDomain(moduleAddress, chainId);
  /** The delegate's EIP-2098 compact signature `[r, vs]`, by default at the window's current nonce. */
  const signSpend = async (
    signer: Signer,
    v: { safe?: string; asset?: string; to?: string; amount: bigint; nonce?: bigint; deadline: bigint },
    d: typeof domain = domain,
  ): Promise<[string, string]> => {
    const safe = v.safe ?? a.safeAddress;
    const asset = v.asset ?? ETH;
    const { r, vs } = await signCompact(signer, d, {
      safe,
      delegate: await signer.getAddress(),
      asset,
      to: v.to ?? recipient.address,
      amount: v.amount,
      nonce: v.nonce ?? (await module.getNonce(safe, await signer.getAddress(), asset)),
      deadline: v.deadline,
    });
    return [r, vs];
  };
  return {
    version,
    module,
    moduleAddress,
    token,
    noReturn,
    returnsFalse,
    shortReturn,
    tokens,
    owners,
    delegate,
    recipient,
    stranger,
    relayer,
    safe: a.safe,
    safeAddress: a.safeAddress,
    exec: a.exec,
    other: b,
    domain,
    signSpend,
  };
}

for (const version of SAFE_VERSIONS) {
  describe(`SpendingLimitModule (Safe ${version})`, function () {
    hermetic();
    const fixture = () => spendingFixture(version, version === "1.5.0" ? 0x5bed_0150n : 0x5bed_0141n);

    describe("configuration", function () {
      it("records allowances and recipients per Safe and delegate", async function () {
        const f = await loadFixture(fixture);
        const [allowance, spent, available, nextIncreaseAt] = await f.module.getAllowance(
          f.safeAddress,
          f.delegate.address,
          ETH,
        );
        expect([allowance, spent, available, nextIncreaseAt]).to.deep.equal([ETH_ALLOWANCE, 0n, ETH_ALLOWANCE, 0n]);
        expect(await f.module.isRecipient(f.safeAddress, f.delegate.address, f.recipient.address)).to.equal(true);
        expect(await f.module.isRecipient(f.safeAddress, f.stranger.address, f.recipient.address)).to.equal(false);
      });

      it("refuses configuration from anything but a Safe with the module enabled", async function () {
        const f = await loadFixture(fixture);
        await expect(f.module.connect(f.delegate).setAllowance(f.delegate.address, ETH, parseEther("100")))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(f.delegate.address);
        await expect(f.module.connect(f.delegate).setRecipient(f.delegate.address, f.stranger.address, true))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(f.delegate.address);
        await expect(f.module.connect(f.delegate).setRecipientRegistry(f.stranger.address))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(f.delegate.address);
        expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, ETH))[0]).to.equal(ETH_ALLOWANCE);
      });

      it("stores allowances rounded down to a 29-bit decimal mantissa and reports the effective value", async function () {
        const f = await loadFixture(fixture);
        const set = (amount: bigint) =>
          f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setAllowance", [f.delegate.address, f.tokens.token, amount]),
          });
        const cases: [bigint, bigint][] = [
          [1_234_567_890n, 1_234_567_890n],
          [536_870_911n, 536_870_911n],
          [98_765_432_101n, 98_765_432_000n],
          [parseEther("1.5"), parseEther("1.5")],
          [2n ** 96n - 1n, 79_228_162_000_000_000_000_000_000_000n],
          [2n ** 200n, 79_228_162_000_000_000_000_000_000_000n],
        ];
        let previous = TOKEN_ALLOWANCE;
        for (const [amount, effective] of cases) {
          await expect(set(amount))
            .to.emit(f.module, "AllowanceChanged")
            .withArgs(f.safeAddress, f.delegate.address, f.tokens.token, previous, effective);
          expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, f.tokens.token))[0]).to.equal(
            effective,
          );
          previous = effective;
        }
        await (await set(98_765_432_101n)).wait();
        await expect(
          f.module.connect(f.delegate).spend(f.safeAddress, f.tokens.token, f.recipient.address, 98_765_432_101n),
        )
          .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
          .withArgs(f.safeAddress, f.delegate.address, f.tokens.token, 98_765_432_101n, 98_765_432_000n);
      });

      it("refuses the zero delegate", async function () {
        const f = await loadFixture(fixture);
        await ethers.provider.send("hardhat_impersonateAccount", [f.safeAddress]);
        const asSafe = f.module.connect(await ethers.getSigner(f.safeAddress));
        await expect(asSafe.setAllowance(ZeroAddress, ETH, 1n))
          .to.be.revertedWithCustomError(f.module, "InvalidDelegate")
          .withArgs(ZeroAddress);
        await expect(asSafe.setRecipient(ZeroAddress, f.recipient.address, true))
          .to.be.revertedWithCustomError(f.module, "InvalidDelegate")
          .withArgs(ZeroAddress);
        await ethers.provider.send("hardhat_stopImpersonatingAccount", [f.safeAddress]);
      });
    });

    describe("direct spends", function () {
      it("spends 2 ETH, refuses 1 wei more until the window rolls, then spends again", async function () {
        const f = await loadFixture(fixture);
        const spend = (amount: bigint) =>
          f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, amount);
        const first = await spend(ETH_ALLOWANCE);
        await expect(first)
          .to.emit(f.module, "Spent")
          .withArgs(f.safeAddress, f.delegate.address, ETH, f.recipient.address, ETH_ALLOWANCE);
        await expect(first).to.changeEtherBalances([f.safe, f.recipient], [-ETH_ALLOWANCE, ETH_ALLOWANCE]);
        const spentAt = BigInt(await time.latest());
        await expect(spend(1n))
          .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
          .withArgs(f.safeAddress, f.delegate.address, ETH, 1n, 0n);
        await time.setNextBlockTimestamp(spentAt + DAY - 60n);
        const before = await ethers.provider.getBalance(f.safeAddress);
        await expect(spend(1n))
          .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
          .withArgs(f.safeAddress, f.delegate.address, ETH, 1n, 0n);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
        await time.setNextBlockTimestamp(spentAt + DAY + HOUR);
        await expect(spend(ETH_ALLOWANCE)).to.changeEtherBalance(f.recipient, ETH_ALLOWANCE);
      });

      it("refuses recipients not whitelisted for the delegate, and other callers", async function () {
        const f = await loadFixture(fixture);
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.stranger.address, 1n))
          .to.be.revertedWithCustomError(f.module, "RecipientNotAllowed")
          .withArgs(f.safeAddress, f.delegate.address, f.stranger.address);
        // The stranger has no allowance at all.
        await expect(f.module.connect(f.stranger).spend(f.safeAddress, ETH, f.recipient.address, 1n))
          .to.be.revertedWithCustomError(f.module, "UnknownDelegate")
          .withArgs(f.safeAddress, f.stranger.address);
        await expect(f.module.connect(f.stranger).spend(f.safeAddress, ETH, f.stranger.address, 1n))
          .to.be.revertedWithCustomError(f.module, "UnknownDelegate")
          .withArgs(f.safeAddress, f.stranger.address);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(parseEther("100"));
      });

      it("lowering and revoking take effect at once; history survives re-granting", async function () {
        const f = await loadFixture(fixture);
        const m = f.module.interface;
        await (
          await f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, parseEther("1"))
        ).wait();
        await expect(
          f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, parseEther("1.5")]),
          }),
        )
          .to.emit(f.module, "AllowanceChanged")
          .withArgs(f.safeAddress, f.delegate.address, ETH, ETH_ALLOWANCE, parseEther("1.5"));
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, parseEther("0.6")))
          .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
          .withArgs(f.safeAddress, f.delegate.address, ETH, parseEther("0.6"), parseEther("0.5"));
        await (
          await f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, 0n]),
          })
        ).wait();
        // The delegate keeps its token allowances: the ETH one is missing, not the delegate.
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, 1n))
          .to.be.revertedWithCustomError(f.module, "NoAllowance")
          .withArgs(f.safeAddress, f.delegate.address, ETH);
        await (
          await f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, ETH_ALLOWANCE]),
          })
        ).wait();
        const [, spent, available] = await f.module.getAllowance(f.safeAddress, f.delegate.address, ETH);
        expect([spent, available]).to.deep.equal([parseEther("1"), parseEther("1")]);
      });
    });

    describe("tightening-only setters", function () {
      it("lowerAllowance refuses to raise; removeRecipient removes", async function () {
        const f = await loadFixture(fixture);
        const m = f.module.interface;
        await ethers.provider.send("hardhat_impersonateAccount", [f.safeAddress]);
        const asSafe = f.module.connect(await ethers.getSigner(f.safeAddress));
        await expect(asSafe.lowerAllowance(f.delegate.address, ETH, 2n * ETH_ALLOWANCE))
          .to.be.revertedWithCustomError(f.module, "AllowanceNotLowered")
          .withArgs(f.safeAddress, f.delegate.address, ETH, ETH_ALLOWANCE, 2n * ETH_ALLOWANCE);
        // 1 wei more rounds down to the same effective allowance (9 significant digits): not a raise.
        await expect(asSafe.lowerAllowance(f.delegate.address, ETH, ETH_ALLOWANCE + 1n))
          .to.emit(f.module, "AllowanceChanged")
          .withArgs(f.safeAddress, f.delegate.address, ETH, ETH_ALLOWANCE, ETH_ALLOWANCE);
        await ethers.provider.send("hardhat_stopImpersonatingAccount", [f.safeAddress]);
        await expect(
          f.exec({ to: f.moduleAddress, data: m.encodeFunctionData("lowerAllowance", [f.delegate.address, ETH, 1n]) }),
        )
          .to.emit(f.module, "AllowanceChanged")
          .withArgs(f.safeAddress, f.delegate.address, ETH, ETH_ALLOWANCE, 1n);
        await expect(
          f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("removeRecipient", [f.delegate.address, f.recipient.address]),
          }),
        )
          .to.emit(f.module, "RecipientChanged")
          .withArgs(f.safeAddress, f.delegate.address, f.recipient.address, true, false);
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, 1n))
          .to.be.revertedWithCustomError(f.module, "RecipientNotAllowed")
          .withArgs(f.safeAddress, f.delegate.address, f.recipient.address);
        await expect(f.module.connect(f.delegate).lowerAllowance(f.delegate.address, ETH, 0n))
          .to.be.revertedWithCustomError(f.module, "ModuleNotEnabled")
          .withArgs(f.delegate.address);
      });
    });

    describe("relayed spends", function () {
      it("executes a delegate's EIP-712 signature once", async function () {
        const f = await loadFixture(fixture);
        const deadline = BigInt(await time.latest()) + HOUR;
        const amount = parseEther("0.5");
        const signature = await f.signSpend(f.delegate, { amount, deadline });
        // Never spent from: the window's nonce is 0.
        expect(await f.module.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal(0n);
        expect(
          await f.module.getSpendHash(f.safeAddress, f.delegate.address, ETH, f.recipient.address, amount, 0, deadline),
        ).to.equal(
          ethers.TypedDataEncoder.hash(f.domain, SPEND_TYPES, {
            safe: f.safeAddress,
            delegate: f.delegate.address,
            asset: ETH,
            to: f.recipient.address,
            amount,
            nonce: 0n,
            deadline,
          }),
        );
        const relay = () =>
          f.module
            .connect(f.relayer)
            .spendWithSignature(
              f.safeAddress,
              f.delegate.address,
              ETH,
              f.recipient.address,
              amount,
              deadline,
              ...signature,
            );
        const relayed = await relay();
        await expect(relayed).to.changeEtherBalances([f.safe, f.recipient], [-amount, amount]);
        await expect(relayed)
          .to.emit(f.module, "Spent")
          .withArgs(f.safeAddress, f.delegate.address, ETH, f.recipient.address, amount);
        // The nonce is the window's mark: hour << 96 | amount spent in that hour.
        const hour = BigInt(await time.latest()) / HOUR;
        expect(await f.module.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal((hour << 96n) | amount);
        const before = await ethers.provider.getBalance(f.safeAddress);
        await expect(relay())
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
      });

      it("cannot be reused on another Safe or chain, by another delegate, or after its deadline", async function () {
        const f = await loadFixture(fixture);
        const amount = parseEther("0.5");
        const deadline = BigInt(await time.latest()) + HOUR;
        const forSafeA = await f.signSpend(f.delegate, { amount, deadline });
        const otherChain = await f.signSpend(
          f.delegate,
          { amount, deadline, safe: f.other.safeAddress },
          { ...f.domain, chainId: 10n },
        );
        const relay = (safe: string, delegate: string, signature: [string, string], dl = deadline) =>
          f.module
            .connect(f.relayer)
            .spendWithSignature(safe, delegate, ETH, f.recipient.address, amount, dl, ...signature);
        await expect(relay(f.other.safeAddress, f.delegate.address, forSafeA))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        await expect(relay(f.other.safeAddress, f.delegate.address, otherChain))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        await expect(relay(f.safeAddress, f.stranger.address, forSafeA))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.stranger.address, anyValue);
        // A signature with a stale nonce.
        const staleNonce = await f.signSpend(f.delegate, { amount, deadline, nonce: 1n });
        await expect(relay(f.safeAddress, f.delegate.address, staleNonce))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        await time.setNextBlockTimestamp(deadline + 1n);
        await expect(relay(f.safeAddress, f.delegate.address, forSafeA))
          .to.be.revertedWithCustomError(f.module, "SignatureExpired")
          .withArgs(deadline, deadline + 1n);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(parseEther("100"));
        expect(await ethers.provider.getBalance(f.other.safeAddress)).to.equal(parseEther("100"));
      });

      it("refuses signatures ecrecover maps to the zero address", async function () {
        const f = await loadFixture(fixture);
        const deadline = BigInt(await time.latest()) + HOUR;
        const zero = ethers.ZeroHash;
        await expect(
          f.module.spendWithSignature(f.safeAddress, ZeroAddress, ETH, f.recipient.address, 1n, deadline, zero, zero),
        )
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(ZeroAddress, ZeroAddress);
      });

      it("revocation voids unexecuted signatures for good; lowering applies to them", async function () {
        const f = await loadFixture(fixture);
        const m = f.module.interface;
        const deadline = BigInt(await time.latest()) + DAY;
        const amount = parseEther("1.5");
        const signature = await f.signSpend(f.delegate, { amount, deadline });
        const relay = () =>
          f.module.spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            ETH,
            f.recipient.address,
            amount,
            deadline,
            ...signature,
          );
        await (
          await f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, parseEther("1")]),
          })
        ).wait();
        await expect(relay())
          .to.be.revertedWithCustomError(f.module, "AllowanceExceeded")
          .withArgs(f.safeAddress, f.delegate.address, ETH, amount, parseEther("1"));
        await (
          await f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, 0n]),
          })
        ).wait();
        await (
          await f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, ETH_ALLOWANCE]),
          })
        ).wait();
        await expect(relay())
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(parseEther("100"));
      });

      it("the delegate can void its own outstanding signatures", async function () {
        const f = await loadFixture(fixture);
        const deadline = BigInt(await time.latest()) + DAY;
        const signature = await f.signSpend(f.delegate, { amount: 1n, deadline });
        const forToken = await f.signSpend(f.delegate, { amount: 1n, deadline, asset: f.tokens.token });
        await expect(f.module.connect(f.delegate).invalidateSignatures(f.safeAddress, ETH))
          .to.emit(f.module, "SignaturesInvalidated")
          .withArgs(f.safeAddress, f.delegate.address, ETH, 0n, 1n << 128n);
        expect(await f.module.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal(1n << 128n);
        const relay = (asset: string, sig: [string, string]) =>
          f.module.spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            asset,
            f.recipient.address,
            1n,
            deadline,
            ...sig,
          );
        await expect(relay(ETH, signature))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(parseEther("100"));
        // Per window: the token signature still runs; a fresh ETH one (at the new nonce) too.
        await expect(relay(f.tokens.token, forToken)).to.changeTokenBalance(f.token, f.recipient, 1n);
        await expect(relay(ETH, await f.signSpend(f.delegate, { amount: 1n, deadline }))).to.changeEtherBalance(
          f.recipient,
          1n,
        );
      });
    });

    describe("relayed spends: the assembly signature check (review of dd08a2a)", function () {
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const HALF_N = N / 2n; // 0x7fff...5d576e7357a4501ddfe92f46681b20a0, OpenZeppelin's high-s bound
      const TOP = 1n << 255n;
      const coder = AbiCoder.defaultAbiCoder();
      type F = Awaited<ReturnType<typeof spendingFixture>>;

      /** Plain ecrecover (the precompile): the zero address when it returns nothing. */
      const ecrecover = async (digest: string, v: bigint, r: bigint, s: bigint) => {
        const out = await ethers.provider.call({
          to: "0x0000000000000000000000000000000000000001",
          data: coder.encode(["bytes32", "uint256", "uint256", "uint256"], [digest, v, r, s]),
        });
        return out === "0x" ? ZeroAddress : (coder.decode(["address"], out)[0] as string);
      };
      /** OpenZeppelin's ECDSA.tryRecover(digest, r, vs), the zero address standing for every error. */
      const tryRecover = async (digest: string, r: bigint, vs: bigint) => {
        const s = vs & (TOP - 1n);
        if (s > HALF_N) return ZeroAddress;
        return ecrecover(digest, 27n + (vs >> 255n), r, s);
      };
      /** A relayed 0.5 ETH spend signed at the window's nonce, its EIP-712 digest and its calldata. */
      const signed = async (f: F) => {
        const deadline = BigInt(await time.latest()) + HOUR;
        const amount = parseEther("0.5");
        const [r, vs] = await f.signSpend(f.delegate, { amount, deadline });
        const nonce = await f.module.getNonce(f.safeAddress, f.delegate.address, ETH);
        const digest = ethers.TypedDataEncoder.hash(f.domain, SPEND_TYPES, {
          safe: f.safeAddress,
          delegate: f.delegate.address,
          asset: ETH,
          to: f.recipient.address,
          amount,
          nonce,
          deadline,
        });
        // bytes32 words as ethers encodes them (r and vs may be any 256-bit number here).
        const word = (x: bigint | string) => (typeof x === "string" ? x : toBeHex(x, 32));
        const args = (sigR: bigint | string, sigVs: bigint | string) =>
          [
            f.safeAddress,
            f.delegate.address,
            ETH,
            f.recipient.address,
            amount,
            deadline,
            word(sigR),
            word(sigVs),
          ] as const;
        const calldata = (sigR: bigint | string = r, sigVs: bigint | string = vs) =>
          f.module.interface.encodeFunctionData("spendWithSignature", [...args(sigR, sigVs)]);
        return { deadline, amount, r: BigInt(r), vs: BigInt(vs), nonce, digest, args, calldata };
      };
      /** Everything a refused relay must leave as it was. */
      const stateOf = async (f: F) => ({
        safe: await ethers.provider.getBalance(f.safeAddress),
        recipient: await ethers.provider.getBalance(f.recipient.address),
        window: [...(await f.module.getAllowance(f.safeAddress, f.delegate.address, ETH))],
        nonce: await f.module.getNonce(f.safeAddress, f.delegate.address, ETH),
      });
      const invalid = (f: F, signer: string) =>
        f.module.interface.encodeErrorResult("InvalidSignature", [f.delegate.address, signer]);
      /** The revert data of an eth_call of `data` to the module from the relayer. */
      const revertOf = async (f: F, data: string) => {
        try {
          await ethers.provider.call({ from: f.relayer.address, to: f.moduleAddress, data });
        } catch (error) {
          return revertData(error) ?? "0x";
        }
        throw new Error("the call did not revert");
      };

      it("recovers exactly like ECDSA.tryRecover(digest, r, vs) over edge and random signatures (differential)", async function () {
        const f = await loadFixture(fixture);
        const sig = await signed(f);
        const s0 = sig.vs & (TOP - 1n);
        const before = await stateOf(f);
        const word = fc.bigInt(0n, (1n << 256n) - 1n);
        const r = fc.oneof(fc.constantFrom(0n, 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n, sig.r), word);
        const s = fc.oneof(
          fc.constantFrom(0n, 1n, HALF_N - 1n, HALF_N, HALF_N + 1n, TOP - 1n, s0, (N - s0) & (TOP - 1n)),
          fc.bigInt(0n, TOP - 1n),
        );
        let seenHigh = false;
        let seenRecovered = false;
        await fc.assert(
          fc.asyncProperty(r, s, fc.boolean(), async (sigR, sigS, parity) => {
            const vs = (parity ? TOP : 0n) | sigS;
            if (sigR === sig.r && vs === sig.vs) return; // the genuine signature, run below
            const expected = await tryRecover(sig.digest, sigR, vs);
            if (sigS > HALF_N) seenHigh = true;
            if (expected !== ZeroAddress) seenRecovered = true;
            expect(expected).to.not.equal(f.delegate.address);
            expect(await revertOf(f, sig.calldata(sigR, vs)), `r ${sigR} vs ${vs}`).to.equal(invalid(f, expected));
          }),
          { numRuns: 150 },
        );
        expect(seenHigh && seenRecovered).to.equal(true);
        // The genuine signature with the other parity bit: v comes from the top bit of vs.
        const flipped = sig.vs ^ TOP;
        const other = await ecrecover(sig.digest, 27n + (flipped >> 255n), sig.r, s0);
        expect(other).to.not.equal(ZeroAddress);
        await expect(f.module.connect(f.relayer).spendWithSignature(...sig.args(sig.r, flipped)))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, other);
        expect(await stateOf(f)).to.deep.equal(before);
        await expect(f.module.connect(f.relayer).spendWithSignature(...sig.args(sig.r, sig.vs))).to.changeEtherBalances(
          [f.safeAddress, f.recipient],
          [-sig.amount, sig.amount],
        );
      });

      it("refuses s one above half the order although ecrecover recovers an address from it", async function () {
        const f = await loadFixture(fixture);
        const sig = await signed(f);
        const before = await stateOf(f);
        for (const parity of [0n, 1n]) {
          // At the bound the precompile runs: the module names the address it recovers.
          const atBound = await ecrecover(sig.digest, 27n + parity, sig.r, HALF_N);
          expect(atBound).to.not.equal(ZeroAddress);
          await expect(f.module.connect(f.relayer).spendWithSignature(...sig.args(sig.r, (parity << 255n) | HALF_N)))
            .to.be.revertedWithCustomError(f.module, "InvalidSignature")
            .withArgs(f.delegate.address, atBound);
          // One above: ecrecover alone would give an address, the high-s check gives none.
          expect(await ecrecover(sig.digest, 27n + parity, sig.r, HALF_N + 1n)).to.not.equal(ZeroAddress);
          await expect(
            f.module.connect(f.relayer).spendWithSignature(...sig.args(sig.r, (parity << 255n) | (HALF_N + 1n))),
          )
            .to.be.revertedWithCustomError(f.module, "InvalidSignature")
            .withArgs(f.delegate.address, ZeroAddress);
        }
        // r = 0 and s = 0, each with the genuine other half: the precompile recovers nobody.
        for (const [r, vs] of [
          [0n, sig.vs],
          [sig.r, sig.vs & TOP],
        ]) {
          await expect(f.module.connect(f.relayer).spendWithSignature(...sig.args(r, vs)))
            .to.be.revertedWithCustomError(f.module, "InvalidSignature")
            .withArgs(f.delegate.address, ZeroAddress);
        }
        expect(await stateOf(f)).to.deep.equal(before);
      });

      it("binds the module and the chain: a signature for another module or chain id pays nothing", async function () {
        const f = await loadFixture(fixture);
        // A second module on the same Safe, with the same allowance and recipient (same window state, nonce 0).
        const twin = await ethers.deployContract("SpendingLimitModule");
        const twinAddress = await twin.getAddress();
        const m = twin.interface;
        await (
          await f.exec(
            batch(
              [
                { to: f.safeAddress, data: safeIface.encodeFunctionData("enableModule", [twinAddress]) },
                {
                  to: twinAddress,
                  data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, ETH_ALLOWANCE]),
                },
                {
                  to: twinAddress,
                  data: m.encodeFunctionData("setRecipient", [f.delegate.address, f.recipient.address, true]),
                },
              ],
              version,
            ),
          )
        ).wait();
        const sig = await signed(f);
        expect(await twin.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal(sig.nonce);
        const { chainId } = await ethers.provider.getNetwork();
        const twinDomain = spendDomain(twinAddress, chainId);
        const forTwin = await f.signSpend(f.delegate, { amount: sig.amount, deadline: sig.deadline }, twinDomain);
        const otherChain = await f.signSpend(
          f.delegate,
          { amount: sig.amount, deadline: sig.deadline },
          { ...twinDomain, chainId: chainId + 1n },
        );
        const before = await stateOf(f);
        const relay = (target: typeof twin, signature: readonly [string, string] | [bigint, bigint]) =>
          target.connect(f.relayer).spendWithSignature(...sig.args(signature[0], signature[1]));
        await expect(relay(twin, [sig.r, sig.vs]))
          .to.be.revertedWithCustomError(twin, "InvalidSignature")
          .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
        await expect(relay(twin, otherChain))
          .to.be.revertedWithCustomError(twin, "InvalidSignature")
          .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
        await expect(relay(f.module, forTwin))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
        expect(await stateOf(f)).to.deep.equal(before);
        expect(await twin.getNonce(f.safeAddress, f.delegate.address, ETH)).to.equal(sig.nonce);
        // Each runs on its own module.
        await expect(relay(twin, forTwin)).to.changeEtherBalance(f.recipient, sig.amount);
        await expect(relay(f.module, [sig.r, sig.vs])).to.changeEtherBalance(f.recipient, sig.amount);
      });

      it("hashes the signed words at fixed calldata offsets: short or dirty calldata reverts, trailing bytes are ignored", async function () {
        const f = await loadFixture(fixture);
        const sig = await signed(f);
        const data = sig.calldata();
        const before = await stateOf(f);
        const send = (d: string) => f.relayer.sendTransaction({ to: f.moduleAddress, data: d });
        // One byte or one word short (the ABI decoder refuses it before anything is read).
        await expect(send(data.slice(0, -2))).to.be.revertedWithoutReason();
        await expect(send(data.slice(0, -64))).to.be.revertedWithoutReason();
        // Dirty upper bits in each address word (safe, delegate, asset, to: the words hashed from calldata).
        for (let word = 0; word < 4; word++) {
          const at = 10 + word * 64;
          const dirty = `${data.slice(0, at)}01${data.slice(at + 2)}`;
          await expect(send(dirty), `word ${word}`).to.be.revertedWithoutReason();
        }
        expect(await stateOf(f)).to.deep.equal(before);
        // Bytes after the arguments change nothing: the signature runs once, with them.
        const padded = `${data}${"ab".repeat(37)}`;
        await expect(send(padded)).to.changeEtherBalances([f.safeAddress, f.recipient], [-sig.amount, sig.amount]);
        await expect(send(padded))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, (signer: string) => signer !== f.delegate.address);
      });
    });

    describe("the relay nonce lives in the window", function () {
      it("any spend of the window, direct or relayed, voids its outstanding signatures; other windows keep theirs", async function () {
        const f = await loadFixture(fixture);
        const deadline = BigInt(await time.latest()) + DAY;
        const forEth = await f.signSpend(f.delegate, { amount: 7n, deadline });
        const forToken = await f.signSpend(f.delegate, { amount: 7n, deadline, asset: f.tokens.token });
        const relay = (asset: string, sig: [string, string]) =>
          f.module.spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            asset,
            f.recipient.address,
            7n,
            deadline,
            ...sig,
          );
        const before = await f.module.getNonce(f.safeAddress, f.delegate.address, ETH);
        await (await f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, 1n)).wait();
        expect(await f.module.getNonce(f.safeAddress, f.delegate.address, ETH)).to.be.greaterThan(before);
        await expect(relay(ETH, forEth))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        // Signed for the token window, run against the ETH window: the struct binds the asset.
        await expect(
          f.module.spendWithSignature(
            f.safeAddress,
            f.delegate.address,
            ETH,
            f.recipient.address,
            7n,
            deadline,
            ...forToken,
          ),
        )
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
        await expect(relay(f.tokens.token, forToken)).to.changeTokenBalance(f.token, f.recipient, 7n);
        await expect(relay(f.tokens.token, forToken))
          .to.be.revertedWithCustomError(f.module, "InvalidSignature")
          .withArgs(f.delegate.address, anyValue);
      });

      it("never repeats a value across spends, hours, allowance changes, revocations and invalidations", async function () {
        const f = await loadFixture(fixture);
        const m = f.module.interface;
        const seen = new Set<bigint>();
        const record = async (expectChange: boolean) => {
          const nonce = await f.module.getNonce(f.safeAddress, f.delegate.address, ETH);
          if (expectChange) {
            expect(seen.has(nonce), `nonce ${nonce} repeated`).to.equal(false);
            seen.add(nonce);
          } else expect(seen.has(nonce)).to.equal(true);
        };
        const setAllowance = (amount: bigint) =>
          f.exec({
            to: f.moduleAddress,
            data: m.encodeFunctionData("setAllowance", [f.delegate.address, ETH, amount]),
          });
        const spend = (amount: bigint) =>
          f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, amount);
        await record(true);
        await (await spend(1n)).wait();
        await record(true);
        await (await spend(1n)).wait();
        await record(true);
        // Raising or lowering keeps the nonce (signatures are checked against the allowance in force)...
        await (await setAllowance(ETH_ALLOWANCE + 1n)).wait();
        await record(false);
        // ...revoking changes it, and re-granting does not bring the old value back.
        await expect(setAllowance(0n)).to.emit(f.module, "SignaturesInvalidated");
        await record(true);
        await (await setAllowance(ETH_ALLOWANCE)).wait();
        await record(false);
        await (await spend(1n)).wait();
        await record(true);
        await (await f.module.connect(f.delegate).invalidateSignatures(f.safeAddress, ETH)).wait();
        await record(true);
        await time.increase(HOUR);
        await (await spend(1n)).wait();
        await record(true);
        await time.increase(2n * DAY);
        await (await spend(1n)).wait();
        await record(true);
        await (await f.module.connect(f.delegate).invalidateSignatures(f.safeAddress, ETH)).wait();
        await record(true);
      });

      it("stores windows and recipient flags at the documented single-keccak slots", async function () {
        const f = await loadFixture(fixture);
        const coder = AbiCoder.defaultAbiCoder();
        const slot = (name: string, a: string, b: string, c: string) =>
          keccak256(
            coder.encode(
              ["address", "address", "address", "bytes32"],
              [a, b, c, keccak256(toUtf8Bytes(`SpendingLimitModule.${name}`))],
            ),
          );
        const header = BigInt(
          await ethers.provider.getStorage(f.moduleAddress, slot("windows", f.safeAddress, f.delegate.address, ETH)),
        );
        // extra (bits 221..255): mantissa (29 bits) | exponent << 29; 2 ETH = 200,000,000 * 10^10.
        expect((header >> 221n) & ((1n << 29n) - 1n)).to.equal(200_000_000n);
        expect((header >> 250n) & 31n).to.equal(10n);
        const flag = await ethers.provider.getStorage(
          f.moduleAddress,
          slot("recipients", f.safeAddress, f.delegate.address, f.recipient.address),
        );
        expect(BigInt(flag)).to.equal(1n);
      });
    });

    describe("zero amounts, unknown delegates and assets without an allowance (attack path 7)", function () {
      async function withRecorder() {
        const f = await spendingFixture(version, version === "1.5.0" ? 0x5bed_0250n : 0x5bed_0241n);
        // An arbitrary contract answering `true` to any call: the Safe must never be made to call it.
        const recorder = await ethers.deployContract("CallRecorder");
        return { ...f, recorder, recorderAddress: await recorder.getAddress() };
      }
      type F = Awaited<ReturnType<typeof withRecorder>>;
      // Everything a refused spend must leave untouched.
      const snapshotOf = async (f: F, delegate: string) => ({
        eth: await ethers.provider.getBalance(f.safeAddress),
        token: await f.token.balanceOf(f.safeAddress),
        calls: await f.recorder.calls(),
        windows: await Promise.all(
          [ETH, f.tokens.token, f.recorderAddress].map(async (asset) => [
            ...(await f.module.getAllowance(f.safeAddress, delegate, asset)),
            await f.module.getNonce(f.safeAddress, delegate, asset),
          ]),
        ),
      });
      const revokeAll = async (f: F) => {
        const m = f.module.interface;
        await (
          await f.exec(
            batch(
              [ETH, ...Object.values(f.tokens)].map((asset) => ({
                to: f.moduleAddress,
                data: m.encodeFunctionData("lowerAllowance", [f.delegate.address, asset, 0n]),
              })),
              version,
            ),
          )
        ).wait();
      };

      it("refuses a zero amount of any asset, directly and relayed, and the Safe calls nothing", async function () {
        const f = await loadFixture(withRecorder);
        const deadline = BigInt(await time.latest()) + HOUR;
        const before = await snapshotOf(f, f.delegate.address);
        // An asset with an allowance, and one without: both refused before anything is read from them.
        for (const asset of [f.tokens.token, ETH, f.recorderAddress]) {
          await expect(f.module.connect(f.delegate).spend(f.safeAddress, asset, f.recipient.address, 0n))
            .to.be.revertedWithCustomError(f.module, "ZeroAmount")
            .withArgs(f.safeAddress, f.delegate.address, asset);
          const signature = await f.signSpend(f.delegate, { amount: 0n, deadline, asset });
          await expect(
            f.module
              .connect(f.relayer)
              .spendWithSignature(
                f.safeAddress,
                f.delegate.address,
                asset,
                f.recipient.address,
                0n,
                deadline,
                ...signature,
              ),
          )
            .to.be.revertedWithCustomError(f.module, "ZeroAmount")
            .withArgs(f.safeAddress, f.delegate.address, asset);
        }
        expect(await snapshotOf(f, f.delegate.address)).to.deep.equal(before);
        expect(before.calls).to.equal(0n);
      });

      it("refuses a revoked delegate (UnknownDelegate), directly and relayed, whatever the amount", async function () {
        const f = await loadFixture(withRecorder);
        const deadline = BigInt(await time.latest()) + HOUR;
        await revokeAll(f);
        const before = await snapshotOf(f, f.delegate.address);
        for (const [asset, amount, error] of [
          [f.recorderAddress, 0n, "ZeroAmount"],
          [f.recorderAddress, 1n, "UnknownDelegate"],
          [f.tokens.token, 1n, "UnknownDelegate"],
          [ETH, 1n, "UnknownDelegate"],
        ] as const) {
          const args =
            error === "ZeroAmount" ? [f.safeAddress, f.delegate.address, asset] : [f.safeAddress, f.delegate.address];
          await expect(f.module.connect(f.delegate).spend(f.safeAddress, asset, f.recipient.address, amount))
            .to.be.revertedWithCustomError(f.module, error)
            .withArgs(...args);
          const signature = await f.signSpend(f.delegate, { amount, deadline, asset });
          await expect(
            f.module
              .connect(f.relayer)
              .spendWithSignature(
                f.safeAddress,
                f.delegate.address,
                asset,
                f.recipient.address,
                amount,
                deadline,
                ...signature,
              ),
          )
            .to.be.revertedWithCustomError(f.module, error)
            .withArgs(...args);
        }
        expect(await snapshotOf(f, f.delegate.address)).to.deep.equal(before);
        expect(before.calls).to.equal(0n);
      });

      it("refuses a delegate never granted anything, even to a recipient the Safe's registry allows", async function () {
        const f = await loadFixture(withRecorder);
        const guard = await ethers.deployContract("TreasuryGuard");
        const guardAddress = await guard.getAddress();
        await (
          await f.exec(
            batch(
              [
                {
                  to: guardAddress,
                  data: guard.interface.encodeFunctionData("setRecipient", [f.recipient.address, true]),
                },
                {
                  to: f.moduleAddress,
                  data: f.module.interface.encodeFunctionData("setRecipientRegistry", [guardAddress]),
                },
              ],
              version,
            ),
          )
        ).wait();
        expect(await f.module.canPay(f.safeAddress, f.stranger.address, f.recipient.address)).to.equal(true);
        const before = await snapshotOf(f, f.stranger.address);
        for (const asset of [f.recorderAddress, ETH]) {
          await expect(f.module.connect(f.stranger).spend(f.safeAddress, asset, f.recipient.address, 1n))
            .to.be.revertedWithCustomError(f.module, "UnknownDelegate")
            .withArgs(f.safeAddress, f.stranger.address);
        }
        expect(await snapshotOf(f, f.stranger.address)).to.deep.equal(before);
      });

      it("refuses an asset without an allowance for a known delegate (NoAllowance), directly and relayed", async function () {
        const f = await loadFixture(withRecorder);
        const deadline = BigInt(await time.latest()) + HOUR;
        const before = await snapshotOf(f, f.delegate.address);
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, f.recorderAddress, f.recipient.address, 1n))
          .to.be.revertedWithCustomError(f.module, "NoAllowance")
          .withArgs(f.safeAddress, f.delegate.address, f.recorderAddress);
        const signature = await f.signSpend(f.delegate, { amount: 1n, deadline, asset: f.recorderAddress });
        await expect(
          f.module
            .connect(f.relayer)
            .spendWithSignature(
              f.safeAddress,
              f.delegate.address,
              f.recorderAddress,
              f.recipient.address,
              1n,
              deadline,
              ...signature,
            ),
        )
          .to.be.revertedWithCustomError(f.module, "NoAllowance")
          .withArgs(f.safeAddress, f.delegate.address, f.recorderAddress);
        expect(await snapshotOf(f, f.delegate.address)).to.deep.equal(before);
        // Granting it makes the same spend go through to the contract (the mock stands for a real token here).
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setAllowance", [f.delegate.address, f.recorderAddress, 10n]),
          })
        ).wait();
        await (
          await f.module.connect(f.delegate).spend(f.safeAddress, f.recorderAddress, f.recipient.address, 1n)
        ).wait();
        expect(await f.recorder.calls()).to.equal(1n);
        expect(await f.recorder.lastCall()).to.equal(
          new ethers.Interface(["function transfer(address,uint256)"]).encodeFunctionData("transfer", [
            f.recipient.address,
            1n,
          ]),
        );
      });
    });

    describe("tokens", function () {
      it("transfers a standard ERC20 and counts it", async function () {
        const f = await loadFixture(fixture);
        await expect(
          f.module.connect(f.delegate).spend(f.safeAddress, f.tokens.token, f.recipient.address, 100n),
        ).to.changeTokenBalances(f.token, [f.safe, f.recipient], [-100n, 100n]);
        expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, f.tokens.token))[1]).to.equal(100n);
      });

      it("treats a token that returns nothing as success", async function () {
        const f = await loadFixture(fixture);
        await (
          await f.module.connect(f.delegate).spend(f.safeAddress, f.tokens.noReturn, f.recipient.address, 100n)
        ).wait();
        expect(await f.noReturn.balanceOf(f.recipient.address)).to.equal(100n);
        expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, f.tokens.noReturn))[1]).to.equal(100n);
      });

      it("treats false, short return data and a codeless asset as failure and counts nothing", async function () {
        const f = await loadFixture(fixture);
        await (await f.returnsFalse.setFailing(true)).wait();
        const cases: [string, { balanceOf(a: string): Promise<bigint> } | null][] = [
          [f.tokens.returnsFalse, f.returnsFalse],
          [f.tokens.shortReturn, f.shortReturn],
        ];
        for (const [asset, contract] of cases) {
          await expect(f.module.connect(f.delegate).spend(f.safeAddress, asset, f.recipient.address, 100n))
            .to.be.revertedWithCustomError(f.module, "TransferFailed")
            .withArgs(f.safeAddress, asset, f.recipient.address, 100n);
          expect(await contract!.balanceOf(f.recipient.address)).to.equal(0n);
          expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, asset))[1]).to.equal(0n);
        }
        // An account without code "succeeds" at any call: not a token transfer.
        const codeless = f.stranger.address;
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setAllowance", [f.delegate.address, codeless, 100n]),
          })
        ).wait();
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, codeless, f.recipient.address, 100n))
          .to.be.revertedWithCustomError(f.module, "TransferFailed")
          .withArgs(f.safeAddress, codeless, f.recipient.address, 100n);
        // A token transfer the token itself refuses (insufficient balance) fails the same way.
        await (await f.returnsFalse.setFailing(false)).wait();
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setAllowance", [
              f.delegate.address,
              f.tokens.returnsFalse,
              parseEther("1000000"),
            ]),
          })
        ).wait();
        await expect(
          f.module
            .connect(f.delegate)
            .spend(f.safeAddress, f.tokens.returnsFalse, f.recipient.address, parseEther("20000")),
        ).to.be.revertedWithCustomError(f.module, "TransferFailed");
      });

      it("an ETH transfer the recipient refuses fails and counts nothing", async function () {
        const f = await loadFixture(fixture);
        // A contract without receive/fallback: the Safe's call reverts, execTransactionFromModule returns false.
        const refuser = f.moduleAddress;
        await (
          await f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setRecipient", [f.delegate.address, refuser, true]),
          })
        ).wait();
        await expect(f.module.connect(f.delegate).spend(f.safeAddress, ETH, refuser, 1n))
          .to.be.revertedWithCustomError(f.module, "TransferFailed")
          .withArgs(f.safeAddress, ETH, refuser, 1n);
        expect((await f.module.getAllowance(f.safeAddress, f.delegate.address, ETH))[1]).to.equal(0n);
        expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(parseEther("100"));
      });

      it("delegate-sent and relayed ERC20 transfers stay within their gas bounds @gas", async function () {
        const f = await loadFixture(fixture);
        const spend = async (amount: bigint) =>
          (await (
            await f.module.connect(f.delegate).spend(f.safeAddress, f.tokens.token, f.recipient.address, amount)
          ).wait())!.gasUsed;
        const relay = async (amount: bigint) => {
          const deadline = BigInt(await time.latest()) + DAY;
          const signature = await f.signSpend(f.delegate, { amount, deadline, asset: f.tokens.token });
          return (await (
            await f.module
              .connect(f.relayer)
              .spendWithSignature(
                f.safeAddress,
                f.delegate.address,
                f.tokens.token,
                f.recipient.address,
                amount,
                deadline,
                ...signature,
              )
          ).wait())!.gasUsed;
        };
        const amount = parseEther("1");
        // Start of an hour, so that the spends below stay in their hour.
        const h0 = (BigInt(await time.latest()) / HOUR + 1n) * HOUR;
        await time.increaseTo(h0);
        await spend(1n); // the recipient holds the token from now on
        const sameHour = await spend(amount);
        const relayedSameHour = await relay(amount + 1n);
        // First spend of a new hour: the previous hour moves into its ring slot. setAllowance pre-wrote the ring,
        // so even the window's first day pays no zero-to-non-zero write.
        await time.increaseTo(h0 + HOUR);
        const firstDay = await spend(amount);
        await time.increaseTo(h0 + 2n * HOUR);
        const relayedHourChange = await relay(amount + 4n);
        // Two days later nothing is live: at h0 + 48h the window restarts, at h0 + 49h the flush goes into a ring
        // slot with nothing expiring.
        await time.increaseTo(h0 + 48n * HOUR);
        // Amounts unlike the first day's: a ring write of the value a slot already holds would cost only 100.
        await spend(amount + 5n);
        await time.increaseTo(h0 + 49n * HOUR);
        const hourChange = await spend(amount + 2n);
        // 24 hours later the bucket leaving the window is also read: it shares its slot with the flush.
        await time.increaseTo(h0 + 73n * HOUR);
        const hourChangeExpiring = await spend(amount + 3n);
        console.log(
          `      gas (Safe ${version}): same hour ${sameHour}, hour change ${hourChange}, ` +
            `hour change with an expiring bucket ${hourChangeExpiring}, first day ${firstDay}, ` +
            `relayed same hour ${relayedSameHour}, relayed hour change ${relayedHourChange}`,
        );
        // Measured on Safe 1.5.0 (1.4.1 is about 2,300 cheaper): same hour 63,713, relayed 68,917; regression
        // bounds a little above, well below AllowanceModule's 69,664 and 74,560 (docs/benchmarks.md).
        expect(sameHour).to.be.at.most(GAS_SAME_HOUR);
        expect(relayedSameHour).to.be.at.most(GAS_RELAYED_SAME_HOUR);
        // Even the first spend of an hour (69,251 and 74,443 measured) stays below AllowanceModule (issue 8).
        expect(hourChange).to.be.below(ALLOWANCE_MODULE_ERC20);
        expect(hourChangeExpiring).to.be.below(ALLOWANCE_MODULE_ERC20);
        expect(firstDay).to.be.below(ALLOWANCE_MODULE_ERC20);
        expect(relayedHourChange).to.be.below(ALLOWANCE_MODULE_RELAYED_ERC20);
        // The relay adds the signature's calldata and ecrecover, and no nonce slot: about 6,000.
        expect(relayedSameHour - sameHour).to.be.at.most(6_100n);
        // What the RollingWindow adds when the hour changes (a cold read and write of one ring slot, about 5,000,
        // and the list walk): regression bounds, see docs/modules.md.
        expect(hourChange - sameHour).to.be.at.most(5_600n);
        expect(firstDay - sameHour).to.be.at.most(5_600n);
        expect(relayedHourChange - relayedSameHour).to.be.at.most(5_600n);
        expect(hourChangeExpiring - hourChange).to.be.at.most(300n);
      });
    });

    describe("recipient registry (TreasuryGuard whitelist)", function () {
      it("lets delegates pay the registry's recipients when the Safe chooses so", async function () {
        const f = await loadFixture(fixture);
        const guard = await ethers.deployContract("TreasuryGuard");
        const guardAddress = await guard.getAddress();
        // The guard is not this Safe's guard here: it only serves as the Safe's recipient list.
        await (
          await f.exec({
            to: guardAddress,
            data: guard.interface.encodeFunctionData("setRecipient", [f.stranger.address, true]),
          })
        ).wait();
        const pay = () => f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.stranger.address, 1n);
        await expect(pay()).to.be.revertedWithCustomError(f.module, "RecipientNotAllowed");
        await expect(
          f.exec({
            to: f.moduleAddress,
            data: f.module.interface.encodeFunctionData("setRecipientRegistry", [guardAddress]),
          }),
        )
          .to.emit(f.module, "RecipientRegistryChanged")
          .withArgs(f.safeAddress, ZeroAddress, guardAddress);
        expect(await f.module.canPay(f.safeAddress, f.delegate.address, f.stranger.address)).to.equal(true);
        await expect(pay()).to.changeEtherBalance(f.stranger, 1n);
        // The registry is per Safe: the other Safe did not opt in.
        await expect(f.module.connect(f.delegate).spend(f.other.safeAddress, ETH, f.stranger.address, 1n))
          .to.be.revertedWithCustomError(f.module, "RecipientNotAllowed")
          .withArgs(f.other.safeAddress, f.delegate.address, f.stranger.address);
      });
    });

    describe("rolling window (property)", function () {
      it("no 24h interval sees more than the allowance, and refusals are justified (1h slack) @slow", async function () {
        const f = await loadFixture(fixture);
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.record({
                wait: fc.integer({ min: 0, max: 10 * 3600 }),
                amount: fc.bigInt({ min: 1n, max: ETH_ALLOWANCE }),
              }),
              {
                minLength: 1,
                maxLength: 12,
              },
            ),
            async (steps) => {
              const snapshot = await takeSnapshot();
              try {
                const done: { t: bigint; amount: bigint }[] = [];
                for (const step of steps) {
                  const t = BigInt(await time.latest()) + BigInt(step.wait) + 1n;
                  await time.setNextBlockTimestamp(t);
                  const window = (from: bigint) =>
                    done.filter((s) => s.t > from).reduce((sum, s) => sum + s.amount, 0n);
                  try {
                    await (
                      await f.module.connect(f.delegate).spend(f.safeAddress, ETH, f.recipient.address, step.amount)
                    ).wait();
                    done.push({ t, amount: step.amount });
                    // Every 24h interval ending now counts at most the allowance.
                    expect(window(t - DAY)).to.be.at.most(ETH_ALLOWANCE);
                  } catch (error) {
                    const data = revertData(error);
                    expect(data && f.module.interface.parseError(data)?.name, String(error)).to.equal(
                      "AllowanceExceeded",
                    );
                    // Refused only if it would have exceeded the allowance over the last 25 hours.
                    expect(window(t - DAY - HOUR) + step.amount).to.be.greaterThan(ETH_ALLOWANCE);
                  }
                }
              } finally {
                await snapshot.restore();
              }
            },
          ),
          { numRuns: 8 },
        );
      });
    });
  });
}
