import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, solidityPacked, ZeroAddress, ZeroHash, Interface } from "ethers";
import { ethers } from "hardhat";

import { CALL, DAY, DELEGATECALL, ETH, HOUR, Reason, safeIface, Verdict } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const fixture = () => guardedSafe("1.5.0");

const MIN = 3600n;
const MAX = 30n * DAY;

// Canonical MultiSendCallOnly / MultiSend deployments the guard recognises.
const MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836";
const MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2";
const MSCO_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D";
const MULTI_SEND_150 = "0x218543288004CD07832472D464648173c77D7eB7";

const multiSendIface = new Interface(["function multiSend(bytes)"]);

interface Entry {
  operation?: number;
  to: string;
  value?: bigint;
  data: string;
}
function packed(entries: Entry[]): string {
  return (
    "0x" +
    entries
      .map((e) =>
        solidityPacked(
          ["uint8", "address", "uint256", "uint256", "bytes"],
          [e.operation ?? 0, e.to, e.value ?? 0n, ethers.dataLength(e.data), e.data],
        ).slice(2),
      )
      .join("")
  );
}
function multiSend(entries: Entry[]): string {
  return multiSendIface.encodeFunctionData("multiSend", [packed(entries)]);
}
/** Removes the last `n` bytes of `hex`. */
function truncate(hex: string, n: number): string {
  return hex.slice(0, hex.length - 2 * n);
}

