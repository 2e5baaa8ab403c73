import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { concat, getAddress, parseEther, Wallet, zeroPadValue } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createSafe } from "../../lib/safe/create";
import { normaliseV } from "../../lib/safe/workflow";
import type { TxService } from "../../service";
import { DAY } from "../fixtures/constants";
import { guardedSafe, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { deployTestSafe } from "../fixtures/safe";
import { api, indexed, service } from "../fixtures/service";
import { captured, withEmbeddedService } from "../fixtures/tasks";

const guarded = () => guardedSafe("1.5.0");

/** The propose -> export -> sign elsewhere -> import -> execute tasks against the embedded service. */
describe("safe:* tasks with the embedded service @service", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let svc: TxService;
  let dir: string;

  before(async function () {
    await deployTestSafe({ ownerCount: 1 }); // the bootstrap
    svc = ctx.svc;
    dir = mkdtempSync(join(tmpdir(), "safe-tasks-"));
  });

  after(async function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("proposes, exports for an air-gapped owner, imports its signature and executes", async function () {
    const [first, second] = await ethers.getSigners();
    const airGapped = Wallet.createRandom(); // a key the Hardhat network does not hold
    const safe = await createSafe(hre, {
      owners: [first.address, second.address, airGapped.address],
      threshold: 2,
      saltNonce: 0x7a5c5n,
    });
    await (await first.sendTransaction({ to: safe, value: parseEther("2") })).wait();
    const recipient = getAddress("0x00000000000000000000000000000000000c0ffe");

    await hre.run("safe:propose", { safe, to: recipient, value: "0.5", signer: first.address, yes: true, json: true });
    const [pending] = (await api(svc).getPendingTransactions(safe)).results;
    expect(pending).to.include({ to: recipient, value: parseEther("0.5").toString(), nonce: "0" });
    expect(pending.confirmations?.map((c) => c.owner)).to.deep.equal([first.address]);

    const file = join(dir, "export.json");
    await hre.run("safe:export", { safeTxHash: pending.safeTxHash, out: file, yes: true, json: true });
    const exported = JSON.parse(readFileSync(file, "utf8")) as {
      typedData: { domain: Record<string, unknown>; types: Record<string, never>; message: Record<string, unknown> };
      hashes: { safeTxHash: string; domainHash: string; messageHash: string };
    };
    expect(exported.hashes.safeTxHash).to.equal(pending.safeTxHash);
    const { EIP712Domain: _domain, ...types } = exported.typedData.types;
    void _domain;
    const signature = await airGapped.signTypedData(exported.typedData.domain, types, exported.typedData.message);

    // A stranger's signature of the same data is refused and posts nothing.
    const stranger = await Wallet.createRandom().signTypedData(
      exported.typedData.domain,
      types,
      exported.typedData.message,
    );
    await expect(
      hre.run("safe:import-signature", { safeTxHash: pending.safeTxHash, signature: stranger, json: true }),
    ).to.be.rejectedWith(/which is not an owner/);
    expect((await api(svc).getTransaction(pending.safeTxHash)).confirmations).to.have.length(1);

    // Some wallets return v = 0/1; the import normalises it.
    const lowV = signature.slice(0, -2) + (parseInt(signature.slice(-2), 16) - 27).toString(16).padStart(2, "0");
    expect(normaliseV(lowV)).to.equal(signature);
    await hre.run("safe:import-signature", {
      safeTxHash: pending.safeTxHash,
      signature: lowV,
      signer: airGapped.address,
      json: true,
    });
    const confirmed = await api(svc).getTransaction(pending.safeTxHash);
    expect(confirmed.confirmations?.map((c) => c.owner)).to.have.members([first.address, airGapped.address]);

    const before = await ethers.provider.getBalance(recipient);
    await hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second.address, json: true });
    expect((await ethers.provider.getBalance(recipient)) - before).to.equal(parseEther("0.5"));
    await indexed(svc);
    expect((await api(svc).getTransaction(pending.safeTxHash)).isExecuted).to.equal(true);
    await expect(
      hre.run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second.address, yes: true, json: true }),
    ).to.be.rejectedWith(/already executed/);
  });

  it("proposes a CSV of payouts as one batch after a bad row was reported; two owners confirm and it pays everyone", async function () {
    const [first, second] = await ethers.getSigners();
    const safe = await createSafe(hre, { owners: [first.address, second.address], threshold: 2, saltNonce: 0xc5an });
    const token = await ethers.deployContract("TestERC20");
    await (await token.mint(safe, parseEther("1000"))).wait();
    await (await first.sendTransaction({ to: safe, value: parseEther("3") })).wait();
    const [alice, bob] = [0xa11ce, 0xb0b].map((n) => getAddress("0x" + n.toString(16).padStart(40, "0")));
    const csv = join(dir, "payouts.csv");
    const t = await token.getAddress();
    writeFileSync(csv, `token,to,amount\n,${alice},1.25\n${t},${bob},400.5\nETH,${bob},0.75\nETH,${bob},zero\n`);
    await expect(
      hre.run("safe:propose", { safe, csv, signer: first.address, yes: true, json: true }),
    ).to.be.rejectedWith(/1 problem\(s\); nothing was proposed:\s+line 5: amount "zero" is not a positive ETH amount/);
    expect((await api(svc).getPendingTransactions(safe)).results).to.deep.equal([]);
    writeFileSync(csv, `token,to,amount\n,${alice},1.25\n${t},${bob},400.5\nETH,${bob},0.75\n`);
    await hre.run("safe:propose", { safe, csv, signer: first.address, yes: true, json: true });
    const [pending] = (await api(svc).getPendingTransactions(safe)).results;
    expect(pending.operation).to.equal(1); // MultiSendCallOnly batch
    await hre.run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second.address, yes: true, json: true });
    await hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second.address, json: true });
    expect(await ethers.provider.getBalance(alice)).to.equal(parseEther("1.25"));
    expect(await ethers.provider.getBalance(bob)).to.equal(parseEther("0.75"));
    expect(await token.balanceOf(bob)).to.equal(parseEther("400.5"));
  });

  it("proposes a payment outside the policy as the guard's queue wrapper; it runs with queue:execute after the delay", async function () {
    const f = await loadFixture(guarded);
    const [first, second] = f.owners;
    const before = await ethers.provider.getBalance(f.stranger.address);
    const out = await captured(() =>
      hre.run("safe:propose", {
        safe: f.safeAddress,
        to: f.stranger.address,
        value: "3",
        signer: first.address,
        yes: true,
      }),
    );
    expect(out).to.match(/Guard verdict: DELAYED/);
    expect(out).to.match(/queued: runs after a delay of 86400 s/);
    const [pending] = (await api(svc).getPendingTransactions(f.safeAddress)).results;
    expect(pending.to).to.equal(f.guardAddress);
    await hre.run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second.address, yes: true, json: true });
    await hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second.address, json: true });
    const listed = await captured(() => hre.run("queue:list", { safe: f.safeAddress, json: true }));
    const { items } = JSON.parse(listed) as { items: { id: number; state: string; to: string }[] };
    expect(items.map((i) => [i.id, i.state, i.to])).to.deep.equal([[0, "waiting", f.stranger.address]]);
    await expect(
      hre.run("queue:execute", { safe: f.safeAddress, id: 0, signer: f.executor.address, json: true }),
    ).to.be.rejectedWith(/was not executed: Queued transaction 0 .*cannot run before/);
    await time.increase(DAY + 1n);
    await hre.run("queue:execute", { safe: f.safeAddress, id: 0, signer: f.executor.address, json: true });
    expect((await ethers.provider.getBalance(f.stranger.address)) - before).to.equal(parseEther("3"));
  });

  it("refuses before anyone signs what the guard forbids, and signs nothing without --yes and a terminal", async function () {
    const f = await loadFixture(guarded);
    const [owner] = f.owners;
    // A DELEGATECALL-free call the guard forbids: a plain call to the guard's execute hook path is a GuardCall.
    const data = f.guard.interface.encodeFunctionData("checkAfterExecution", [ethers.ZeroHash, true]);
    // Proposals like the two refused below: earlier tests' proposals for this Safe may come back as pending when the
    // fixture reverts the chain and the service re-indexes, so only these two are checked.
    const pending = async () =>
      (await api(svc).getPendingTransactions(f.safeAddress)).results.filter(
        (t) =>
          (t.to === f.guardAddress && t.data === data) ||
          (t.to === f.alice.address && t.value === parseEther("1").toString()),
      );
    await expect(
      hre.run("safe:propose", {
        safe: f.safeAddress,
        to: f.guardAddress,
        data,
        signer: owner.address,
        yes: true,
        json: true,
      }),
    ).to.be.rejectedWith(/guard forbids this transaction \(guard-call/);
    await expect(
      hre.run("safe:propose", {
        safe: f.safeAddress,
        to: f.alice.address,
        value: "1",
        signer: owner.address,
        json: true,
      }),
    ).to.be.rejectedWith(/run again with --yes/);
    expect(await pending()).to.deep.equal([]);
  });

  it("executes only confirmations it verified: a listed approval of the executor's is not one", async function () {
    const [first, second, third] = await ethers.getSigners();
    const safe = await createSafe(hre, {
      owners: [first.address, second.address, third.address],
      threshold: 2,
      saltNonce: 0x7a5c6n,
    });
    await (await first.sendTransaction({ to: safe, value: parseEther("1") })).wait();
    const recipient = getAddress("0x00000000000000000000000000000000000c0ff1");
    await hre.run("safe:propose", { safe, to: recipient, value: "0.25", signer: first.address, yes: true, json: true });
    const [pending] = (await api(svc).getPendingTransactions(safe)).results;
    // A service that lies (compromised, or not this one) lists an approved hash of the executor's, which the Safe
    // would take from its executor without any approval on chain: the executor would supply the second signature.
    svc.store.insertConfirmation({
      safe_tx_hash: pending.safeTxHash.toLowerCase(),
      owner: second.address,
      signature: concat([zeroPadValue(second.address, 32), ethers.ZeroHash, "0x01"]),
      signature_type: "APPROVED_HASH",
      submission_date: new Date().toISOString(),
    });
    expect((await api(svc).getTransaction(pending.safeTxHash)).confirmations).to.have.length(2);
    const before = await ethers.provider.getBalance(recipient);
    await expect(
      hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second.address, json: true }),
    ).to.be.rejectedWith(
      new RegExp(
        `confirmation of ${second.address} for ${pending.safeTxHash} is not valid .*has not called approveHash`,
      ),
    );
    expect(await ethers.provider.getBalance(recipient)).to.equal(before);
    expect(await (await ethers.getContractAt(["function nonce() view returns (uint256)"], safe)).nonce()).to.equal(0n);

    // A confirmation whose signature recovers to someone else is refused the same way.
    svc.store.db
      .prepare("UPDATE confirmations SET signature = ?, signature_type = 'EOA' WHERE safe_tx_hash = ? AND owner = ?")
      .run(
        await Wallet.createRandom().signingKey.sign(pending.safeTxHash).serialized,
        pending.safeTxHash.toLowerCase(),
        second.address,
      );
    await expect(
      hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: third.address, json: true }),
    ).to.be.rejectedWith(/is not valid \(its signature recovers to 0x[0-9a-fA-F]{40}, not /);
    expect(await ethers.provider.getBalance(recipient)).to.equal(before);
  });

  it("refuses a DELEGATECALL the guard forbids before anyone signs, and names the missing key", async function () {
    const f = await loadFixture(guarded);
    const pendingBefore = (await api(svc).getPendingTransactions(f.safeAddress)).results.length;
    await expect(
      hre.run("safe:propose", {
        safe: f.safeAddress,
        to: f.stranger.address,
        operation: "delegatecall",
        sig: "drain(address)",
        args: f.stranger.address,
        signer: f.owners[0].address,
        yes: true,
        json: true,
      }),
    ).to.be.rejectedWith(/guard forbids this transaction \(delegatecall.*Nothing was signed/i);
    await expect(
      hre.run("safe:propose", { safe: f.safeAddress, to: f.alice.address, value: "1", yes: true, json: true }),
    ).to.be.rejectedWith(/No owner key to sign with on network hardhat: set PRIVATE_KEY/);
    expect((await api(svc).getPendingTransactions(f.safeAddress)).results).to.have.length(pendingBefore);
  });

  it("holds two proposals at one nonce; safe:reject replaces both and they can never run", async function () {
    const [first, second] = await ethers.getSigners();
    const safe = await createSafe(hre, { owners: [first.address, second.address], threshold: 2, saltNonce: 0x2e1n });
    await (await first.sendTransaction({ to: safe, value: parseEther("1") })).wait();
    const recipient = getAddress("0x00000000000000000000000000000000000c0ff2");
    const run = (task: string, args: Record<string, unknown>) =>
      captured(() => hre.run(task, { signer: first.address, yes: true, json: true, ...args }));
    const a = JSON.parse(await run("safe:propose", { safe, to: recipient, value: "0.1" })) as { safeTxHash: string };
    const b = JSON.parse(await run("safe:propose", { safe, to: recipient, value: "0.2", nonce: 0 })) as {
      safeTxHash: string;
      nonce: number;
    };
    expect(b.nonce).to.equal(0);
    const pending = (await api(svc).getPendingTransactions(safe)).results;
    expect(pending.map((t) => [t.nonce, t.safeTxHash]).sort()).to.deep.equal(
      [
        ["0", a.safeTxHash],
        ["0", b.safeTxHash],
      ].sort(),
    );
    const rejection = JSON.parse(await run("safe:reject", { safe, nonce: 0 })) as {
      safeTxHash: string;
      replaces: string[];
    };
    expect(rejection.replaces.sort()).to.deep.equal([a.safeTxHash, b.safeTxHash].sort());
    const proposed = await api(svc).getTransaction(rejection.safeTxHash);
    expect(proposed).to.include({ to: safe, value: "0", data: null, nonce: "0" });
    await hre.run("safe:confirm", { safeTxHash: rejection.safeTxHash, signer: second.address, yes: true, json: true });
    await hre.run("safe:execute", { safeTxHash: rejection.safeTxHash, signer: second.address, json: true });
    expect(await ethers.provider.getBalance(recipient)).to.equal(0n);
    await hre.run("safe:confirm", { safeTxHash: a.safeTxHash, signer: second.address, yes: true, json: true }).catch(
      () => undefined, // the service may refuse a confirmation of a replaced transaction; either way it cannot run
    );
    await expect(
      hre.run("safe:execute", { safeTxHash: a.safeTxHash, signer: second.address, json: true }),
    ).to.be.rejectedWith(/nonce 0, which another transaction already used .*can never run/);
    await expect(run("safe:reject", { safe, nonce: 0 })).to.be.rejectedWith(/Nonce 0 is already used/);
    expect(await ethers.provider.getBalance(recipient)).to.equal(0n);
  });

  it("names a removed owner's signature as stale at execute, and runs once current owners reach the threshold", async function () {
    const [first, second, third] = await ethers.getSigners();
    const safe = await createSafe(hre, {
      owners: [first.address, second.address, third.address],
      threshold: 2,
      saltNonce: 0x57a1en,
    });
    await (await first.sendTransaction({ to: safe, value: parseEther("1") })).wait();
    const recipient = getAddress("0x00000000000000000000000000000000000c0ff3");
    const run = (task: string, args: Record<string, unknown>) =>
      captured(() => hre.run(task, { yes: true, json: true, ...args }));
    // nonce 1: a payment third signs first; nonce 0: removing third (prev owner in the Safe's list is second).
    const pay = JSON.parse(
      await run("safe:propose", { safe, to: recipient, value: "0.3", nonce: 1, signer: third.address }),
    ) as { safeTxHash: string };
    const removal = JSON.parse(
      await run("safe:propose", {
        safe,
        to: safe,
        sig: "removeOwner(address,address,uint256)",
        args: `${second.address},${third.address},2`,
        nonce: 0,
        signer: first.address,
      }),
    ) as { safeTxHash: string };
    await run("safe:confirm", { safeTxHash: removal.safeTxHash, signer: second.address });
    await run("safe:execute", { safeTxHash: removal.safeTxHash, signer: second.address });
    const owners = await (
      await ethers.getContractAt(["function getOwners() view returns (address[])"], safe)
    ).getOwners();
    expect(owners).to.deep.equal([first.address, second.address]);

    await run("safe:confirm", { safeTxHash: pay.safeTxHash, signer: first.address });
    expect((await api(svc).getTransaction(pay.safeTxHash)).confirmations).to.have.length(2);
    await expect(run("safe:execute", { safeTxHash: pay.safeTxHash, signer: first.address })).to.be.rejectedWith(
      new RegExp(`has 1 valid confirmation\\(s\\) of the 2 .*${third.address} signed but is no longer an owner`),
    );
    expect(await ethers.provider.getBalance(recipient)).to.equal(0n);
    await run("safe:confirm", { safeTxHash: pay.safeTxHash, signer: second.address });
    const executed = JSON.parse(await run("safe:execute", { safeTxHash: pay.safeTxHash, signer: first.address })) as {
      success: boolean;
      stale: string[];
      events: { name: string }[];
    };
    expect(executed.success).to.equal(true);
    expect(executed.stale).to.deep.equal([third.address]);
    expect(executed.events.map((e) => e.name)).to.include("ExecutionSuccess");
    expect(await ethers.provider.getBalance(recipient)).to.equal(parseEther("0.3"));
  });

  it("works unchanged against a service that wants an API key, which arrives as api-kit sends it", async function () {
    const token = "hosted-like-api-key-0123456789";
    const keyed = await service(ctx.rpcUrl, { token });
    const saved = { url: process.env.TX_SERVICE_URL, key: process.env.SAFE_API_KEY };
    process.env.TX_SERVICE_URL = keyed.url;
    try {
      const [first, second] = await ethers.getSigners();
      const safe = await createSafe(hre, { owners: [first.address, second.address], threshold: 2, saltNonce: 0xa91n });
      const args = { safe, to: second.address, value: "0", signer: first.address, yes: true, json: true };
      delete process.env.SAFE_API_KEY;
      await expect(hre.run("safe:propose", args)).to.be.rejectedWith(/refused to accept the proposal \(HTTP 401\)/);
      expect((await api(keyed).getPendingTransactions(safe)).results).to.deep.equal([]);
      process.env.SAFE_API_KEY = token;
      await hre.run("safe:propose", args);
      const [pending] = (await api(keyed).getPendingTransactions(safe)).results;
      await hre.run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second.address, yes: true, json: true });
      expect((await api(keyed).getTransaction(pending.safeTxHash)).confirmations).to.have.length(2);
    } finally {
      if (saved.url === undefined) delete process.env.TX_SERVICE_URL;
      else process.env.TX_SERVICE_URL = saved.url;
      if (saved.key === undefined) delete process.env.SAFE_API_KEY;
      else process.env.SAFE_API_KEY = saved.key;
      await keyed.close();
    }
  });

  it("queue:cancel is a Safe transaction that cancels an item; queue:veto shows the cancel threshold", async function () {
    const f = await loadFixture(guarded);
    const [first, second] = f.owners;
    const run = (task: string, args: Record<string, unknown>) =>
      captured(() => hre.run(task, { yes: true, json: true, ...args }));
    // The service outlives the fixture's chain snapshots: propose at the chain's nonce, not the service's next.
    const nonce = async () =>
      Number(await (await ethers.getContractAt(["function nonce() view returns (uint256)"], f.safeAddress)).nonce());
    const signed = async (task: string, args: Record<string, unknown>) => {
      const { safeTxHash } = JSON.parse(
        await run(task, { safe: f.safeAddress, signer: first.address, nonce: await nonce(), ...args }),
      ) as { safeTxHash: string };
      await run("safe:confirm", { safeTxHash, signer: second.address });
      await run("safe:execute", { safeTxHash, signer: second.address });
      return api(svc).getTransaction(safeTxHash);
    };
    const states = async () =>
      (JSON.parse(await run("queue:list", { safe: f.safeAddress })) as { items: { state: string }[] }).items.map(
        (i) => i.state,
      );
    await signed("safe:propose", { to: f.stranger.address, value: "3" });
    expect(await states()).to.deep.equal(["waiting"]);
    const cancel = await signed("queue:cancel", { id: 0 });
    expect(cancel.to).to.equal(f.guardAddress);
    expect(f.guard.interface.decodeFunctionData("cancel", cancel.data!)).to.deep.equal([0n]);
    expect(await states()).to.deep.equal(["cancelled"]);

    await signed("safe:propose", { to: f.stranger.address, value: "3" });
    const required = await f.guard.cancelThreshold(f.safeAddress);
    const vetoed = JSON.parse(await run("queue:veto", { safe: f.safeAddress, id: 1, signer: first.address })) as {
      vetoes: number;
      required: string;
      state: string;
    };
    // The owners' own cancellation does not raise the streak: one veto (min(streak + 1, threshold)) cancels.
    expect(required).to.equal(1n);
    expect(vetoed).to.deep.equal({ id: 1, vetoes: 1, required: "1", state: "cancelled" });
    expect(await states()).to.deep.equal(["cancelled", "cancelled"]);

    await time.increase(DAY + 1n);
    const before = await ethers.provider.getBalance(f.stranger.address);
    await expect(run("queue:execute", { safe: f.safeAddress, id: 0, signer: f.executor.address })).to.be.rejectedWith(
      /Queue item 0 was not executed/,
    );
    await expect(run("queue:cancel", { safe: f.safeAddress, id: 0, signer: first.address })).to.be.rejectedWith(
      /Queue item 0 is cancelled: only a waiting or ready item can be cancelled/,
    );
    expect(await ethers.provider.getBalance(f.stranger.address)).to.equal(before);
  });

  it("--token takes the symbol of a token the guard caps, in the token's units, and refuses one it does not", async function () {
    const f = await loadFixture(guarded);
    const tokenAddress = await f.token.getAddress();
    const nonce = Number(
      await (await ethers.getContractAt(["function nonce() view returns (uint256)"], f.safeAddress)).nonce(),
    );
    const args = { safe: f.safeAddress, to: f.alice.address, amount: "1.5", signer: f.owners[0].address, nonce };
    const out = await captured(() => hre.run("safe:propose", { ...args, token: "tst", yes: true, json: true }));
    const proposed = await api(svc).getTransaction((JSON.parse(out) as { safeTxHash: string }).safeTxHash);
    expect(proposed.to).to.equal(tokenAddress);
    expect(f.token.interface.decodeFunctionData("transfer", proposed.data!)).to.deep.equal([
      f.alice.address,
      parseEther("1.5"),
    ]);
    await expect(hre.run("safe:propose", { ...args, token: "USDC", yes: true, json: true })).to.be.rejectedWith(
      /--token USDC: unknown token symbol\. Give "ETH" or the token's address; the tokens this Safe's configuration names are .*TST/,
    );
  });
});
