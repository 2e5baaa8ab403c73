import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, concat, Contract, Interface, keccak256, parseEther, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import hre, { ethers } from "hardhat";

import { canonicalContract, SAFE_VERSIONS, type SafeVersion } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { type Call } from "../fixtures/batch";
import { DAY, DELEGATECALL, GUARD_SLOT, Reason, safeIface } from "../fixtures/constants";
import { guardedSafe, queueTx, storedAddress, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

/** keccak256("fallback_manager.handler.address") */
const FALLBACK_HANDLER_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";
const MAGIC = "0x1626ba7e";
const LEGACY_MAGIC = "0x20c13b0b";
const coder = AbiCoder.defaultAbiCoder();
const signMessageLib = new Interface(["function signMessage(bytes _data)"]);
const erc777 = new Interface(["function tokensReceived(address,address,address,uint256,bytes,bytes)"]);

/**
 * The guarded 2-of-3 Safe of test/fixtures/guard with the TreasuryFallbackHandler set through the queue (a Safe
 * self-call is delayed), a permit token on it, and a control Safe (same owners, no guard) that keeps the canonical
 * CompatibilityFallbackHandler of its version.
 */
async function handlerFixture(version: SafeVersion) {
  const f = await guardedSafe(version);
  const handler = await ethers.deployContract("TreasuryFallbackHandler", [f.guardAddress]);
  const handlerAddress = await handler.getAddress();
  const permitToken = await ethers.deployContract("TestERC20Permit");
  await (await permitToken.mint(f.safeAddress, parseEther("1000"))).wait();

  const set = safeIface.encodeFunctionData("setFallbackHandler", [handlerAddress]);
  const { id } = await queueTx(f, { to: f.safeAddress, data: set });
  await time.increase(DAY);
  await (await f.guard.connect(f.executor).execute(f.safeAddress, id)).wait();

  const control = await createSafe(hre, {
    owners: await Promise.all(f.owners.map((o) => o.getAddress())),
    threshold: 2,
    version,
    saltNonce: 0xc0_47_01n,
  });
  await (await permitToken.mint(control, parseEther("1000"))).wait();
  const canonical150 = canonicalContract("1.5.0", "compatibilityFallbackHandler");
  return {
    ...f,
    handler,
    handlerAddress,
    permitToken,
    control,
    // The handler's functions, called on a Safe (its fallback forwards them to the Safe's handler).
    ours: await ethers.getContractAt("TreasuryFallbackHandler", f.safeAddress),
    theirs: await ethers.getContractAt("TreasuryFallbackHandler", control),
    canonical150: new Contract(canonical150.address, canonical150.abi as never, ethers.provider),
  };
}
type Fixture = Awaited<ReturnType<typeof handlerFixture>>;

/** The owners' EIP-712 signatures of the SafeMessage for `dataHash` on `safe`, sorted by owner as Safe expects. */
async function signSafeMessage(safe: string, dataHash: string, signers: HardhatEthersSigner[]): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const sorted = [...signers].sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
  const signatures = await Promise.all(
    sorted.map((s) =>
      s.signTypedData(
        { chainId, verifyingContract: safe },
        { SafeMessage: [{ name: "message", type: "bytes" }] },
        { message: coder.encode(["bytes32"], [dataHash]) },
      ),
    ),
  );
  return concat(signatures);
}

/** A permit of `value` from `safe` to the stranger, signed off chain by two owners (EIP-1271 path). */
async function offchainPermit(f: Fixture, safe: string, value = parseEther("500")) {
  const deadline = BigInt(await time.latest()) + 30n * DAY;
  const digest = await f.permitToken.permitDigest(safe, f.stranger.address, value, deadline);
  const signature = await signSafeMessage(safe, digest, f.owners.slice(0, 2));
  const messageHash = await f.handler.getMessageHashForSafe(safe, coder.encode(["bytes32"], [digest]));
  const token = f.permitToken.connect(f.stranger);
  const submit = (sig = signature) =>
    token.getFunction("permit(address,address,uint256,uint256,bytes)")(safe, f.stranger.address, value, deadline, sig);
  return { value, deadline, digest, signature, messageHash, submit };
}