describe("TreasuryGuard policy setters and their classification", function () {
  hermetic();

  describe("setDelay / setExpiry bounds", function () {
    for (const [setter, error, field, event] of [
      ["setDelay", "InvalidDelay", "delay", "DelayChanged"],
      ["setExpiry", "InvalidExpiry", "expiry", "ExpiryChanged"],
    ] as const) {
      it(`${setter} rejects a value outside [${MIN}, ${MAX}] and keeps the old one`, async function () {
        const f = await loadFixture(fixture);
        const caller = f.stranger; // any address is a 'Safe' for its own policy
        const guard = f.guard.connect(caller);
        const read = async () => (await guard.policy(caller.address))[field];
        const before = await read();
        for (const out of [MIN - 1n, MAX + 1n]) {
          await expect(guard[setter](out)).to.be.revertedWithCustomError(guard, error).withArgs(out, MIN, MAX);
        }
        expect(await read()).to.equal(before);
        await expect(guard[setter](MIN)).to.emit(guard, event).withArgs(caller.address, before, MIN);
        await (await guard[setter](MAX)).wait();
        expect(await read()).to.equal(MAX);
      });
    }

    it("a Safe transaction setting an out-of-range delay fails and leaves the delay as it was", async function () {
      const f = await loadFixture(fixture);
      // Tightening-looking (a longer delay is instant), so the setter itself runs and reverts.
      const data = f.guard.interface.encodeFunctionData("setDelay", [MAX + 1n]);
      await expect(f.exec({ to: f.guardAddress, data })).to.be.reverted;
      expect((await f.guard.policy(f.safeAddress)).delay).to.equal(DAY);
    });
  });

  describe("classify: calls to the guard", function () {
    it("forbids every setter called with truncated arguments (GuardCall)", async function () {
      const f = await loadFixture(fixture);
      const g = f.guard.interface;
      const full = [
        g.encodeFunctionData("setCap", [ETH, 1n]),
        g.encodeFunctionData("setRecipient", [f.alice.address, true]),
        g.encodeFunctionData("setTrustedTarget", [await f.target.getAddress(), true]),
        g.encodeFunctionData("setTrustedSelector", [f.alice.address, "0x12345678", false]),
        g.encodeFunctionData("setDelay", [Number(2n * DAY)]),
        g.encodeFunctionData("setExpiry", [Number(HOUR)]),
        g.encodeFunctionData("setRecoveryModule", [ZeroAddress]),
        g.encodeFunctionData("setOffchainSignatures", [false]),
      ];
      for (const data of full) {
        // Complete: instant (each of these tightens or keeps the policy).
        const [v0, r0] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n);
        expect([v0, r0], data).to.deep.equal([Verdict.Instant, Reason.None]);
        const short = truncate(data, 1);
        const [v, r, outflows] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, short, CALL, 0n);
        expect([v, r, outflows.length], short).to.deep.equal([Verdict.Forbidden, Reason.GuardCall, 0]);
      }
      for (const data of ["0x", "0x0102", "0xdeadbeef"]) {
        const [v, r] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n);
        expect([v, r], data).to.deep.equal([Verdict.Forbidden, Reason.GuardCall]);
      }
    });

    it("a truncated setter call in a Safe transaction reverts TransactionForbidden(GuardCall) and changes nothing", async function () {
      const f = await loadFixture(fixture);
      const data = truncate(f.guard.interface.encodeFunctionData("setDelay", [Number(2n * DAY)]), 1);
      await expect(f.exec({ to: f.guardAddress, data }))
        .to.be.revertedWithCustomError(f.guard, "TransactionForbidden")
        .withArgs(Reason.GuardCall);
      expect((await f.guard.policy(f.safeAddress)).delay).to.equal(DAY);
    });

    it("delays exactly the loosening direction of each setter", async function () {
      const f = await loadFixture(fixture);
      const g = f.guard.interface;
      const token = await f.token.getAddress();
      const target = await f.target.getAddress();
      const module = await f.module.getAddress();
      const sel = "0xa9059cbb";
      const L = [Verdict.Delayed, Reason.PolicyLoosened];
      const T = [Verdict.Instant, Reason.None];
      const cases: [string, unknown[], bigint[]][] = [
        ["setCap", [token, parseEther("1001")], L],
        ["setCap", [token, parseEther("1000")], T],
        ["setCap", [token, parseEther("999")], T],
        ["setCap", [token, 0n], T],
        ["setCap", [f.stranger.address, 1n], L], // a new asset had no cap (no outflow allowed)
        ["setRecipient", [f.stranger.address, true], L],
        ["setRecipient", [f.alice.address, true], T],
        ["setRecipient", [f.alice.address, false], T],
        ["setRecipient", [f.stranger.address, false], T],
        ["setTrustedTarget", [f.stranger.address, true], L],
        ["setTrustedTarget", [target, true], T],
        ["setTrustedTarget", [target, false], T],
        ["setTrustedSelector", [f.stranger.address, sel, true], L],
        ["setTrustedSelector", [f.stranger.address, sel, false], T],
        ["setDelay", [Number(DAY - 1n)], L],
        ["setDelay", [Number(DAY)], T],
        ["setDelay", [Number(DAY + 1n)], T],
        ["setExpiry", [Number(2n * DAY + 1n)], L],
        ["setExpiry", [Number(2n * DAY)], T],
        ["setExpiry", [Number(DAY)], T],
        ["setRecoveryModule", [f.stranger.address], L],
        ["setRecoveryModule", [module], T],
        ["setRecoveryModule", [ZeroAddress], T],
        ["setOffchainSignatures", [true], L],
        ["setOffchainSignatures", [false], T],
        ["resetCancelStreak", [], T],
        ["cancel", [0n], T],
      ];
      for (const [name, args, expected] of cases) {
        const data = (g as Interface).encodeFunctionData(name, args);
        const [v, r] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n);
        expect([v, r], `${name}(${args.join(",")})`).to.deep.equal(expected);
      }
      // Once trusted, re-trusting the same selector is no longer loosening.
      const trust = g.encodeFunctionData("setTrustedSelector", [target, sel, true]);
      expect((await f.guard.classify(f.safeAddress, f.guardAddress, 0n, trust, CALL, 0n))[0]).to.equal(Verdict.Delayed);
      const queue = g.encodeFunctionData("queue", [f.guardAddress, 0n, trust, CALL]);
      expect((await f.guard.classify(f.safeAddress, f.guardAddress, 0n, queue, CALL, 0n))[0]).to.equal(Verdict.Instant);
    });

    it("forbids the guard's hooks and execute/veto as Safe calls", async function () {
      const f = await loadFixture(fixture);
      const g = f.guard.interface;
      const calls = [
        g.encodeFunctionData("checkAfterExecution", [ZeroHash, true]),
        g.encodeFunctionData("execute", [f.safeAddress, 0n]),
        g.encodeFunctionData("veto", [f.safeAddress, 0n]),
      ];
      for (const data of calls) {
        const [v, r] = await f.guard.classify(f.safeAddress, f.guardAddress, 0n, data, CALL, 0n);
        expect([v, r]).to.deep.equal([Verdict.Forbidden, Reason.GuardCall]);
      }
    });
  });

  describe("setCap and the capped-asset list", function () {
    it("delists an uncapped asset by swap-and-pop and re-lists it at the end", async function () {
      const caller = (await ethers.getSigners())[9];
      const guard = (await loadFixture(fixture)).guard.connect(caller);
      const [a, b, c] = [1, 2, 3].map((i) => ethers.getAddress("0x" + i.toString(16).padStart(40, "0")));
      for (const asset of [a, b, c]) await (await guard.setCap(asset, 5n)).wait();
      expect(await guard.getCappedAssets(caller.address)).to.deep.equal([a, b, c]);
      await expect(guard.setCap(a, 0n)).to.emit(guard, "CapChanged").withArgs(caller.address, a, 5n, 0n);
      expect(await guard.getCappedAssets(caller.address)).to.deep.equal([c, b]);
      expect(await guard.capOf(caller.address, a)).to.equal(0n);
      // Uncapping an asset that is not listed changes nothing in the list.
      await (await guard.setCap(a, 0n)).wait();
      expect(await guard.getCappedAssets(caller.address)).to.deep.equal([c, b]);
      await (await guard.setCap(b, 0n)).wait(); // the last one: plain pop
      expect(await guard.getCappedAssets(caller.address)).to.deep.equal([c]);
      await (await guard.setCap(a, 7n)).wait();
      await (await guard.setCap(a, 8n)).wait(); // already listed: not listed twice
      expect(await guard.getCappedAssets(caller.address)).to.deep.equal([c, a]);
      expect(await guard.capOf(caller.address, a)).to.equal(8n);
    });

    it("reverts TooManyAssets past MAX_ASSETS and lists nothing more", async function () {
      const caller = (await ethers.getSigners())[10];
      const guard = (await loadFixture(fixture)).guard.connect(caller);
      const max = await guard.MAX_ASSETS();
      const asset = (i: bigint) => ethers.getAddress("0x" + (i + 0x100n).toString(16).padStart(40, "0"));
      for (let i = 0n; i < max; i++) await (await guard.setCap(asset(i), 1n)).wait();
      await expect(guard.setCap(asset(max), 1n))
        .to.be.revertedWithCustomError(guard, "TooManyAssets")
        .withArgs(max);
      expect((await guard.getCappedAssets(caller.address)).length).to.equal(Number(max));
      expect(await guard.capOf(caller.address, asset(max))).to.equal(0n);
      // A listed asset can still change its cap.
      await (await guard.setCap(asset(0n), 2n)).wait();
      expect(await guard.capOf(caller.address, asset(0n))).to.equal(2n);
    });
  });

  describe("views for a Safe without a policy", function () {
    it("returns defaults", async function () {
      const f = await loadFixture(fixture);
      const who = f.executor.address;
      expect(await f.guard.getCappedAssets(who)).to.deep.equal([]);
      expect(await f.guard.recoveryModule(who)).to.equal(ZeroAddress);
      expect(await f.guard.isOffchainSignatureAllowed(who)).to.equal(false);
      expect(await f.guard.isRecipient(who, f.alice.address)).to.equal(false);
      expect(await f.guard.isTrustedTarget(who, f.alice.address)).to.equal(false);
      expect(await f.guard.isTrustedSelector(who, f.alice.address, "0x12345678")).to.equal(false);
      const p = await f.guard.policy(who);
      expect([p.cancelStreak, p.queued, p.recoveryModule, p.offchainSignatures]).to.deep.equal([
        0n,
        0n,
        ZeroAddress,
        false,
      ]);
      expect(p.delay).to.be.gte(MIN).and.lte(MAX);
      expect(p.expiry).to.be.gte(MIN).and.lte(MAX);
    });
  });

  describe("recovery module: which module transactions pass uncounted as owner management", function () {
    // The caller of the module-guard hook is the 'Safe': an account with its own recovery module.
    async function recoverySetup() {
      const f = await loadFixture(fixture);
      const safe = (await ethers.getSigners())[11];
      const guard = f.guard.connect(safe);
      const module = f.stranger.address;
      await (await guard.setRecoveryModule(module)).wait();
      const owner = (await ethers.getSigners())[12].address;
      const addOwner = safeIface.encodeFunctionData("addOwnerWithThreshold", [owner, 1n]);
      const threshold = safeIface.encodeFunctionData("changeThreshold", [1n]);
      const check = (to: string, value: bigint, data: string, op: number, by = module) =>
        guard.checkModuleTransaction.staticCall(to, value, data, op, by);
      return { f, safe, guard, module, addOwner, threshold, check };
    }

    it("passes direct owner changes by the recovery module, and nothing else", async function () {
      const { f, safe, guard, module, addOwner, threshold, check } = await recoverySetup();
      expect(await check(safe.address, 0n, addOwner, CALL)).to.equal(ZeroHash);
      expect(await check(safe.address, 0n, threshold, CALL)).to.equal(ZeroHash);
      // Another module, a value, another target, or no selector: classified like any module transaction.
      const cases: [bigint, string, string][] = [
        [0n, addOwner, f.alice.address], // another module
        [1n, addOwner, module], // with value
        [0n, "0x0d58", module], // no whole selector
        [0n, safeIface.encodeFunctionData("setGuard", [ZeroAddress]), module], // not owner management
      ];
      for (const [value, data, by] of cases) {
        await expect(check(safe.address, value, data, CALL, by), `${value} ${data} ${by}`)
          .to.be.revertedWithCustomError(guard, "DelayRequired")
          .withArgs(Reason.SafeSelfCall);
      }
    });

    it("passes MultiSendCallOnly batches (any canonical version) of owner changes only", async function () {
      const { safe, guard, addOwner, threshold, check } = await recoverySetup();
      const ok = multiSend([
        { to: safe.address, data: addOwner },
        { to: safe.address, data: threshold },
      ]);
      for (const msco of [MSCO_150, MSCO_141, MSCO_130]) {
        expect(await check(msco, 0n, ok, DELEGATECALL), msco).to.equal(ZeroHash);
      }
      // 1.5.0 calls the Safe itself for to == address(0).
      const zero = multiSend([{ to: ZeroAddress, data: threshold }]);
      expect(await check(MSCO_150, 0n, zero, DELEGATECALL)).to.equal(ZeroHash);
      await expect(check(MSCO_141, 0n, zero, DELEGATECALL)).to.be.revertedWithCustomError(guard, "DelayRequired");
      // Plain MultiSend is never owner management.
      await expect(check(MULTI_SEND_150, 0n, ok, DELEGATECALL))
        .to.be.revertedWithCustomError(guard, "TransactionForbidden")
        .withArgs(Reason.PlainMultiSend);
    });

    it("classifies malformed or mixed batches like any module transaction", async function () {
      const { safe, guard, addOwner, threshold, check } = await recoverySetup();
      const ok = multiSend([{ to: safe.address, data: threshold }]);
      const okPacked = packed([{ to: safe.address, data: threshold }]);
      const abiBytes = (offset: bigint, length: bigint, body: string) =>
        "0x8d80ff0a" + solidityPacked(["uint256", "uint256", "bytes"], [offset, length, body]).slice(2);
      const MALFORMED = "MalformedBatch";
      const malformed: [string, string, bigint[]][] = [
        ["no payload", "0x8d80ff0a", []],
        ["wrong offset", abiBytes(0x40n, BigInt(ethers.dataLength(okPacked)), okPacked), []],
        ["length past the data", abiBytes(0x20n, BigInt(ethers.dataLength(okPacked)) + 1n, okPacked), []],
        ["entry shorter than its head", abiBytes(0x20n, 84n, truncate(okPacked, ethers.dataLength(okPacked) - 84)), []],
        [
          "data past the entry",
          abiBytes(0x20n, BigInt(ethers.dataLength(okPacked)) - 1n, truncate(okPacked, 1) + "00"),
          [],
        ],
        ["a delegatecall entry", multiSend([{ operation: 1, to: safe.address, data: threshold }]), []],
      ];
      for (const [label, data] of malformed) {
        await expect(check(MSCO_150, 0n, data, DELEGATECALL), label).to.be.revertedWithCustomError(guard, MALFORMED);
      }
      // Not multiSend(bytes) on MultiSendCallOnly.
      await expect(check(MSCO_150, 0n, "0xdeadbeef" + ok.slice(10), DELEGATECALL))
        .to.be.revertedWithCustomError(guard, "TransactionForbidden")
        .withArgs(Reason.DelegateCallForbidden);
      // An empty batch is not owner management, but moves nothing: instant.
      expect(await check(MSCO_150, 0n, abiBytes(0x20n, 0n, "0x"), DELEGATECALL)).to.equal(ZeroHash);
      const selfCall: [string, Entry[]][] = [
        ["with value", [{ to: safe.address, value: 1n, data: threshold }]],
        [
          "no selector",
          [
            { to: safe.address, data: threshold },
            { to: safe.address, data: "0x" },
          ],
        ],
        [
          "not owner management",
          [
            { to: safe.address, data: addOwner },
            { to: safe.address, data: safeIface.encodeFunctionData("enableModule", [safe.address]) },
          ],
        ],
      ];
      for (const [label, entries] of selfCall) {
        await expect(check(MSCO_150, 0n, multiSend(entries), DELEGATECALL), label)
          .to.be.revertedWithCustomError(guard, "DelayRequired")
          .withArgs(Reason.SafeSelfCall);
      }
      // Not the Safe: a call to the guard from a batch.
      await expect(check(MSCO_150, 0n, multiSend([{ to: guard.target as string, data: threshold }]), DELEGATECALL))
        .to.be.revertedWithCustomError(guard, "TransactionForbidden")
        .withArgs(Reason.GuardCall);
    });

    it("executes a recovery module's owner change on a Safe uncounted, but not a transfer", async function () {
      const f = await loadFixture(fixture);
      const newOwner = (await ethers.getSigners())[13].address;
      const data = safeIface.encodeFunctionData("addOwnerWithThreshold", [newOwner, 2n]);
      await (await f.module.exec(f.safeAddress, f.safeAddress, 0n, data, CALL)).wait();
      expect(await f.safe.isOwner(newOwner)).to.equal(true);
      const balance = await ethers.provider.getBalance(f.safeAddress);
      await expect(f.module.exec(f.safeAddress, f.stranger.address, 1n, "0x", CALL)).to.be.revertedWithCustomError(
        f.guard,
        "DelayRequired",
      );
      expect(await ethers.provider.getBalance(f.safeAddress)).to.equal(balance);
    });
  });
});
