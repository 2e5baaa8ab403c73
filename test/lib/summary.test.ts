import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";

import { buildSummary, formatSummary, type SafeTxFields } from "../../lib/summary";
import { toolkitAddress } from "../../lib/toolkit";
import { batch } from "../fixtures/batch";
import { erc20, safeIface } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { recoveryInterface } from "../../lib/abi";

const fixture = () => guardedSafe("1.5.0");

async function fields(f: Awaited<ReturnType<typeof fixture>>, tx: Partial<SafeTxFields>): Promise<SafeTxFields> {
  return {
    to: tx.to!,
    value: tx.value ?? 0n,
    data: tx.data ?? "0x",
    operation: tx.operation ?? 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: tx.gasPrice ?? 0n,
    gasToken: ZeroAddress,
    refundReceiver: tx.refundReceiver ?? ZeroAddress,
    nonce: tx.nonce ?? (await f.safe.nonce()),
  };
}

/** An address with the same first and last four hex digits as `address`, and another middle. */
function lookAlikeOf(address: string): string {
  const a = address.toLowerCase();
  const middle = a.slice(6, -4).replace(/[0-9a-f]/g, (c) => ((parseInt(c, 16) + 7) % 16).toString(16));
  return getAddress(a.slice(0, 6) + middle + a.slice(-4));
}