async function holdings(f: Fixture, safe: string) {
  return {
    allowance: await f.permitToken.allowance(safe, f.stranger.address),
    safe: await f.permitToken.balanceOf(safe),
    stranger: await f.permitToken.balanceOf(f.stranger.address),
  };
}

/** Queues `call` (CALL unless given), waits the delay and executes it through the guard's queue. */
async function throughQueue(f: Fixture, call: Call & { operation?: number }) {
  const { id } = await queueTx(f, call);
  await time.increase(DAY);
  return f.guard.connect(f.executor).execute(f.safeAddress, id);
}

const setOffchain = (f: Fixture, allowed: boolean): Call => ({
  to: f.guardAddress,
  data: f.guard.interface.encodeFunctionData("setOffchainSignatures", [allowed]),
});

for (const version of SAFE_VERSIONS) {
  describe(`TreasuryFallbackHandler (Safe ${version})`, function () {
    hermetic();
    const fixture = () => handlerFixture(version);

    it("is the Safe's fallback handler after the queued setFallbackHandler", async function () {
      const f = await loadFixture(fixture);
      expect(await storedAddress(f.safeAddress, FALLBACK_HANDLER_SLOT)).to.equal(f.handlerAddress);
      expect(await f.handler.TREASURY_GUARD()).to.equal(f.guardAddress);
    });

    describe("off-chain signatures (not opted in)", function () {
      it("refuses an off-chain-signed permit, and nothing moves; the canonical handler accepts it", async function () {
        const f = await loadFixture(fixture);
        const permit = await offchainPermit(f, f.safeAddress);
        const before = await holdings(f, f.safeAddress);

        await expect(permit.submit())
          .to.be.revertedWithCustomError(f.permitToken, "PermitInvalidSignature")
          .withArgs(f.safeAddress);
        await expect(f.ours["isValidSignature(bytes32,bytes)"](permit.digest, permit.signature))
          .to.be.revertedWithCustomError(f.handler, "MessageNotSignedOnChain")
          .withArgs(f.safeAddress, permit.messageHash);
        // The legacy selector is governed by the same rule.
        await expect(
          f.ours["isValidSignature(bytes,bytes)"](coder.encode(["bytes32"], [permit.digest]), permit.signature),
        )
          .to.be.revertedWithCustomError(f.handler, "MessageNotSignedOnChain")
          .withArgs(f.safeAddress, permit.messageHash);
        await expect(
          f.permitToken.connect(f.stranger).transferFrom(f.safeAddress, f.stranger.address, permit.value),
        ).to.be.revertedWithCustomError(f.permitToken, "ERC20InsufficientAllowance");
        expect(await holdings(f, f.safeAddress)).to.deep.equal(before);
        expect(before.allowance).to.equal(0n);

        // The same attack on a Safe with Safe's own handler: the permit passes and the tokens can be drained.
        const control = await offchainPermit(f, f.control);
        await (await control.submit()).wait();
        await (
          await f.permitToken.connect(f.stranger).transferFrom(f.control, f.stranger.address, control.value)
        ).wait();
        expect(await f.permitToken.balanceOf(f.stranger.address)).to.equal(control.value);
      });

      it("accepts the message once the Safe marked it on chain through the delayed SignMessageLib path", async function () {
        const f = await loadFixture(fixture);
        const permit = await offchainPermit(f, f.safeAddress);
        const lib = canonicalContract(version, "signMessageLib").address;
        const mark = {
          to: lib,
          data: signMessageLib.encodeFunctionData("signMessage", [coder.encode(["bytes32"], [permit.digest])]),
          operation: DELEGATECALL,
        };
        await expect(f.exec(mark))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.SafeLibraryDelegateCall);
        expect(await f.safe.signedMessages(permit.messageHash)).to.equal(0n);

        await (await throughQueue(f, mark)).wait();
        expect(await f.safe.signedMessages(permit.messageHash)).to.equal(1n);
        // Marked: any signature bytes are accepted, empty ones included (as Safe's handler does for empty ones).
        expect(await f.ours["isValidSignature(bytes32,bytes)"](permit.digest, "0x")).to.equal(MAGIC);
        expect(await f.ours["isValidSignature(bytes32,bytes)"](permit.digest, "0xdead")).to.equal(MAGIC);
        expect(
          await f.ours["isValidSignature(bytes,bytes)"](coder.encode(["bytes32"], [permit.digest]), "0x"),
        ).to.equal(LEGACY_MAGIC);

        await (await permit.submit("0x")).wait();
        expect(await f.permitToken.allowance(f.safeAddress, f.stranger.address)).to.equal(permit.value);
        await (
          await f.permitToken.connect(f.stranger).transferFrom(f.safeAddress, f.stranger.address, permit.value)
        ).wait();
        expect(await f.permitToken.balanceOf(f.stranger.address)).to.equal(permit.value);
      });

      it("trusts no guard but its TreasuryGuard: a guard claiming every Safe opted in is ignored", async function () {
        const f = await loadFixture(fixture);
        await (await throughQueue(f, setOffchain(f, true))).wait();
        expect(await f.handler.isOffchainSignatureAllowed(f.safeAddress)).to.equal(true);

        const liar = await ethers.deployContract("OffchainAllowingGuard");
        const liarAddress = await liar.getAddress();
        const replace = { to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [liarAddress]) };
        await (await throughQueue(f, replace)).wait();
        expect(await storedAddress(f.safeAddress, GUARD_SLOT)).to.equal(liarAddress);
        // The TreasuryGuard still records the opt-in and the new guard says yes: the handler still refuses.
        expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(true);
        expect(await liar.isOffchainSignatureAllowed(f.safeAddress)).to.equal(true);
        expect(await f.handler.isOffchainSignatureAllowed(f.safeAddress)).to.equal(false);

        const permit = await offchainPermit(f, f.safeAddress);
        const before = await holdings(f, f.safeAddress);
        await expect(permit.submit())
          .to.be.revertedWithCustomError(f.permitToken, "PermitInvalidSignature")
          .withArgs(f.safeAddress);
        await expect(f.ours["isValidSignature(bytes32,bytes)"](permit.digest, permit.signature))
          .to.be.revertedWithCustomError(f.handler, "MessageNotSignedOnChain")
          .withArgs(f.safeAddress, permit.messageHash);
        expect(await holdings(f, f.safeAddress)).to.deep.equal(before);
      });

      it("refuses off-chain signatures of a Safe with no guard, and answers no for accounts that are not Safes", async function () {
        const f = await loadFixture(fixture);
        const bare = await createSafe(hre, {
          owners: await Promise.all(f.owners.map((o) => o.getAddress())),
          threshold: 2,
          version,
          saltNonce: 0xba_4en,
          fallbackHandler: f.handlerAddress,
        });
        await (await f.permitToken.mint(bare, parseEther("10"))).wait();
        const permit = await offchainPermit(f, bare, parseEther("10"));
        await expect(permit.submit())
          .to.be.revertedWithCustomError(f.permitToken, "PermitInvalidSignature")
          .withArgs(bare);
        expect(await f.permitToken.allowance(bare, f.stranger.address)).to.equal(0n);
        expect(await f.handler.isOffchainSignatureAllowed(bare)).to.equal(false);

        // Called directly, the handler answers about its caller only, and an account that is not a Safe gets nothing.
        expect(await f.handler.isOffchainSignatureAllowed(f.stranger.address)).to.equal(false);
        expect(await f.handler.isOffchainSignatureAllowed(f.guardAddress)).to.equal(false);
        await expect(f.handler.connect(f.stranger)["isValidSignature(bytes32,bytes)"](permit.digest, permit.signature))
          .to.be.reverted;
      });
    });

    describe("opting in through the guard", function () {
      it("is delayed, then off-chain signatures count as Safe's handler counts them; opting out is instant", async function () {
        const f = await loadFixture(fixture);
        await expect(f.exec(setOffchain(f, true)))
          .to.be.revertedWithCustomError(f.guard, "DelayRequired")
          .withArgs(Reason.PolicyLoosened);
        expect(await f.guard.isOffchainSignatureAllowed(f.safeAddress)).to.equal(false);

        await expect(throughQueue(f, setOffchain(f, true)))
          .to.emit(f.guard, "OffchainSignaturesChanged")
          .withArgs(f.safeAddress, false, true);
        expect(await f.handler.isOffchainSignatureAllowed(f.safeAddress)).to.equal(true);

        const permit = await offchainPermit(f, f.safeAddress);
        const control = await offchainPermit(f, f.control);
        // Same answers as the canonical handler on the control Safe: valid owners' signatures pass ...
        expect(await f.ours["isValidSignature(bytes32,bytes)"](permit.digest, permit.signature)).to.equal(MAGIC);
        expect(await f.theirs["isValidSignature(bytes32,bytes)"](control.digest, control.signature)).to.equal(MAGIC);
        const legacy = coder.encode(["bytes32"], [permit.digest]);
        expect(await f.ours["isValidSignature(bytes,bytes)"](legacy, permit.signature)).to.equal(LEGACY_MAGIC);
        // ... one owner's signature is below the threshold (GS020) ...
        const one = permit.signature.slice(0, 2 + 130);
        await expect(f.ours["isValidSignature(bytes32,bytes)"](permit.digest, one)).to.be.revertedWith("GS020");
        await expect(
          f.theirs["isValidSignature(bytes32,bytes)"](control.digest, control.signature.slice(0, 2 + 130)),
        ).to.be.revertedWith("GS020");
        // ... and an empty signature still needs the on-chain mark.
        await expect(f.ours["isValidSignature(bytes32,bytes)"](permit.digest, "0x"))
          .to.be.revertedWithCustomError(f.handler, "MessageNotSignedOnChain")
          .withArgs(f.safeAddress, permit.messageHash);

        await (await permit.submit()).wait();
        expect(await f.permitToken.allowance(f.safeAddress, f.stranger.address)).to.equal(permit.value);

        await expect(f.exec(setOffchain(f, false)))
          .to.emit(f.guard, "OffchainSignaturesChanged")
          .withArgs(f.safeAddress, true, false);
        const again = await offchainPermit(f, f.safeAddress, parseEther("1"));
        const before = await holdings(f, f.safeAddress);
        await expect(again.submit())
          .to.be.revertedWithCustomError(f.permitToken, "PermitInvalidSignature")
          .withArgs(f.safeAddress);
        expect(await holdings(f, f.safeAddress)).to.deep.equal(before);
      });
    });

    describe("every other function answers as CompatibilityFallbackHandler", function () {
      it("receives ERC721 and ERC1155 transfers and ERC777 callbacks; refuses tokens sent to the handler itself", async function () {
        const f = await loadFixture(fixture);
        const [holder] = f.owners;
        for (const safe of [f.safeAddress, f.control]) {
          await (await f.nft.mint(holder.address, 100n + BigInt(safe === f.control))).wait();
          await (await f.multiToken.mint(holder.address, 9n, 10n)).wait();
        }
        for (const [i, safe] of [f.safeAddress, f.control].entries()) {
          const tokenId = 100n + BigInt(i);
          await (
            await f.nft.connect(holder)["safeTransferFrom(address,address,uint256)"](holder.address, safe, tokenId)
          ).wait();
          expect(await f.nft.ownerOf(tokenId)).to.equal(safe);
          await (await f.multiToken.connect(holder).safeTransferFrom(holder.address, safe, 9n, 4n, "0x")).wait();
          await (
            await f.multiToken.connect(holder).safeBatchTransferFrom(holder.address, safe, [9n], [6n], "0x")
          ).wait();
          expect(await f.multiToken.balanceOf(safe, 9n)).to.equal(10n);
          const callback = erc777.encodeFunctionData("tokensReceived", [
            holder.address,
            holder.address,
            safe,
            1n,
            "0x",
            "0x",
          ]);
          expect(await ethers.provider.call({ to: safe, data: callback })).to.equal("0x");
        }
        await (await f.nft.mint(holder.address, 200n)).wait();
        await expect(
          f.nft.connect(holder)["safeTransferFrom(address,address,uint256)"](holder.address, f.handlerAddress, 200n),
        )
          .to.be.revertedWithCustomError(f.nft, "ERC721InvalidReceiver")
          .withArgs(f.handlerAddress);
      });

      it("supportsInterface, getMessageHash, getMessageHashForSafe and encodeMessageDataForSafe", async function () {
        const f = await loadFixture(fixture);
        for (const id of ["0x4e2312e0", "0x150b7a02", "0x01ffc9a7", "0x1626ba7e", "0xffffffff", "0x00000000"]) {
          const expected = ["0x4e2312e0", "0x150b7a02", "0x01ffc9a7"].includes(id);
          expect(await f.ours.supportsInterface(id), id).to.equal(expected);
          expect(await f.theirs.supportsInterface(id), id).to.equal(expected);
        }
        const message = ethers.toUtf8Bytes("treasury message");
        const canonical = f.canonical150;
        const asSafe = async (data: string) =>
          ethers.provider.call({ from: f.safeAddress, to: await canonical.getAddress(), data });
        const hash = await f.ours.getMessageHash(message);
        expect(hash).to.equal(await canonical.getMessageHashForSafe(f.safeAddress, message));
        expect(hash).to.equal(await asSafe(canonical.interface.encodeFunctionData("getMessageHash", [message])));
        expect(await f.handler.getMessageHashForSafe(f.safeAddress, message)).to.equal(hash);
        const pre = await f.handler.encodeMessageDataForSafe(f.safeAddress, message);
        expect(pre).to.equal(await canonical.encodeMessageDataForSafe(f.safeAddress, message));
        expect(keccak256(pre)).to.equal(hash);
        expect(await f.theirs.getMessageHash(message)).to.equal(
          await canonical.getMessageHashForSafe(f.control, message),
        );
      });

      it("getModules, simulate and encodeTransactionData", async function () {
        const f = await loadFixture(fixture);
        const canonical = await f.canonical150.getAddress();
        const iface = f.handler.interface;
        const both = async (data: string) => [
          await ethers.provider.call({ from: f.safeAddress, to: f.handlerAddress, data }),
          await ethers.provider.call({ from: f.safeAddress, to: canonical, data }),
        ];

        const [ourModules, theirModules] = await both(iface.encodeFunctionData("getModules"));
        expect(ourModules).to.equal(theirModules);
        expect([...(await f.ours.getModules())]).to.have.members([f.guardAddress, await f.module.getAddress()]);

        const accessor = canonicalContract(version, "simulateTxAccessor");
        const accessorIface = new Interface(accessor.abi as never);
        const tokenAddress = await f.token.getAddress();
        for (const amount of [parseEther("1"), parseEther("1000000")]) {
          const transfer = f.token.interface.encodeFunctionData("transfer", [f.alice.address, amount]);
          const payload = accessorIface.encodeFunctionData("simulate", [tokenAddress, 0n, transfer, 0]);
          const data = iface.encodeFunctionData("simulate", [accessor.address, payload]);
          const [ours, theirs] = await both(data);
          expect(ours).to.equal(theirs);
          const viaSafe = await ethers.provider.call({ to: f.safeAddress, data });
          const [response] = iface.decodeFunctionResult("simulate", viaSafe);
          const [, success] = accessorIface.decodeFunctionResult("simulate", response);
          expect(success, `transfer of ${amount}`).to.equal(amount === parseEther("1"));
        }
        expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);

        const fields = [f.alice.address, 1n, "0x1234", 0, 10n, 20n, 0n, ZeroAddress, ZeroAddress, 7n] as const;
        const [ours, theirs] = await both(iface.encodeFunctionData("encodeTransactionData", [...fields]));
        expect(ours).to.equal(theirs);
        const [encoded] = iface.decodeFunctionResult("encodeTransactionData", ours);
        expect(keccak256(encoded)).to.equal(await f.safe.getTransactionHash(...fields));
        if (version === "1.5.0") expect(await f.ours.encodeTransactionData(...fields)).to.equal(encoded);
      });
    });
  });
}

describe("TreasuryFallbackHandler constructor", function () {
  it("refuses the zero address as its TreasuryGuard", async function () {
    const factory = await ethers.getContractFactory("TreasuryFallbackHandler");
    await expect(factory.deploy(ZeroAddress)).to.be.revertedWithCustomError(factory, "InvalidTreasuryGuard");
  });
});
