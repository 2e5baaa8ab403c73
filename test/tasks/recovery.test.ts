import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { TreasuryInfo } from "../../lib/info";
import { recoveryHash, type RecoveryStatus } from "../../lib/modules/recovery";
import { readSafeState } from "../../lib/safe/state";
import { localAccountKeys } from "../../lib/signer";
import { deployToolkit, toolkitAddress } from "../../lib/toolkit";
import { deployTreasury, readTreasuryParams } from "../../lib/treasury";
import { DAY } from "../fixtures/constants";
import { time } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { sorted } from "../fixtures/modules";
import { deployTestSafe } from "../fixtures/safe";
import { api, indexed } from "../fixtures/service";
import { captured, withEmbeddedService } from "../fixtures/tasks";
import { recoveryInterface } from "../../lib/abi";

/** deploy/parameters/full.json: 2-of-3 owners #0-#2, the guard (delay 1 day), guardians #7-#9 (2 of 3), 90d / 7d. */
const PARAMS = readTreasuryParams("deploy/parameters/full.json");
const INACTIVITY = 90n * DAY;
const DELAY = 7n * DAY;

describe("recovery:* tasks with the embedded service @service", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let dir: string;
  let module: string;
  let salt = 0x7ec0_0000n;

  before(async function () {
    await deployTestSafe({ ownerCount: 1 }); // the bootstrap
    dir = mkdtempSync(join(tmpdir(), "recovery-tasks-"));
    module = await toolkitAddress(hre, "RecoveryModule");
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A fresh guarded treasury with the RecoveryModule per test, created through the lib path treasury:deploy runs
   * (a Safe of its own, so the service's records of other tests' Safes never meet its nonces).
   */
  async function treasury() {
    const { address: safe } = await deployTreasury(hre, { ...PARAMS, saltNonce: salt++ });
    const signers = await ethers.getSigners();
    const [owner0, owner1] = signers;
    const [g7, g8, g9] = [signers[7], signers[8], signers[9]];
    const stranger = signers[5];
    return { safe, owner0, owner1, g7, g8, g9, stranger };
  }

  const status = async (safe: string) =>
    JSON.parse(await captured(() => hre.run("recovery:status", { safe, json: true }))) as RecoveryStatus & {
      nonce: string;
    };

  /** Confirms the pending proposal with `safeTxHash` as the second owner and executes it. */
  async function confirmAndExecute(safeTxHash: string, second: string) {
    await hre.run("safe:confirm", { safeTxHash, signer: second, yes: true, json: true });
    await hre.run("safe:execute", { safeTxHash, signer: second, json: true });
    await indexed(ctx.svc);
  }

  it("proposes a new configuration through the guard's queue; executed, it reads back", async function () {
    const t = await treasury();
    const guardians = [t.g7.address, t.g8.address];
    const saved = join(dir, "info.json");
    writeFileSync(saved, await captured(() => hre.run("safe:info", { safe: t.safe, json: true })));
    const { configuration } = JSON.parse(readFileSync(saved, "utf8")) as TreasuryInfo;
    expect(configuration.recovery).to.deep.include({ module, threshold: 2, inactivityPeriod: 90 * 86400 });
    const out = await captured(() =>
      hre.run("recovery:configure", {
        safe: t.safe,
        guardians: guardians.join(","),
        threshold: 1,
        inactivity: "30d",
        delay: "2d",
        signer: t.owner0.address,
        yes: true,
      }),
    );
    // Calls to the module are not trusted targets: the Safe signs the guard's queue wrapper.
    expect(out).to.match(/new guardians: every collected approval is void/);
    expect(out).to.match(/Guard verdict: DELAYED/);
    expect(out).to.match(/queued: runs after a delay of 86400 s/);
    const [pending] = (await api(ctx.svc).getPendingTransactions(t.safe)).results;
    expect(pending.nonce).to.equal("0");
    await confirmAndExecute(pending.safeTxHash, t.owner1.address);
    expect((await status(t.safe)).guardians).to.have.length(3); // not before the delay

    await time.increase(DAY + 1n);
    await hre.run("queue:execute", { safe: t.safe, id: 0, signer: t.stranger.address, json: true });
    const s = await status(t.safe);
    expect(s.guardians).to.have.members(guardians);
    expect([s.threshold, s.inactivityPeriod, s.recoveryDelay]).to.deep.equal([1, 30 * 86400, 2 * 86400]);
    expect(s.activityRecorder).to.equal(await toolkitAddress(hre, "TreasuryGuard")); // kept
    expect(s.state).to.equal("none");
    // safe:info --check, the treasury's backup documentation, names the recovery change.
    const check = await captured(() => hre.run("safe:info", { safe: t.safe, check: saved }));
    expect(process.exitCode).to.equal(1);
    process.exitCode = 0;
    expect(check).to.include(`recovery.guardians: removed ${t.g9.address}`);
    expect(check).to.include("recovery.threshold: saved 2, now 1");
    expect(check).to.include(`recovery.recoveryDelay: saved ${7 * 86400}, now ${2 * 86400}`);
  });

  it("enables and configures the module on a guarded Safe without it, wiring the guard so a recovery can finalize", async function () {
    await deployToolkit(hre, ["RecoveryModule"]);
    const { address: safe } = await deployTreasury(hre, {
      ...readTreasuryParams("deploy/parameters/guarded.json"),
      saltNonce: salt++,
    });
    const signers = await ethers.getSigners();
    const [owner0, owner1, g7, g8, stranger] = [signers[0], signers[1], signers[7], signers[8], signers[5]];
    expect((await status(safe)).state).to.equal("not-enabled");
    await expect(
      hre.run("recovery:configure", { safe, guardians: g7.address, signer: owner0.address, yes: true, json: true }),
    ).to.be.rejectedWith(/not configured for .* yet: give --threshold, --delay/);

    const out = await captured(() =>
      hre.run("recovery:configure", {
        safe,
        guardians: `${g7.address},${g8.address}`,
        threshold: 2,
        delay: "1d",
        signer: owner0.address,
        yes: true,
      }),
    );
    expect(out).to.match(/enable the RecoveryModule and configure it/);
    expect(out).to.match(/name it the TreasuryGuard's recovery module/);
    expect(out).to.match(/queued: runs after a delay of 86400 s/);
    const [pending] = (await api(ctx.svc).getPendingTransactions(safe)).results;
    await confirmAndExecute(pending.safeTxHash, owner1.address);
    await time.increase(DAY + 1n);
    await hre.run("queue:execute", { safe, id: 0, signer: stranger.address, json: true });

    const guardAddress = await toolkitAddress(hre, "TreasuryGuard");
    const guard = await ethers.getContractAt("TreasuryGuard", guardAddress);
    const s = await status(safe);
    expect(s).to.include({ enabled: true, state: "none", threshold: 2, inactivityPeriod: 0, recoveryDelay: 86400 });
    expect(s).to.include({ activityRecorder: guardAddress, recoverableFrom: null, recoverableNow: true });
    expect(await guard.recoveryModule(safe)).to.equal(module);
    const cancel = recoveryInterface.getFunction("cancelRecovery")!.selector;
    expect(await guard.isTrustedSelector(safe, module, cancel)).to.equal(true);

    // Social recovery (no inactivity period): the module guard lets the module's owner changes through.
    const proposal = { safe, owners: stranger.address, threshold: 1, json: true };
    await hre.run("recovery:approve", { ...proposal, signer: g7.address });
    await hre.run("recovery:approve", { ...proposal, signer: g8.address });
    await hre.run("recovery:initiate", { ...proposal, signer: stranger.address });
    await time.increase(DAY);
    await hre.run("recovery:finalize", { safe, signer: owner1.address, json: true });
    const recovered = await readSafeState(ethers.provider, safe);
    expect([recovered.owners, recovered.threshold]).to.deep.equal([[stranger.address], 1]);
  });

  it("reports when the Safe becomes recoverable, before and after the owners' inactivity", async function () {
    const t = await treasury();
    const before = await status(t.safe);
    expect(before).to.include({ state: "none", threshold: 2, recoverableNow: false, enabled: true });
    expect(before.guardians).to.have.members([t.g7.address, t.g8.address, t.g9.address]);
    expect(before.owners).to.deep.equal((await readSafeState(ethers.provider, t.safe)).owners);
    expect(before.recoverableFrom).to.equal(before.lastActivity + Number(INACTIVITY));
    const human = await captured(() => hre.run("recovery:status", { safe: t.safe }));
    expect(human).to.match(/state: +none/);
    expect(human).to.match(/inactivity period: +90d/);
    expect(human).to.match(/recoverable: +no \(inactive from /);

    await time.increaseTo(before.recoverableFrom! + 1);
    const after = await status(t.safe);
    expect(after).to.include({ recoverableNow: true, lastActivity: before.lastActivity, state: "none" });
  });

  it("recovers the Safe: one guardian approves directly, one signs for a stranger to submit; finalized after the delay", async function () {
    const t = await treasury();
    const newOwners = sorted([Wallet.createRandom().address, Wallet.createRandom().address]);
    const proposal = { safe: t.safe, owners: newOwners.join(","), threshold: 2 };
    const ownersBefore = (await readSafeState(ethers.provider, t.safe)).owners;
    await time.increase(INACTIVITY + 1n);

    // Guardian #7 approves directly; the owners are given unsorted and sorted for the module.
    await hre.run("recovery:approve", {
      ...proposal,
      owners: [...newOwners].reverse().join(","),
      signer: t.g7.address,
      json: true,
    });
    // Guardian #8 signs without sending anything; a stranger submits the file.
    const file = join(dir, "g8.json");
    const approval = (await captured(() =>
      hre.run("recovery:approve", { ...proposal, sign: true, out: file, signer: t.g8.address, json: true }),
    )) as string;
    const { chainId } = await ethers.provider.getNetwork();
    expect(JSON.parse(approval).recoveryHash).to.equal(
      recoveryHash(module, chainId, { safe: t.safe, newOwners, newThreshold: 2, nonce: 1n }),
    );
    let s = await status(t.safe);
    expect(s.proposals).to.deep.equal([
      {
        recoveryHash: JSON.parse(approval).recoveryHash,
        newOwners,
        newThreshold: 2,
        approvals: 1,
        approvedBy: [t.g7.address],
      },
    ]);
    // A signature file for other owners is refused before anything is sent.
    await expect(
      hre.run("recovery:approve", {
        ...proposal,
        threshold: 1,
        signatures: file,
        signer: t.stranger.address,
        json: true,
      }),
    ).to.be.rejectedWith(/--signatures: .* signs recovery 0x[0-9a-f]{64}, not this one/);
    const submitted = (await hre.run("recovery:approve", {
      ...proposal,
      signatures: file,
      signer: t.stranger.address,
      json: true,
    })) as { approvals: number; threshold: number; from: string };
    expect(submitted).to.include({ approvals: 2, threshold: 2, from: t.stranger.address });

    await hre.run("recovery:initiate", { ...proposal, signer: t.stranger.address, json: true });
    s = await status(t.safe);
    expect(s.state).to.equal("pending");
    expect(s.pending).to.include({ newThreshold: 2, approvals: 2, inactivity: true });
    expect(s.pending!.newOwners).to.deep.equal(newOwners);
    expect(s.pending!.executableAt).to.equal(s.pending!.initiatedAt + Number(DELAY));

    // Too early: the module's error, by name, and nothing changed.
    await expect(
      hre.run("recovery:finalize", { safe: t.safe, signer: t.stranger.address, json: true }),
    ).to.be.rejectedWith(/The recovery was not finalized: RecoveryNotReady: the recovery of .* can be finalized from /);
    const unchanged = await readSafeState(ethers.provider, t.safe);
    expect([unchanged.owners, unchanged.threshold]).to.deep.equal([ownersBefore, 2]);
    expect((await status(t.safe)).state).to.equal("pending");

    await time.increaseTo(s.pending!.executableAt);
    expect((await status(t.safe)).state).to.equal("ready");
    await hre.run("recovery:finalize", { safe: t.safe, signer: t.stranger.address, json: true });
    const recovered = await readSafeState(ethers.provider, t.safe);
    expect(sorted(recovered.owners)).to.deep.equal(newOwners);
    expect(recovered.threshold).to.equal(2);
    s = await status(t.safe);
    expect(s).to.include({ state: "none", nonce: "2", recoverableNow: false });
    expect(s.proposals).to.deep.equal([]);
  });

  it("exports the typed data for a wallet that is not here; its eth_signTypedData_v4 signature is submitted by anyone", async function () {
    const t = await treasury();
    const proposal = { safe: t.safe, owners: Wallet.createRandom().address, threshold: 1 };
    const file = join(dir, "export.json");
    await hre.run("recovery:approve", { ...proposal, export: true, out: file, json: true });
    const exported = JSON.parse(readFileSync(file, "utf8")) as {
      recoveryHash: string;
      typedData: { domain: Record<string, unknown>; types: Record<string, never>; message: Record<string, unknown> };
    };
    const { EIP712Domain: _domain, ...types } = exported.typedData.types;
    void _domain;
    // Guardian #9's key signs offline, as a hardware or air-gapped wallet would: nothing goes through the node.
    const offline = new Wallet(localAccountKeys(hre, 10)[9].privateKey);
    expect(offline.address).to.equal(t.g9.address);
    const signature = await offline.signTypedData(exported.typedData.domain, types, exported.typedData.message);
    const forged = await Wallet.createRandom().signTypedData(
      exported.typedData.domain,
      types,
      exported.typedData.message,
    );
    await expect(
      hre.run("recovery:approve", { ...proposal, signatures: `${t.g9.address}:${forged}`, signer: t.stranger.address }),
    ).to.be.rejectedWith(/--signatures: the signature given for .* was made by 0x[0-9a-fA-F]{40}/);
    const r = (await hre.run("recovery:approve", {
      ...proposal,
      signatures: `${t.g9.address}:${signature}`,
      signer: t.stranger.address,
      json: true,
    })) as { recoveryHash: string; approvals: number };
    expect(r).to.deep.include({ recoveryHash: exported.recoveryHash, approvals: 1 });
    const recovery = await ethers.getContractAt("RecoveryModule", module);
    expect(await recovery.hasApproved(t.safe, exported.recoveryHash, t.g9.address)).to.equal(true);
  });

  it("a heartbeat by an owner restarts the inactivity clock and cancels an inactivity recovery; others are refused", async function () {
    const t = await treasury();
    const newOwners = sorted([Wallet.createRandom().address]);
    const proposal = { safe: t.safe, owners: newOwners.join(","), threshold: 1, json: true };
    await time.increase(INACTIVITY + 1n);
    await hre.run("recovery:approve", { ...proposal, signer: t.g7.address });
    await hre.run("recovery:approve", { ...proposal, signer: t.g9.address });
    await hre.run("recovery:initiate", { ...proposal, signer: t.stranger.address });
    expect((await status(t.safe)).state).to.equal("pending");

    await expect(hre.run("recovery:heartbeat", { safe: t.safe, signer: t.g7.address, json: true })).to.be.rejectedWith(
      /The heartbeat was not recorded: NotSafeOwner: .* is not an owner of /,
    );
    const beat = (await hre.run("recovery:heartbeat", { safe: t.safe, signer: t.owner1.address, json: true })) as {
      lastActivity: number;
    };
    expect(beat.lastActivity).to.equal(await time.latest());
    const s = await status(t.safe);
    expect(s).to.include({ state: "none", recoverableNow: false, lastActivity: beat.lastActivity });
    expect(s.recoverableFrom).to.equal(beat.lastActivity + Number(INACTIVITY));
    expect(s.pending).to.equal(undefined);
    // Approvals still count (same nonce), but the Safe is active again.
    await expect(hre.run("recovery:initiate", { ...proposal, signer: t.stranger.address })).to.be.rejectedWith(
      /SafeNotInactive: the owners were last active at .*; recovery can start from /,
    );
  });

  it("cancels a pending recovery through the Safe, instantly under the guard, voiding the approvals", async function () {
    const t = await treasury();
    const proposal = { safe: t.safe, owners: Wallet.createRandom().address, threshold: 1, json: true };
    await time.increase(INACTIVITY + 1n);
    await hre.run("recovery:approve", { ...proposal, signer: t.g8.address });
    await hre.run("recovery:approve", { ...proposal, signer: t.g9.address });
    await hre.run("recovery:initiate", { ...proposal, signer: t.stranger.address });
    const before = await status(t.safe);
    expect(before.state).to.equal("pending");

    const out = await captured(() =>
      hre.run("recovery:cancel", { safe: t.safe, signer: t.owner0.address, yes: true, json: true }),
    );
    expect(JSON.parse(out).queued).to.equal(undefined); // a trusted tightening selector: instant
    const [pending] = (await api(ctx.svc).getPendingTransactions(t.safe)).results;
    expect(pending.to).to.equal(module);
    await confirmAndExecute(pending.safeTxHash, t.owner1.address);
    const after = await status(t.safe);
    expect(after).to.include({ state: "none", nonce: (BigInt(before.nonce) + 1n).toString() });
    expect(after.pending).to.equal(undefined);
    // The approvals were for the old nonce: approving again counts from zero.
    const again = (await hre.run("recovery:approve", { ...proposal, signer: t.g8.address })) as { approvals: number };
    expect(again.approvals).to.equal(1);
  });

  it("refuses bad input naming the argument, and proposes nothing", async function () {
    const t = await treasury();
    const base = { safe: t.safe, signer: t.owner0.address, yes: true, json: true };
    const pending = async () => (await api(ctx.svc).getPendingTransactions(t.safe)).results.length;
    await expect(
      hre.run("recovery:configure", { ...base, guardians: `${t.g7.address},not-an-address`, threshold: 1 }),
    ).to.be.rejectedWith(/--guardians: item 2 "not-an-address" is not an address/);
    await expect(
      hre.run("recovery:configure", { ...base, guardians: `${t.g7.address},${t.g8.address}`, threshold: 0 }),
    ).to.be.rejectedWith(/--threshold 0: must be between 1 and the number of guardians \(2\)/);
    await expect(hre.run("recovery:configure", { ...base, delay: "10m" })).to.be.rejectedWith(
      /--delay 10m: must be 1h/,
    );
    await expect(hre.run("recovery:configure", { ...base, delay: "soon" })).to.be.rejectedWith(
      /--delay soon is not a duration/,
    );
    await expect(
      hre.run("recovery:approve", { safe: t.safe, owners: "0x1234", threshold: 1, signer: t.g7.address }),
    ).to.be.rejectedWith(/--owners: item 1 "0x1234" is not an address/);
    await expect(
      hre.run("recovery:approve", { safe: t.safe, owners: t.g7.address, threshold: 1, signer: t.stranger.address }),
    ).to.be.rejectedWith(/The approval was not recorded: NotGuardian: .* is not a guardian of /);
    expect(await pending()).to.equal(0);
  });
});
