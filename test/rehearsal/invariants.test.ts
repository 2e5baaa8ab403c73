import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ContractFactory, getAddress, parseEther, Wallet, ZeroAddress, ZeroHash } from "ethers";
import type { InterfaceAbi } from "ethers";
import hre, { ethers } from "hardhat";

import { openRehearsalChain, rehearse, type RehearsalReport } from "../../lib/rehearsal";
import { loadArtifact } from "../../lib/safe/canonical";
import { safeTxOf, type SafeTxInput } from "../../lib/safe/prevalidated";
import { CALL, DAY, DELEGATECALL, erc20, ETH, safeIface } from "../fixtures/constants";
import { guardedSafe, queueTx, time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

/**
 * The rehearsal engine on a snapshot of the in-process chain: a guarded Safe 1.4.1 whose TestModule (enabled, and
 * made a trusted target through the queue) is the back door through which a harmless-looking Safe transaction
 * breaks each invariant. Safe 1.4.1 has no module guard, so the module's calls reach the Safe unchecked.
 */
async function backdooredSafe() {
  const f = await guardedSafe("1.4.1");
  const moduleAddress = await f.module.getAddress();
  const trust = f.guard.interface.encodeFunctionData("setTrustedTarget", [moduleAddress, true]);
  const { id } = await queueTx(f, { to: f.guardAddress, data: trust });
  await time.increase(DAY + 1n);
  await (await f.guard.connect(f.executor).execute(f.safeAddress, id)).wait();
  /** The Safe asks its module to run `call` as the Safe: the Safe transaction only names the module. */
  const viaModule = (call: { to: string; data: string; operation?: number }): SafeTxInput => ({
    to: moduleAddress,
    data: f.module.interface.encodeFunctionData("exec", [
      f.safeAddress,
      call.to,
      0n,
      call.data,
      call.operation ?? CALL,
    ]),
  });
  return { ...f, viaModule };
}

async function rehearseOne(safe: string, input: SafeTxInput): Promise<RehearsalReport> {
  const nonce = await (await ethers.getContractAt(["function nonce() view returns (uint256)"], safe)).nonce();
  const chain = await openRehearsalChain(hre);
  try {
    return await rehearse(hre, chain, safe, [{ tx: safeTxOf(input, nonce) }]);
  } finally {
    await chain.close();
  }
}

const check = (report: RehearsalReport, name: string) => report.steps[0].checks.find((c) => c.name === name)!;
const failed = (report: RehearsalReport) => report.steps[0].checks.filter((c) => !c.ok).map((c) => c.name);

describe("rehearsal invariants", function () {
  hermetic();

  it("passes a payment within the policy, with the balances as announced, and leaves the chain as it was", async function () {
    const f = await loadFixture(backdooredSafe);
    const before = await ethers.provider.getBalance(f.safeAddress);
    const report = await rehearseOne(f.safeAddress, { to: f.alice.address, value: parseEther("1") });

    expect(report.ok, JSON.stringify(report.steps[0].checks)).to.equal(true);
    expect(report.mode).to.equal("snapshot");
    const deltas = Object.fromEntries(report.steps[0].balances.map((b) => [`${b.account}/${b.asset}`, b.delta]));
    expect(deltas).to.deep.equal({
      [`${f.safeAddress}/${ETH}`]: -parseEther("1"),
      [`${f.alice.address}/${ETH}`]: parseEther("1"),
    });
    expect(report.steps[0].config.map((c) => c.field)).to.deep.equal(["nonce"]);
    expect(report.steps[0].policy).to.deep.equal([]);
    expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(before);
    expect(await f.safe.nonce()).to.equal(report.before.state.nonce);
  });

  it("fails guard-installed when a transaction removes the guard outside the queue", async function () {
    const f = await loadFixture(backdooredSafe);
    const report = await rehearseOne(
      f.safeAddress,
      f.viaModule({ to: f.safeAddress, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) }),
    );
    expect(failed(report)).to.deep.equal(["guard-installed"]);
    expect(check(report, "guard-installed").detail).to.contain("no longer the Safe's transaction guard");
    expect(report.ok).to.equal(false);
  });

  it("fails owners-unchanged when a transaction adds an owner it does not announce", async function () {
    const f = await loadFixture(backdooredSafe);
    const intruder = Wallet.createRandom().address;
    const report = await rehearseOne(
      f.safeAddress,
      f.viaModule({ to: f.safeAddress, data: safeIface.encodeFunctionData("addOwnerWithThreshold", [intruder, 1]) }),
    );
    expect(failed(report)).to.deep.equal(["owners-unchanged"]);
    expect(check(report, "owners-unchanged").detail).to.contain(getAddress(intruder));
    expect(report.steps[0].config.map((c) => c.field)).to.include.members(["owners", "threshold"]);
  });

  it("fails singleton-canonical when a DELEGATECALL rewrites slot 0", async function () {
    const f = await loadFixture(backdooredSafe);
    const artifact = loadArtifact("1.4.1", "safe");
    const copy = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, f.owners[0]).deploy();
    const copyAddress = await copy.getAddress();
    const report = await rehearseOne(
      f.safeAddress,
      f.viaModule({
        to: await f.writer.getAddress(),
        data: f.writer.interface.encodeFunctionData("overwrite", [copyAddress]),
        operation: DELEGATECALL,
      }),
    );
    expect(failed(report)).to.deep.equal(["singleton-canonical"]);
    expect(check(report, "singleton-canonical").detail).to.contain("not a canonical Safe singleton");
    expect(report.steps[0].config.find((c) => c.field === "singleton")!.after).to.equal(copyAddress);
  });

  it("fails no-unannounced-outflow when tokens leave without a transfer the calls show", async function () {
    const f = await loadFixture(backdooredSafe);
    const token = await f.token.getAddress();
    const report = await rehearseOne(
      f.safeAddress,
      f.viaModule({ to: token, data: erc20.encodeFunctionData("transfer", [f.stranger.address, parseEther("5")]) }),
    );
    expect(failed(report)).to.deep.equal(["no-unannounced-outflow"]);
    expect(check(report, "no-unannounced-outflow").detail).to.equal("5 TST left the Safe, the calls announce 0 TST");
  });

  it("fails executes, with the guard's reason, when the guard refuses the transaction", async function () {
    const f = await loadFixture(backdooredSafe);
    const report = await rehearseOne(f.safeAddress, { to: f.stranger.address, value: parseEther("1") });
    expect(failed(report)).to.deep.equal(["executes"]);
    expect(check(report, "executes").detail).to.contain("non-whitelisted");
    expect(report.steps[0].balances).to.deep.equal([]);
  });

  it("runs a delayed transaction through the queue: queued, the delay passed, guard.execute", async function () {
    const f = await loadFixture(backdooredSafe);
    const queue = f.guard.interface.encodeFunctionData("queue", [f.stranger.address, parseEther("2"), "0x", CALL]);
    const report = await rehearseOne(f.safeAddress, { to: f.guardAddress, data: queue });
    expect(report.ok, JSON.stringify(report.steps[0].checks)).to.equal(true);
    const step = report.steps[0];
    expect(step.queue!.guard).to.equal(f.guardAddress);
    expect(step.queue!.waited).to.be.greaterThan(Number(DAY) - 60);
    expect(step.balances.find((b) => b.account === f.stranger.address)!.delta).to.equal(parseEther("2"));
    expect(step.events.map((e) => e.name)).to.include.members(["TransactionQueued", "TransactionExecuted"]);
  });

  it("fails pending-signatures-valid when a pending proposal no longer hashes to the hash its owners signed", async function () {
    const f = await loadFixture(backdooredSafe);
    const nonce = await f.safe.nonce();
    const payment = safeTxOf({ to: f.alice.address, value: parseEther("1") }, nonce);
    const later = safeTxOf({ to: f.alice.address, value: parseEther("1") }, nonce + 1n);
    const chain = await openRehearsalChain(hre);
    try {
      const signed = await f.safe.getTransactionHash(...Object.values(later).slice(0, 9), later.nonce);
      const kept = await rehearse(hre, chain, f.safeAddress, [{ tx: payment }], {
        later: [{ safeTxHash: signed, tx: later }],
      });
      expect(kept.checks).to.deep.equal([
        {
          name: "pending-signatures-valid",
          ok: true,
          detail: "1 pending proposal(s) keep their hashes, and so their signatures",
        },
      ]);
      const moved = await rehearse(hre, chain, f.safeAddress, [], { later: [{ safeTxHash: ZeroHash, tx: later }] });
      expect(moved.ok).to.equal(false);
      expect(moved.checks[0]).to.deep.include({ name: "pending-signatures-valid", ok: false });
      expect(moved.checks[0].detail).to.equal(`${ZeroHash} now hashes to ${signed}`);
    } finally {
      await chain.close();
    }
  });

  it("allows the guard's removal when it runs through the queue", async function () {
    const f = await loadFixture(backdooredSafe);
    const removal = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
    const queue = f.guard.interface.encodeFunctionData("queue", [f.safeAddress, 0n, removal, CALL]);
    const report = await rehearseOne(f.safeAddress, { to: f.guardAddress, data: queue });
    expect(check(report, "guard-installed")).to.deep.include({ ok: true });
    expect(check(report, "guard-installed").detail).to.contain("ran through the queue");
    expect(report.steps[0].policy[0]).to.contain("TreasuryGuard policy gone");
  });
});