describe("lib/summary (what a signer sees)", function () {
  hermetic();

  it("shows all five parts for a batch mixing a whitelisted payment, a non-whitelisted one and an owner change", async function () {
    const f = await loadFixture(fixture);
    const tokenAddress = await f.token.getAddress();
    const newOwner = f.executor.address;
    const tx = await fields(f, {
      ...batch(
        [
          { to: tokenAddress, data: erc20.encodeFunctionData("transfer", [f.alice.address, parseEther("1.5")]) },
          { to: f.stranger.address, value: parseEther("2") },
          { to: f.safeAddress, data: safeIface.encodeFunctionData("addOwnerWithThreshold", [newOwner, 2n]) },
        ],
        f.multiSendCallOnly,
      ),
    });
    const s = await buildSummary(hre, f.safeAddress, tx);

    // 1. Decoded calls: the batch and its three entries, amounts in units with symbols.
    expect(s.calls.map((c) => c.index)).to.deep.equal(["0", "1", "2", "3"]);
    expect(s.calls[0].toName).to.equal("MultiSendCallOnly 1.5.0");
    expect(s.calls[0].operation).to.equal(1);
    expect(s.calls[1].text).to.equal(
      `transfer(to: ${f.alice.address.slice(0, 6)}…${f.alice.address.slice(-4)}, amount: 1.5 TST)`,
    );
    expect(s.calls[1].toName).to.equal("TST token");
    expect(s.calls[2].text).to.equal("send 2 ETH");
    expect(s.calls[3].signature).to.equal("addOwnerWithThreshold(address,uint256)");
    expect(s.calls[3].toName).to.equal("this Safe");

    // 2. Warnings in words.
    const codes = s.warnings.map((w) => [w.code, w.call]);
    expect(codes).to.deep.include(["delegatecall", "0"]);
    expect(codes).to.deep.include(["recipient-not-whitelisted", "2"]);
    expect(codes).to.deep.include(["safe-config", "3"]);
    expect(codes).to.not.deep.include(["recipient-not-whitelisted", "1"]);
    expect(s.warnings.find((w) => w.code === "delegatecall")!.message).to.not.include("never sign");
    expect(s.warnings.find((w) => w.code === "safe-config")!.message).to.include("adds an owner");

    // 3. The guard's verdict with its reason, and what the caps have left.
    expect("unavailable" in s.verdict).to.equal(false);
    if ("unavailable" in s.verdict) return;
    expect(s.verdict.verdict).to.equal("delayed");
    expect(s.verdict.reason).to.equal("recipient-not-allowed");
    expect(s.verdict.outflows.map((o) => [o.asset, o.amount])).to.have.deep.members([
      [tokenAddress, parseEther("1.5")],
      [ZeroAddress, parseEther("2")],
    ]);
    expect(s.verdict.remainingAfter.find((r) => r.asset === tokenAddress)!.text).to.equal("998.5 TST left afterwards");
    expect(s.verdict.remainingAfter.find((r) => r.asset === ZeroAddress)!.text).to.equal("8 ETH left afterwards");

    // 4. The simulation runs it as the owners would, and the guard refuses it there: nothing moves.
    expect("unavailable" in s.simulation).to.equal(false);
    if ("unavailable" in s.simulation) return;
    expect(s.simulation.success).to.equal(false);
    expect(s.simulation.error).to.include("queue");
    expect(s.simulation.balances).to.deep.equal([]);
    expect(await f.safe.getOwners()).to.not.include(newOwner);

    // 5. The hashes a hardware wallet shows, and the Safe's own transaction hash.
    const onChain = await f.safe.getTransactionHash(
      tx.to,
      tx.value,
      tx.data,
      tx.operation,
      0n,
      0n,
      0n,
      ZeroAddress,
      ZeroAddress,
      tx.nonce,
    );
    expect(s.hashes.safeTxHash).to.equal(onChain);
    expect(s.hashes.domainHash).to.equal(await f.safe.domainSeparator());
    expect(s.hashes.messageHash).to.match(/^0x[0-9a-f]{64}$/);

    // The human layout shows each part.
    const text = formatSummary(s);
    for (const line of [
      "DELEGATECALL",
      "amount: 1.5 TST",
      "is not whitelisted by the guard",
      "adds an owner",
      "Guard verdict: DELAYED",
      "Simulation (snapshot): FAILS",
      `domain hash:  ${s.hashes.domainHash}`,
      `safeTxHash:   ${s.hashes.safeTxHash}`,
    ]) {
      expect(text).to.include(line);
    }
  });

  it("simulates a payment within policy with balance changes, and leaves the chain as it was", async function () {
    const f = await loadFixture(fixture);
    const tokenAddress = await f.token.getAddress();
    const amount = parseEther("3");
    const tx = await fields(f, {
      to: tokenAddress,
      data: erc20.encodeFunctionData("transfer", [f.bob.address, amount]),
    });
    const blockBefore = await hre.ethers.provider.getBlockNumber();
    const s = await buildSummary(hre, f.safeAddress, tx);
    const sim = s.simulation;
    if ("unavailable" in sim || "unavailable" in s.verdict) throw new Error("expected a verdict and a simulation");
    expect(s.verdict.verdict).to.equal("instant");
    expect(sim.success).to.equal(true);
    expect(sim.gasUsed).to.be.greaterThan(50_000n);
    expect(sim.events.map((e) => e.name)).to.include.members(["Transfer", "ExecutionSuccess"]);
    const delta = (account: string) =>
      sim.balances.find((b) => b.account === account.toLowerCase() && b.asset === tokenAddress.toLowerCase())?.delta;
    expect(delta(f.safeAddress)).to.equal(-amount);
    expect(delta(f.bob.address)).to.equal(amount);
    // Nothing happened for real.
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect(await f.token.balanceOf(f.bob.address)).to.equal(0n);
  });

  it("warns about a look-alike of an address the Safe paid before (address poisoning)", async function () {
    const f = await loadFixture(fixture);
    const poisoned = lookAlikeOf(f.alice.address);
    const tx = await fields(f, { to: poisoned, value: 1n });
    const s = await buildSummary(hre, f.safeAddress, tx, {
      paidBefore: new Set([f.alice.address.toLowerCase()]),
      simulate: false,
    });
    const warning = s.warnings.find((w) => w.code === "look-alike-address");
    expect(warning?.message).to.include(poisoned).and.include(f.alice.address);
    expect(s.warnings.map((w) => w.code)).to.include("recipient-new");
  });

  it("warns in words about a DELEGATECALL to unknown code and a gas refund, which the guard forbids", async function () {
    const f = await loadFixture(fixture);
    const tx = await fields(f, {
      to: await f.writer.getAddress(),
      data: "0x12345678",
      operation: 1,
      gasPrice: 1n,
      refundReceiver: f.stranger.address,
    });
    const s = await buildSummary(hre, f.safeAddress, tx, { simulate: false });
    expect(s.warnings.find((w) => w.code === "delegatecall")!.message).to.include("never sign");
    expect(s.warnings.map((w) => w.code)).to.include("gas-refund");
    if ("unavailable" in s.verdict) throw new Error("expected a verdict");
    expect(s.verdict.verdict).to.equal("forbidden");
  });

  it("decodes a queue wrapper's inner call and warns about the guardians it would change", async function () {
    const f = await loadFixture(fixture);
    const recovery = await toolkitAddress(hre, "RecoveryModule");
    const setGuardians = recoveryInterface.encodeFunctionData("setGuardians", [[f.stranger.address], 1]);
    const queue = f.guard.interface.encodeFunctionData("queue", [recovery, 0n, setGuardians, 0]);
    const s = await buildSummary(hre, f.safeAddress, await fields(f, { to: f.guardAddress, data: queue }), {
      simulate: false,
    });
    expect(s.calls.map((c) => [c.index, c.signature])).to.deep.equal([
      ["0", "queue(address,uint256,bytes,uint8)"],
      ["q", "setGuardians(address[],uint256)"],
    ]);
    expect(s.calls[0].text).to.equal("queue for the guard's delay, then run call q");
    const warning = s.warnings.find((w) => w.code === "toolkit-config");
    expect(warning).to.deep.include({ call: "q" });
    expect(warning!.message).to.match(/^changes the guardians, who can replace the owners \(newGuardians \[/);
    // The wrapper's own target (the recovery module) is not warned about as a payment recipient.
    expect(s.warnings.filter((w) => w.code.startsWith("recipient"))).to.deep.equal([]);
  });

  it("falls back to Safe's SimulateTxAccessor offline: success and gas only, and a failing call named", async function () {
    const f = await loadFixture(fixture);
    const pay = await buildSummary(hre, f.safeAddress, await fields(f, { to: f.alice.address, value: 1n }), {
      simulate: "accessor",
    });
    expect(pay.simulation).to.deep.include({ mode: "accessor", success: true, events: [], balances: [] });
    const gas = (pay.simulation as { gasUsed: bigint }).gasUsed;
    // The accessor measures the inner call alone (an ETH transfer with value: 9,000 and change), not the Safe around it.
    expect(gas > 9_000n && gas < 30_000n, `gas ${gas}`).to.equal(true);
    expect(formatSummary(pay)).to.match(/Simulation \(offline, SimulateTxAccessor: success and gas only\): succeeds/);
    const balance = await hre.ethers.provider.getBalance(f.safeAddress);
    const tooMuch = await buildSummary(
      hre,
      f.safeAddress,
      await fields(f, { to: f.alice.address, value: balance + 1n }),
      { simulate: "accessor" },
    );
    expect(tooMuch.simulation).to.deep.include({
      mode: "accessor",
      success: false,
      error: "the call reverts without a reason (e.g. more ETH than the Safe holds)",
    });
    expect(await hre.ethers.provider.getBalance(f.safeAddress)).to.equal(balance);
  });
});
