import { HttpError } from "@safe-global/api-kit";
import type SafeApiKit from "@safe-global/api-kit";
import { expect } from "chai";
import { concat, getAddress, JsonRpcProvider, Network, parseEther, toBeHex, ZeroAddress, zeroPadValue } from "ethers";
import type { Signer } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { canonicalAddresses } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { safeMessageHashes } from "../../lib/safe/hashes";
import { apiKit, EMBEDDED_SERVICE_URL, protocolKit } from "../../lib/safe/kit";
import { safeTransactionFromService } from "../../lib/safe/service";
import type { TxService } from "../../service";
import { DAY } from "../fixtures/constants";
import { guardedSafe, queueTx, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { deployTestSafe, execSafeTx, safeAt } from "../fixtures/safe";
import { api, confirmAs, indexed, nestedSafeSignature, rpcServer, service } from "../fixtures/service";

/** What api-kit throws, with the body the service answered. */
async function httpError(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected the service to refuse the request");
}

/** Proposes a plain ETH transfer at `nonce` through protocol-kit and api-kit, signed by `proposer`. */
async function propose(
  client: SafeApiKit,
  safe: string,
  proposer: string,
  tx: { to: string; value: string; data?: string; operation?: number },
  nonce?: number,
): Promise<string> {
  const kit = await protocolKit(hre, safe, { signer: proposer });
  const next = nonce ?? Number(await client.getNextNonce(safe));
  const safeTx = await kit.createTransaction({
    transactions: [{ data: "0x", ...tx }],
    options: { nonce: next },
  });
  const safeTxHash = await kit.getTransactionHash(safeTx);
  // signHash (eth_sign) has no owner check, so a stranger's proposal reaches the service.
  const isOwner = await kit.isOwner(proposer);
  const signature = isOwner
    ? (await kit.signTransaction(safeTx)).getSignature(proposer)!.data
    : (await kit.signHash(safeTxHash)).data;
  await client.proposeTransaction({
    safeAddress: safe,
    safeTransactionData: safeTx.data,
    safeTxHash,
    senderAddress: proposer,
    senderSignature: signature,
    origin: "service test",
  });
  return safeTxHash;
}

describe("Embedded transaction service @service", function () {
  hermetic();
  let rpc: Awaited<ReturnType<typeof rpcServer>>;
  let svc: TxService;
  let client: SafeApiKit;
  let safe: string;
  let owners: string[];
  let signers: Signer[];

  before(async function () {
    const deployed = await deployTestSafe({ ownerCount: 3, threshold: 2 });
    safe = deployed.address;
    owners = await Promise.all(deployed.owners.map((o) => o.getAddress()));
    signers = deployed.signers;
    rpc = await rpcServer();
    svc = await service(rpc.url);
    client = api(svc);
  });

  after(async function () {
    await svc?.close();
    await rpc?.close();
  });

  describe("reads", function () {
    it("answers about, singletons and Safe info in the hosted service's shapes", async function () {
      const about = await client.getServiceInfo();
      expect(about.name).to.equal("Safe Transaction Service");
      const singletons = await client.getServiceSingletonsInfo();
      expect(singletons.map((s) => s.address)).to.include(canonicalAddresses("1.5.0").safe);
      const info = await client.getSafeInfo(safe);
      expect(info).to.include({ address: safe, nonce: "0", threshold: 2, version: "1.5.0" });
      expect(info.owners).to.deep.equal(owners);
      expect(info.singleton).to.equal(canonicalAddresses("1.5.0").safe);
      expect((await client.getSafesByOwner(owners[1])).safes).to.include(safe);
    });

    it("answers 422 with the hosted service's code for a path address that is not checksummed", async function () {
      const error = await httpError(client.getSafeInfo(safe.toLowerCase()));
      expect(error.statusCode).to.equal(422);
      expect(error.message).to.match(/Checksum address validation failed.*Use 0x/);
      expect(error.data).to.include({ code: 1 });
    });
  });

  describe("propose, confirm, execute", function () {
    it("runs two proposals at one nonce; after one executes the other is no longer pending nor confirmable", async function () {
      const recipient = getAddress("0x00000000000000000000000000000000000b0b01");
      expect(await client.getNextNonce(safe)).to.equal("0");
      const first = await propose(client, safe, owners[0], { to: recipient, value: "1000" });
      expect(await client.getNextNonce(safe)).to.equal("1");
      const rival = await propose(client, safe, owners[1], { to: recipient, value: "2000" }, 0);
      const pending = await client.getPendingTransactions(safe);
      expect(pending.results.map((t) => t.safeTxHash)).to.have.members([first, rival]);
      expect((pending as unknown as { countUniqueNonce: number }).countUniqueNonce).to.equal(1);

      await confirmAs(client, safe, owners[1], first);
      const stored = await client.getTransaction(first);
      expect(stored.confirmations?.map((c) => c.owner)).to.have.members([owners[0], owners[1]]);
      expect(stored).to.include({ confirmationsRequired: 2, isExecuted: false, nonce: "0", value: "1000" });
      expect(stored.origin).to.equal("service test");

      const executorKit = await protocolKit(hre, safe, { signer: owners[2] });
      const before = await ethers.provider.getBalance(recipient);
      await executorKit.executeTransaction(await safeTransactionFromService(executorKit, stored));
      expect((await ethers.provider.getBalance(recipient)) - before).to.equal(1000n);

      await indexed(svc);
      const executed = await client.getTransaction(first);
      expect(executed).to.include({ isExecuted: true, isSuccessful: true, executor: owners[2] });
      expect(executed.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(executed.blockNumber).to.be.a("number");
      expect(executed.executionDate).to.be.a("string");

      expect((await client.getPendingTransactions(safe)).results).to.have.length(0);
      expect(await client.getNextNonce(safe)).to.equal("1");
      const late = await httpError(confirmAs(client, safe, owners[2], rival));
      expect(late.statusCode).to.equal(400);
      expect(late.message).to.match(/already executed/);
      const history = await client.getMultisigTransactions(safe, { executed: true });
      expect(history.results.map((t) => t.safeTxHash)).to.deep.equal([first]);
    });

    it("treats a repeated proposal or confirmation as success and changes nothing", async function () {
      const nonce = Number(await client.getNextNonce(safe));
      const hash = await propose(client, safe, owners[0], { to: owners[2], value: "5" }, nonce);
      const before = await client.getTransaction(hash);
      await propose(client, safe, owners[0], { to: owners[2], value: "5" }, nonce);
      const signature = before.confirmations![0].signature;
      await client.confirmTransaction(hash, signature);
      const after = await client.getTransaction(hash);
      expect(after).to.deep.equal(before);
    });

    it("executes with a contract owner's (EIP-1271) confirmation, which protocol-kit alone mis-encodes", async function () {
      const [eoaOwner, , , nestedOwner] = signers;
      const nested = await createSafe(hre, { owners: [await nestedOwner.getAddress()], threshold: 1, saltNonce: 71n });
      const outer = await createSafe(hre, {
        owners: [await eoaOwner.getAddress(), nested],
        threshold: 2,
        saltNonce: 72n,
      });
      await (await eoaOwner.sendTransaction({ to: outer, value: parseEther("1") })).wait();
      const recipient = getAddress("0x00000000000000000000000000000000000b0b02");
      const hash = await propose(client, outer, await eoaOwner.getAddress(), { to: recipient, value: "777" });
      await client.confirmTransaction(hash, await nestedSafeSignature(nested, nestedOwner, hash));
      const stored = await client.getTransaction(hash);
      const contract = stored.confirmations!.find((c) => c.owner === nested)!;
      expect(contract.signatureType).to.equal("CONTRACT_SIGNATURE");

      const kit = await protocolKit(hre, outer, { signer: await eoaOwner.getAddress() });
      // protocol-kit's own conversion puts the standalone contract signature among the static parts.
      const naive = await kit.toSafeTransactionType(stored);
      await expect(kit.executeTransaction(naive)).to.be.rejected;
      await kit.executeTransaction(await safeTransactionFromService(kit, stored));
      expect(await ethers.provider.getBalance(recipient)).to.equal(777n);
    });
  });

  describe("validation", function () {
    it("refuses a proposal whose hash does not match its fields, naming both hashes", async function () {
      const kit = await protocolKit(hre, safe, { signer: owners[0] });
      const nonce = Number(await client.getNextNonce(safe));
      const safeTx = await kit.signTransaction(
        await kit.createTransaction({ transactions: [{ to: owners[1], value: "1", data: "0x" }], options: { nonce } }),
      );
      const hash = await kit.getTransactionHash(safeTx);
      const error = await httpError(
        client.proposeTransaction({
          safeAddress: safe,
          safeTransactionData: { ...safeTx.data, value: "2" },
          safeTxHash: hash,
          senderAddress: owners[0],
          senderSignature: safeTx.getSignature(owners[0])!.data,
        }),
      );
      expect(error.statusCode).to.equal(422);
      expect(error.message).to.match(new RegExp(`does not match provided contract-tx-hash=${hash}`));
    });

    it("refuses a nonce below the Safe's, a stranger as sender and a stranger's signature", async function () {
      const used = await httpError(propose(client, safe, owners[0], { to: owners[1], value: "1" }, 0));
      expect(used.statusCode).to.equal(422);
      expect(used.message).to.match(/Nonce 0 was already used: the Safe is at nonce 1/);
      const stranger = await signers[5].getAddress();
      const notOwner = await httpError(propose(client, safe, stranger, { to: owners[1], value: "1" }));
      expect(notOwner.message).to.match(new RegExp(`Sender=${stranger} is not an owner or delegate`));
    });

    it("checks a contract owner's confirmation through the EIP-1271 form its Safe's version calls", async function () {
      const factory = await ethers.getContractFactory("SingleFormSigner");
      const legacyOnly = await (await factory.deploy(true)).getAddress();
      const modernOnly = await (await factory.deploy(false)).getAddress();
      const standalone = (owner: string) => concat([zeroPadValue(owner, 32), toBeHex(65, 32), "0x00", toBeHex(0, 32)]);
      for (const [version, accepted, refused] of [
        ["1.4.1", legacyOnly, modernOnly],
        ["1.5.0", modernOnly, legacyOnly],
      ] as const) {
        const target = await createSafe(hre, { owners: [owners[0], accepted, refused], threshold: 2, version });
        const hash = await propose(client, target, owners[0], { to: owners[1], value: "0" }, 0);
        const error = await httpError(client.confirmTransaction(hash, standalone(refused)));
        expect(error.statusCode, version).to.equal(400);
        expect(error.message).to.match(new RegExp(`Contract signature for owner ${refused} is not valid`));
        await client.confirmTransaction(hash, standalone(accepted));
        const stored = await client.getTransaction(hash);
        expect(stored.confirmations?.map((c) => c.owner)).to.have.members([owners[0], accepted]);
        // The Safe agrees: it executes with the confirmation the service accepted (the executor is no owner).
        const kit = await protocolKit(hre, target, { signer: owners[2] });
        await kit.executeTransaction(await safeTransactionFromService(kit, stored));
        expect(await safeAt(target).nonce(), version).to.equal(1n);
      }
    });

    it("calls no contract but the Safe's owners to check a signature: a stranger's contract part is refused first", async function () {
      // A contract that accepts anything (or burns the node's eth_call gas cap) must cost no chain call when it is no
      // owner: 70 of them fit in one signature blob, each worth an eth_call per form and a getCode.
      const anything = await (await ethers.getContractFactory("SingleFormSigner")).deploy(false);
      const stranger = await anything.getAddress();
      const provider = new JsonRpcProvider(rpc.url, Network.from(svc.chainId), {
        staticNetwork: true,
        batchMaxCount: 1,
        cacheTimeout: -1,
      });
      const touched: string[] = [];
      const call = provider.call.bind(provider);
      provider.call = (tx) => {
        touched.push(String(tx.to));
        return call(tx);
      };
      const getCode = provider.getCode.bind(provider);
      provider.getCode = (address, blockTag) => {
        touched.push(String(address));
        return getCode(address, blockTag);
      };
      const fresh = await service(rpc.url, { provider });
      try {
        const freshClient = api(fresh);
        const kit = await protocolKit(hre, safe, { signer: owners[0] });
        const nonce = Number(await freshClient.getNextNonce(safe));
        const tx = await kit.createTransaction({
          transactions: [{ to: owners[1], value: "41", data: "0x" }],
          options: { nonce },
        });
        const hash = await kit.getTransactionHash(tx);
        const own = (await kit.signTransaction(tx)).getSignature(owners[0])!.data;
        const strangerPart = concat([zeroPadValue(stranger, 32), toBeHex(130, 32), "0x00"]);
        const blob = (first: string) => concat([first, strangerPart, toBeHex(0, 32)]);
        const refused = await httpError(
          freshClient.proposeTransaction({
            safeAddress: safe,
            safeTransactionData: tx.data,
            safeTxHash: hash,
            senderAddress: owners[0],
            senderSignature: blob(own),
          }),
        );
        expect(refused.statusCode).to.equal(422);
        expect(refused.message).to.match(new RegExp(`Signer=${stranger} is not an owner or delegate`));
        await freshClient.proposeTransaction({
          safeAddress: safe,
          safeTransactionData: tx.data,
          safeTxHash: hash,
          senderAddress: owners[0],
          senderSignature: own,
        });
        const other = (await protocolKit(hre, safe, { signer: owners[1] })).signTransaction(tx);
        const confirmRefused = await httpError(
          freshClient.confirmTransaction(hash, blob((await other).getSignature(owners[1])!.data)),
        );
        expect(confirmRefused.statusCode).to.equal(400);
        expect(confirmRefused.message).to.match(new RegExp(`Signer=${stranger} is not an owner`));
        expect((await freshClient.getTransaction(hash)).confirmations?.map((c) => c.owner)).to.deep.equal([owners[0]]);
        expect(touched.map((a) => a.toLowerCase())).to.not.include(stranger.toLowerCase());
      } finally {
        await fresh.close();
        provider.destroy();
      }
    });

    it("refuses DELEGATECALL except to MultiSendCallOnly and the Safe libraries", async function () {
      const kit = await protocolKit(hre, safe, { signer: owners[0] });
      const nonce = Number(await client.getNextNonce(safe));
      for (const [to, allowed] of [
        [canonicalAddresses("1.5.0").multiSend, false],
        [canonicalAddresses("1.4.1").safeMigration ?? ZeroAddress, false],
        [owners[1], false],
        [canonicalAddresses("1.5.0").multiSendCallOnly, true],
      ] as const) {
        if (to === ZeroAddress) continue;
        const tx = await kit.createTransaction({
          transactions: [{ to, value: "0", data: "0x", operation: 1 }],
          options: { nonce },
        });
        const signed = await kit.signTransaction(tx);
        const request = client.proposeTransaction({
          safeAddress: safe,
          safeTransactionData: signed.data,
          safeTxHash: await kit.getTransactionHash(tx),
          senderAddress: owners[0],
          senderSignature: signed.getSignature(owners[0])!.data,
        });
        if (allowed) {
          await request;
        } else {
          const error = await httpError(request);
          expect(error.message, to).to.match(/Operation DELEGATE_CALL is not allowed/);
        }
      }
    });
  });

  describe("delegates", function () {
    it("adds a delegate with the hourly EIP-712 signature; it proposes alone, then is removed", async function () {
      const delegator = signers[0];
      const delegate = signers[6];
      const viemShaped = {
        signTypedData: (args: { domain: Record<string, unknown>; types: never; message: Record<string, unknown> }) =>
          delegator.signTypedData(args.domain, args.types, args.message),
      };
      const delegateAddress = await delegate.getAddress();
      await client.addSafeDelegate({
        safeAddress: safe,
        delegateAddress,
        delegatorAddress: owners[0],
        label: "payroll bot",
        signer: viemShaped as never,
      });
      const listed = await client.getSafeDelegates({ safeAddress: safe });
      expect(listed.results).to.deep.equal([
        { safe, delegate: delegateAddress, delegator: owners[0], label: "payroll bot", expiryDate: null },
      ]);

      const kit = await protocolKit(hre, safe, { signer: owners[0] });
      const nonce = Number(await client.getNextNonce(safe));
      const tx = await kit.createTransaction({
        transactions: [{ to: owners[1], value: "3", data: "0x" }],
        options: { nonce },
      });
      const hash = await kit.getTransactionHash(tx);
      const delegateKit = await protocolKit(hre, safe, { signer: delegateAddress });
      const signature = await delegateKit.signHash(hash);
      await client.proposeTransaction({
        safeAddress: safe,
        safeTransactionData: tx.data,
        safeTxHash: hash,
        senderAddress: delegateAddress,
        senderSignature: signature.data,
      });
      const proposed = await client.getTransaction(hash);
      expect(proposed).to.include({ proposer: owners[0], proposedByDelegate: delegateAddress });
      expect(proposed.confirmations).to.have.length(0);

      await client.removeSafeDelegate({ delegateAddress, delegatorAddress: owners[0], signer: viemShaped as never });
      expect((await client.getSafeDelegates({ safeAddress: safe })).results).to.have.length(0);
      const after = await httpError(
        client.proposeTransaction({
          safeAddress: safe,
          safeTransactionData: { ...tx.data, nonce: nonce + 1 },
          safeTxHash: hash,
          senderAddress: delegateAddress,
          senderSignature: signature.data,
        }),
      );
      expect(after.statusCode).to.equal(422);
    });
  });

  describe("delegate expiry", function () {
    it("ends a delegation at its expiry date to the millisecond, whatever precision the date was sent with", async function () {
      const expiry = Math.floor(Date.now() / 1000) * 1000 + 1000; // the next whole second
      let clock = expiry - 500;
      const pinned = await service(rpc.url, { now: () => new Date(clock).toISOString() });
      try {
        const delegator = signers[0];
        const delegate = await signers[7].getAddress();
        const { chainId } = await ethers.provider.getNetwork();
        const signature = await delegator.signTypedData(
          { name: "Safe Transaction Service", version: "1.0", chainId },
          {
            Delegate: [
              { name: "delegateAddress", type: "address" },
              { name: "totp", type: "uint256" },
            ],
          },
          { delegateAddress: delegate, totp: Math.floor(clock / 1000 / 3600) },
        );
        const added = await fetch(`${pinned.url}/v2/delegates/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            safe,
            delegate,
            delegator: owners[0],
            label: "expires",
            signature,
            expiryDate: new Date(expiry).toISOString().replace(".000Z", "Z"),
          }),
        });
        expect(added.status).to.equal(201);
        const pinnedClient = api(pinned);
        const kit = await protocolKit(hre, safe, { signer: owners[0] });
        const nonce = Number(await pinnedClient.getNextNonce(safe));
        const proposal = async (value: string) => {
          const tx = await kit.createTransaction({
            transactions: [{ to: owners[1], value, data: "0x" }],
            options: { nonce },
          });
          const hash = await kit.getTransactionHash(tx);
          const delegateKit = await protocolKit(hre, safe, { signer: delegate });
          return pinnedClient.proposeTransaction({
            safeAddress: safe,
            safeTransactionData: tx.data,
            safeTxHash: hash,
            senderAddress: delegate,
            senderSignature: (await delegateKit.signHash(hash)).data,
          });
        };
        await proposal("31"); // before the expiry
        clock = expiry + 500;
        const late = await httpError(proposal("32"));
        expect(late.statusCode).to.equal(422);
        expect(late.message).to.match(new RegExp(`Sender=${delegate} is not an owner or delegate`));
      } finally {
        await pinned.close();
      }
    });
  });

  describe("messages", function () {
    it("collects owners' signatures of a message; the prepared signature is what the Safe's handler accepts", async function () {
      const message = "Treasury attestation 2026-12";
      const kit0 = await protocolKit(hre, safe, { signer: owners[0] });
      const kit1 = await protocolKit(hre, safe, { signer: owners[1] });
      const signed0 = await kit0.signMessage(kit0.createMessage(message));
      await client.addMessage(safe, { message, signature: signed0.getSignature(owners[0])!.data });
      const { hash } = safeMessageHashes(safe, "1.5.0", svc.chainId, message);
      expect((await client.getMessage(hash)).preparedSignature).to.equal(null);
      const signed1 = await kit1.signMessage(kit1.createMessage(message));
      await client.addMessageSignature(hash, signed1.getSignature(owners[1])!.data);
      const stored = await client.getMessage(hash);
      expect(stored.confirmations).to.have.length(2);
      expect(await kit0.isValidSignature(hashMessageOf(message), stored.preparedSignature!)).to.equal(true);
      const list = await client.getMessages(safe);
      expect(list.results.map((m) => m.messageHash)).to.deep.equal([hash]);
    });

    it("prepares a signature from current owners only: a removed owner's no longer counts", async function () {
      const other = await deployTestSafe({ ownerCount: 3, threshold: 2, saltNonce: 0x3e55n });
      const members = await Promise.all(other.owners.map((o) => o.getAddress()));
      const message = "Signed by an owner who then left";
      for (const owner of [members[0], members[1]]) {
        const kit = await protocolKit(hre, other.address, { signer: owner });
        const signature = (await kit.signMessage(kit.createMessage(message))).getSignature(owner)!.data;
        if (owner === members[0]) await client.addMessage(other.address, { message, signature });
        else {
          const { hash } = safeMessageHashes(other.address, "1.5.0", svc.chainId, message);
          await client.addMessageSignature(hash, signature);
        }
      }
      const { hash } = safeMessageHashes(other.address, "1.5.0", svc.chainId, message);
      expect((await client.getMessage(hash)).preparedSignature).to.match(/^0x/);
      const removeOwner = other.safe.interface.encodeFunctionData("removeOwner", [members[0], members[1], 2]);
      await (
        await execSafeTx(other.address, { to: other.address, data: removeOwner }, other.owners.slice(0, 2))
      ).wait();
      expect(await other.safe.getOwners()).to.deep.equal([members[0], members[2]]);
      const after = await client.getMessage(hash);
      expect(after.confirmations).to.have.length(2); // still listed, as signed
      expect(after.preparedSignature).to.equal(null);
      expect((await client.getMessages(other.address)).results[0].preparedSignature).to.equal(null);
    });

    it("answers two owners adding the same message at once with 201 and 400, never 500, and keeps the first", async function () {
      const message = "Treasury attestation, posted twice at once";
      const bodies = await Promise.all(
        [owners[0], owners[1]].map(async (owner) => {
          const kit = await protocolKit(hre, safe, { signer: owner });
          const signed = await kit.signMessage(kit.createMessage(message));
          return JSON.stringify({ message, signature: signed.getSignature(owner)!.data });
        }),
      );
      const responses = await Promise.all(
        bodies.map((body) =>
          fetch(`${svc.url}/v1/safes/${safe}/messages/`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          }),
        ),
      );
      const answers = await Promise.all(responses.map(async (r) => ({ status: r.status, text: await r.text() })));
      expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 400]);
      expect(answers.find((a) => a.status === 400)!.text).to.match(/already exists: add signatures to it/);
      const { hash } = safeMessageHashes(safe, "1.5.0", svc.chainId, message);
      const stored = await client.getMessage(hash);
      const first = answers[0].status === 201 ? owners[0] : owners[1];
      expect(stored.proposedBy).to.equal(first);
      expect(stored.confirmations.map((c) => c.owner)).to.deep.equal([first]);
    });
  });

  describe("indexing", function () {
    it("records executions nobody proposed, with their fields, so executed=true is the Safe's history", async function () {
      await client.getSafeInfo(safe);
      const [a, b] = signers;
      const nonce = Number(await safeAt(safe).nonce());
      await (await execSafeTx(safe, { to: owners[2], value: 9n }, [a, b])).wait();
      await indexed(svc);
      const history = await client.getMultisigTransactions(safe, { executed: true, ordering: "-nonce" } as never);
      const latest = history.results[0];
      expect(latest).to.include({ to: owners[2], value: "9", nonce: String(nonce), isExecuted: true });
      expect(latest.signatures).to.match(/^0x/);
    });

    it("ignores ExecutionSuccess logs of a contract posing as a Safe for a real Safe's transactions", async function () {
      const recipient = getAddress("0x00000000000000000000000000000000000b0b02");
      const nonce = Number(await client.getNextNonce(safe));
      const pending = await propose(client, safe, owners[0], { to: recipient, value: "21" }, nonce);
      // A transaction the owners have not proposed yet, whose hash anyone can compute (here a rejection).
      const kit = await protocolKit(hre, safe, { signer: owners[1] });
      const upcoming = await kit.getTransactionHash(
        await kit.createTransaction({ transactions: [{ to: safe, value: "0", data: "0x" }], options: { nonce } }),
      );
      const fake = await (await ethers.getContractFactory("FakeSafe")).deploy(owners);
      const fakeAddress = await fake.getAddress();
      expect((await client.getSafeInfo(fakeAddress)).owners).to.deep.equal(owners); // the service now follows it
      await (await fake.fakeExecution(pending)).wait();
      await (await fake.fakeExecution(upcoming)).wait();
      await indexed(svc);

      const stored = await client.getTransaction(pending);
      expect(stored).to.include({ isExecuted: false, transactionHash: null, executor: null });
      const rejection = await propose(client, safe, owners[1], { to: safe, value: "0" }, nonce);
      expect(rejection).to.equal(upcoming);
      expect((await client.getTransaction(upcoming)).isExecuted).to.equal(false);
      const listed = await client.getPendingTransactions(safe);
      expect(listed.results.map((t) => t.safeTxHash)).to.include.members([pending, upcoming]);
      await confirmAs(client, safe, owners[1], pending);
      expect((await client.getTransaction(pending)).confirmations).to.have.length(2);
      expect((await client.getMultisigTransactions(fakeAddress, { executed: true })).count).to.equal(0);
    });

    it("backfills the Safes it is asked about in one pass over the history, however many they are", async function () {
      const later = await Promise.all(
        [0x5a1n, 0x5a2n, 0x5a3n, 0x5a4n].map((saltNonce) => deployTestSafe({ ownerCount: 2, threshold: 2, saltNonce })),
      );
      await (await execSafeTx(later[3].address, { to: owners[2], value: 7n }, later[3].signers.slice(0, 2))).wait();
      const provider = new JsonRpcProvider(rpc.url, Network.from(svc.chainId), {
        staticNetwork: true,
        batchMaxCount: 1,
        cacheTimeout: -1,
      });
      let getLogs = 0;
      const original = provider.getLogs.bind(provider);
      provider.getLogs = (filter) => {
        getLogs++;
        return original(filter);
      };
      const fresh = await service(rpc.url, { provider, chunk: 20, pollIntervalMs: 3_600_000 });
      try {
        const freshClient = api(fresh);
        await indexed(fresh);
        const scan = async (safes: string[]) => {
          for (const s of safes) await freshClient.getSafeInfo(s);
          getLogs = 0;
          await indexed(fresh);
          return getLogs;
        };
        const one = await scan([later[0].address]);
        const three = await scan(later.slice(1).map((l) => l.address));
        expect(one).to.be.greaterThan(0);
        expect(three).to.equal(one);
        const history = await freshClient.getMultisigTransactions(later[3].address, { executed: true });
        expect(history.results.map((t) => t.value)).to.deep.equal(["7"]);
      } finally {
        await fresh.close();
        provider.destroy();
      }
    });

    it("forgets what a re-org removed and reads the new blocks", async function () {
      await client.getSafeInfo(safe); // the service follows the Safes it was asked about
      const snapshot = await hre.network.provider.send("evm_snapshot");
      const [a, b] = signers;
      await (await execSafeTx(safe, { to: owners[2], value: 11n }, [a, b])).wait();
      await indexed(svc);
      const withIt = await client.getMultisigTransactions(safe, { executed: true } as never);
      const executedIn = await hre.ethers.provider.getBlockNumber();
      expect(await hre.network.provider.send("evm_revert", [snapshot])).to.equal(true);
      await hre.network.provider.send("hardhat_mine", ["0x3"]);
      expect(await hre.ethers.provider.getBlockNumber()).to.be.greaterThan(executedIn);
      await indexed(svc);
      const without = await client.getMultisigTransactions(safe, { executed: true } as never);
      expect(without.count).to.equal(withIt.count - 1);
      expect(without.results.some((t) => t.value === "11")).to.equal(false);
    });

    it("serves the TreasuryGuard's queue under its extension path", async function () {
      const f = await guardedSafe("1.5.0");
      const { id, eta } = await queueTx(f, { to: f.stranger.address, value: parseEther("1") });
      await fetch(`${svc.url}/v1/safes/${f.safeAddress}/`);
      await indexed(svc);
      const queue = (await (await fetch(`${svc.url}/v1/safes/${f.safeAddress}/guard-queue/`)).json()) as {
        count: number;
        guard: string;
        results: { id: string; status: string; eta: number; to: string; value: string; reason: string }[];
      };
      expect(queue.guard).to.equal(f.guardAddress);
      expect(queue.results).to.have.length(1);
      expect(queue.results[0]).to.include({
        id: id.toString(),
        status: "waiting",
        eta: Number(eta),
        to: f.stranger.address,
        value: parseEther("1").toString(),
        reason: "recipient-not-allowed",
      });
      // A second one is vetoed by an owner, which cancels it; the first runs after its delay.
      const second = await queueTx(f, { to: f.stranger.address, value: parseEther("2") });
      expect(await f.guard.cancelThreshold(f.safeAddress)).to.equal(1n); // so that one veto cancels it
      await (await f.guard.connect(f.owners[2]).veto(f.safeAddress, second.id)).wait();
      await time.increase(DAY + 1n);
      await hre.network.provider.send("hardhat_mine", ["0x1"]);
      const queueOf = async (query = "") =>
        (await (await fetch(`${svc.url}/v1/safes/${f.safeAddress}/guard-queue/${query}`)).json()) as {
          count: number;
          results: {
            id: string;
            status: string;
            vetoes: number;
            cancelledBy: string | null;
            closedTransactionHash: string | null;
          }[];
        };
      await indexed(svc);
      expect((await queueOf("?status=ready")).results.map((i) => i.id)).to.deep.equal([id.toString()]);
      const cancelled = (await queueOf("?status=cancelled")).results;
      expect(cancelled).to.have.length(1);
      expect(cancelled[0]).to.include({ id: second.id.toString(), vetoes: 1, cancelledBy: f.owners[2].address });
      await (await f.guard.connect(f.executor).execute(f.safeAddress, id)).wait();
      await indexed(svc);
      const executed = (await queueOf("?status=executed")).results;
      expect(executed.map((i) => i.id)).to.deep.equal([id.toString()]);
      expect(executed[0].closedTransactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect((await queueOf()).count).to.equal(2);
    });
  });

  describe("which service lib's apiKit uses", function () {
    it("on a local chain without TX_SERVICE_URL: the embedded default if it answers, else a sentence to start it", async function () {
      const saved = process.env.TX_SERVICE_URL;
      delete process.env.TX_SERVICE_URL;
      try {
        await expect(apiKit(hre)).to.be.rejectedWith(/start the embedded one .*tx-service --network localhost/);
        const onDefault = await service(rpc.url, { port: Number(new URL(EMBEDDED_SERVICE_URL).port) });
        try {
          expect((await (await apiKit(hre)).getSafeInfo(safe)).address).to.equal(safe);
        } finally {
          await onDefault.close();
        }
      } finally {
        if (saved === undefined) delete process.env.TX_SERVICE_URL;
        else process.env.TX_SERVICE_URL = saved;
      }
    });
  });

  describe("access", function () {
    it("needs the token for writes when one is set, and refuses to bind beyond loopback without one", async function () {
      const token = "t0ken-for-the-test-suite";
      const guarded = await service(rpc.url, { token });
      try {
        const refused = await httpError(propose(api(guarded), safe, owners[0], { to: owners[1], value: "8" }));
        expect(refused.statusCode).to.equal(401);
        expect(refused.message).to.match(/Authorization: Bearer/);
        expect((await api(guarded).getSafeInfo(safe)).address).to.equal(safe);
        const hash = await propose(api(guarded, token), safe, owners[0], { to: owners[1], value: "8" });
        expect((await api(guarded).getTransaction(hash)).safeTxHash).to.equal(hash);
      } finally {
        await guarded.close();
      }
      await expect(service(rpc.url, { host: "0.0.0.0" })).to.be.rejectedWith(/set TX_SERVICE_TOKEN/);
    });
  });

  describe("storage", function () {
    it("lists the same pending transactions with the same confirmations after a restart", async function () {
      const dir = mkdtempSync(join(tmpdir(), "tx-service-"));
      const db = join(dir, "service.sqlite");
      try {
        const first = await service(rpc.url, { db });
        const firstClient = api(first);
        const hash = await propose(firstClient, safe, owners[0], { to: owners[1], value: "42" });
        await confirmAs(firstClient, safe, owners[1], hash);
        const before = await firstClient.getPendingTransactions(safe);
        await first.close();
        const second = await service(rpc.url, { db });
        try {
          const after = await api(second).getPendingTransactions(safe);
          expect(after.results.map((t) => [t.safeTxHash, t.confirmations])).to.deep.equal(
            before.results.map((t) => [t.safeTxHash, t.confirmations]),
          );
          expect(after.results.map((t) => t.safeTxHash)).to.include(hash);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

function hashMessageOf(message: string): string {
  return ethers.hashMessage(message);
}
