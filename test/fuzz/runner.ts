import fc from "fast-check";
import { concat, getAddress, getBytes, Interface, toBeHex, ZeroAddress } from "ethers";
import type { Signer, TransactionReceipt } from "ethers";
import hre, { ethers } from "hardhat";

import { GUARD_SLOT, MODULE_GUARD_SLOT, safeIface } from "../fixtures/constants";
import { buildTx, encodeMultiSend, stepArbitrary, type Step } from "./generator";
import {
  checkCaps,
  checkConfig,
  checkModel,
  checkNoLeak,
  enabledInvariants,
  type Measured,
  type StepFacts,
} from "./invariants";
import { ETH_ASSET, Model, type Classified, type Outcome, type Tx } from "./model";
import { ownersOf, takeSnapshot, takeSnapshotAfterRevert, takeSnapshotAfterRun, type Snapshot } from "./snapshot";
import { CAPS, fuzzWorld, INITIAL_DELAY, INITIAL_EXPIRY, moduleIface, type World } from "./world";

const GAS_LIMIT = 12_000_000;
const safeEvents = new Interface([
  "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFromModuleFailure(address indexed module)",
]);
const FAILURE_TOPICS = new Set([
  safeEvents.getEvent("ExecutionFailure")!.topicHash,
  safeEvents.getEvent("ExecutionFromModuleFailure")!.topicHash,
]);

/** The guard error class of a revert, from hardhat's error (the custom error name is in its message and data). */
function guardErrorOf(w: World, e: unknown): Outcome | "other" {
  const err = e as { data?: string; message?: string; error?: { data?: string }; info?: { error?: { data?: string } } };
  const data = err.data ?? err.error?.data ?? err.info?.error?.data;
  let name: string | undefined;
  if (typeof data === "string" && data.length >= 10) name = w.guard.interface.parseError(data)?.name;
  if (!name) name = /custom error '(\w+)\(/.exec(err.message ?? "")?.[1];
  if (name === "DelayRequired" || name === "CapExceeded") return "delayed";
  if (name === "TransactionForbidden") return "forbidden";
  if (name === "MalformedBatch") return "malformed";
  return "other";
}

export const timing = { send: 0, snapshot: 0, removal: 0, revert: 0 };
async function send(w: World, f: () => Promise<{ wait(): Promise<TransactionReceipt | null> }>) {
  const started = Date.now();
  try {
    return await sendInner(w, f);
  } finally {
    timing.send += Date.now() - started;
  }
}
async function sendInner(w: World, f: () => Promise<{ wait(): Promise<TransactionReceipt | null> }>) {
  try {
    const receipt = (await (await f()).wait())!;
    const innerFailed = receipt.logs.some(
      (l) => l.address.toLowerCase() === w.safeAddress.toLowerCase() && FAILURE_TOPICS.has(l.topics[0]),
    );
    const logged = new Set(receipt.logs.map((l) => l.address.toLowerCase()));
    return { reverted: false, innerFailed, guardError: undefined, logged };
  } catch (e) {
    return { reverted: true, innerFailed: false, guardError: guardErrorOf(w, e), logged: new Set<string>() };
  }
}

/** One fuzz run: the world, its snapshot id and the invariants to check. */
export class Fuzzer {
  private snapshotId = "";
  private baseTime = 0n;
  private base?: Snapshot;
  private undeployed: string[] = [];
  readonly invariants = enabledInvariants();
  steps = 0;
  sequences = 0;
  /** What the steps did, for the run's summary (a fuzzer whose steps all revert proves little). */
  readonly outcomes = new Map<string, number>();

  private tally(key: string) {
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  constructor(readonly w: World) {}

  static async create(): Promise<Fuzzer> {
    const fuzzer = new Fuzzer(await fuzzWorld());
    fuzzer.baseTime = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const c = fuzzer.w.canonical;
    for (const a of [c.multiSendCallOnly150, c.multiSendCallOnly141, c.multiSendCallOnly130]) {
      if ((await ethers.provider.getCode(a)) === "0x") fuzzer.undeployed.push(a);
    }
    fuzzer.snapshotId = await hre.network.provider.send("evm_snapshot", []);
    return fuzzer;
  }

  arbitrary() {
    return fc.array(stepArbitrary(this.w), { minLength: 3, maxLength: 6 });
  }

  private newModel(): Model {
    const w = this.w;
    const c = w.canonical;
    return new Model(
      w.safeAddress,
      w.guardAddress,
      {
        multiSendCallOnly150: c.multiSendCallOnly150,
        multiSendCallOnly141: c.multiSendCallOnly141,
        multiSendCallOnly130: c.multiSendCallOnly130,
        multiSend: [c.multiSend150],
        safeLibraries: [c.safeMigration, c.signMessageLib150, c.signMessageLib141],
        undeployed: this.undeployed,
      },
      {
        caps: [
          [ETH_ASSET, CAPS.eth],
          [w.tokenA, CAPS.tokenA],
          [w.hook, CAPS.hook],
        ],
        recipients: [w.alice.address, w.bob.address],
        trustedTargets: [w.target],
        delay: INITIAL_DELAY,
        expiry: INITIAL_EXPIRY,
        recoveryModule: w.recovery,
      },
    );
  }

  /** Runs `steps` from the world; returns the first invariant violation, or undefined. */
  async run(steps: Step[]): Promise<string | undefined> {
    const w = this.w;
    const revertStarted = Date.now();
    await hre.network.provider.send("evm_revert", [this.snapshotId]);
    this.snapshotId = await hre.network.provider.send("evm_snapshot", []);
    timing.revert += Date.now() - revertStarted;
    this.sequences++;
    const model = this.newModel();
    const measured: Measured = new Map();
    const clock = { now: this.baseTime };
    // Every sequence starts from the same world: its snapshot is read once.
    this.base ??= await takeSnapshot(w, model);
    let pre = this.base;
    for (const [i, step] of steps.entries()) {
      this.steps++;
      if (step.kind === "jump") {
        clock.now += step.seconds;
        continue;
      }
      const whitelist = new Set(model.recipients);
      const capsBefore = new Map(model.caps);
      const facts = await this.runStep(step, pre, model, clock);
      this.tally(
        `${facts.kind} ${facts.reverted ? `refused${facts.expected ? ` (${facts.expected})` : ""}` : facts.innerFailed ? "call failed" : "executed"}`,
      );
      // A call that failed inside a transaction that did not revert is read in full: "it changed nothing" is the
      // guard's refund at work, not the EVM's.
      const snapStarted = Date.now();
      const post = facts.reverted
        ? await takeSnapshotAfterRevert(w, model, pre)
        : facts.innerFailed
          ? await takeSnapshot(w, model)
          : await takeSnapshotAfterRun(w, model, pre, facts.logged ?? new Set());
      timing.snapshot += Date.now() - snapStarted;
      const violation = this.check(pre, post, model, measured, facts, whitelist, capsBefore);
      if (violation) return `step ${i} (${step.kind}): ${violation}`;
      pre = post;
    }
    if (this.invariants.has(5)) {
      const removalStarted = Date.now();
      const violation = await this.checkRemoval(pre, model, clock);
      timing.removal += Date.now() - removalStarted;
      if (violation) return `final removal: ${violation}`;
    }
    return undefined;
  }

  private check(
    pre: Snapshot,
    post: Snapshot,
    model: Model,
    measured: Measured,
    facts: StepFacts,
    whitelist: Set<string>,
    capsBefore: Map<string, bigint>,
  ): string | undefined {
    const on = this.invariants;
    const capModel = { capOf: (a: string) => capsBefore.get(a.toLowerCase()) ?? 0n } as Model;
    return (
      (on.has(1) ? checkNoLeak(this.w, pre, post, whitelist, facts) : undefined) ??
      (on.has(2) ? checkCaps(this.w, pre, post, capModel, measured, facts) : undefined) ??
      (on.has(3) ? checkConfig(pre, post, facts) : undefined) ??
      (on.has(4) ? checkModel(this.w, pre, post, model, facts) : undefined)
    );
  }

  private async at(clock: { now: bigint }): Promise<bigint> {
    clock.now += 1n;
    await hre.network.provider.send("evm_setNextBlockTimestamp", [toBeHex(clock.now)]);
    return clock.now;
  }

  private async runStep(step: Step, pre: Snapshot, model: Model, clock: { now: bigint }): Promise<StepFacts> {
    const w = this.w;
    const guard = w.guardAddress.toLowerCase();
    const owners = ownersOf(pre);
    const modules = pre
      .get("safe:modules")!
      .split(",")
      .filter((m) => m !== "");
    const nftZero = pre.get("nftOwner:0");
    model.ownsTokenZero = (token) =>
      token.toLowerCase() === w.nft.toLowerCase() && nftZero === w.safeAddress.toLowerCase();
    if (step.kind === "owner") {
      const tx = buildTx(step.tx, w.safeAddress, w.guardAddress, owners, modules);
      const guarded = pre.get("safe:guard") === guard;
      const t = await this.at(clock);
      const expected = guarded ? model.classifyOwnerTx(tx, step.gasPrice, t) : undefined;
      const result = await send(w, () => this.execOwners(pre, tx, step));
      return this.settle(model, tx, t, result, guarded, expected, "owner", false);
    }
    if (step.kind === "module") {
      const module = step.module === "recovery" ? w.recovery : w.rogue;
      const tx = buildTx(step.tx, w.safeAddress, w.guardAddress, owners, modules);
      const enabled = modules.includes(module.toLowerCase());
      const guarded = enabled && pre.get("safe:moduleGuard") === guard;
      const t = await this.at(clock);
      const expected = guarded ? model.classifyModuleTx(module, tx, t) : undefined;
      const recoveryOwnerChange = module.toLowerCase() === model.recoveryModule && model.isOwnerManagement(tx);
      const moduleContract = new ethers.Contract(module, moduleIface, w.executor);
      const result = await send(w, () =>
        moduleContract.exec(w.safeAddress, tx.to, tx.value, tx.data, tx.operation, { gasLimit: GAS_LIMIT }),
      );
      return this.settle(model, tx, t, result, guarded, expected, "module", recoveryOwnerChange);
    }
    if (step.kind === "execute") {
      const id = step.pick % Math.max(1, model.queue.length);
      const item = model.queue[id];
      if (step.wait && item && clock.now < item.eta - 1n) clock.now = item.eta - 1n;
      const t = await this.at(clock);
      const ready = model.queueState(id, t) === 2n;
      const result = await send(w, () =>
        w.guard.connect(w.executor).execute(w.safeAddress, id, { gasLimit: GAS_LIMIT }),
      );
      if (!result.reverted) {
        item.state = "executed";
        model.applyEffects(item.tx, t);
        // A new epoch (docs/policy.md, "Owner activity"): the guard is no longer the transaction guard, stopped being
        // the module guard, or the Safe's nonce moved during the execution.
        const slot = async (s: string) =>
          getAddress("0x" + (await ethers.provider.getStorage(w.safeAddress, s)).slice(26)).toLowerCase();
        const nonceNow = await new ethers.Contract(
          w.safeAddress,
          ["function nonce() view returns (uint256)"],
          ethers.provider,
        ).nonce();
        if (
          (await slot(GUARD_SLOT)) !== guard ||
          (pre.get("safe:moduleGuard") === guard && (await slot(MODULE_GUARD_SLOT)) !== guard) ||
          String(nonceNow) !== pre.get("safe:nonce")
        )
          model.activityEpoch += 1n;
      }
      return {
        kind: "execute",
        guarded: false,
        queued: !result.reverted,
        recoveryOwnerChange: false,
        ...result,
        guardError: undefined,
        expectedRevert: !ready,
        t,
        sender: w.executor.address,
      };
    }
    if (step.kind === "veto") {
      const voters = [...w.eoas];
      const voter = voters[step.voter % voters.length];
      const id = step.pick % Math.max(1, model.queue.length);
      const t = await this.at(clock);
      const isOwner = owners.includes(voter.toLowerCase());
      const outcome = model.veto(id, voter, isOwner, BigInt(pre.get("safe:threshold")!), t);
      const signer = w.signerOf.get(getAddress(voter))!;
      const result = await send(w, () => w.guard.connect(signer).veto(w.safeAddress, id, { gasLimit: GAS_LIMIT }));
      return {
        kind: "veto",
        guarded: false,
        queued: false,
        recoveryOwnerChange: false,
        ...result,
        guardError: undefined,
        expectedRevert: outcome === "revert",
        t,
        sender: voter,
      };
    }
    throw new Error(`unknown step ${(step as Step).kind}`);
  }

  /** Updates the model with what the chain did, and returns the step's facts for the invariants. */
  private settle(
    model: Model,
    tx: Tx,
    t: bigint,
    result: { reverted: boolean; innerFailed: boolean; guardError: Outcome | "other" | undefined; logged: Set<string> },
    guarded: boolean,
    expected: Classified | undefined,
    kind: "owner" | "module",
    recoveryOwnerChange: boolean,
  ): StepFacts {
    if (!result.reverted && !result.innerFailed) {
      if (guarded && expected?.outcome === "instant") model.count(expected.sums, t);
      model.applyEffects(tx, t);
    }
    return {
      kind,
      guarded,
      queued: false,
      recoveryOwnerChange,
      reverted: result.reverted,
      innerFailed: result.innerFailed,
      expected: expected?.outcome,
      guardError: result.guardError,
      innerRevert: expected?.innerRevert,
      logged: result.logged,
      t,
      sender: this.w.executor.address,
    };
  }

  /** An owner transaction signed by the Safe's current owners (eth_sign signatures), sent by the executor. */
  private async execOwners(
    pre: Snapshot,
    tx: Tx,
    step: { safeTxGas: bigint; gasPrice: bigint; refundReceiver: string },
  ) {
    const w = this.w;
    const threshold = Number(pre.get("safe:threshold"));
    const signers = ownersOf(pre)
      .slice(0, threshold)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      .map((o) => w.signerOf.get(getAddress(o)))
      .filter((s): s is NonNullable<typeof s> => s !== undefined);
    const fields = [
      tx.to,
      tx.value,
      tx.data,
      tx.operation,
      step.safeTxGas,
      0n,
      step.gasPrice,
      ZeroAddress,
      step.refundReceiver,
    ] as const;
    const hash: string = await w.safe.getTransactionHash(...fields, BigInt(pre.get("safe:nonce")!));
    const signatures = concat(await Promise.all(signers.map((s) => ethSign(s, hash))));
    return (w.safe.connect(w.executor) as typeof w.safe).execTransaction(...fields, signatures, {
      gasLimit: GAS_LIMIT,
    });
  }

  /** 5. The Safe can always remove the guard through the queue: queue, wait the delay, execute, and it is gone. */
  private async checkRemoval(pre: Snapshot, model: Model, clock: { now: bigint }): Promise<string | undefined> {
    const w = this.w;
    const guard = w.guardAddress.toLowerCase();
    const isTxGuard = pre.get("safe:guard") === guard;
    const isModuleGuard = pre.get("safe:moduleGuard") === guard;
    if (!isTxGuard && !isModuleGuard) return undefined;
    const calls = [
      ...(isTxGuard
        ? [{ to: w.safeAddress, value: 0n, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) }]
        : []),
      ...(isModuleGuard
        ? [{ to: w.safeAddress, value: 0n, data: safeIface.encodeFunctionData("setModuleGuard", [ZeroAddress]) }]
        : []),
    ];
    const removal: Tx = {
      to: w.canonical.multiSendCallOnly150,
      value: 0n,
      data: encodeMultiSend(calls, [], "none"),
      operation: 1,
    };
    const noRefund = { safeTxGas: 0n, gasPrice: 0n, refundReceiver: ZeroAddress };
    if (!isTxGuard) {
      // The guard is only the module guard: owner transactions are unguarded, removal is direct.
      await this.at(clock);
      const direct = await send(w, () => this.execOwners(pre, removal, noRefund));
      if (direct.reverted || direct.innerFailed) return "5: the Safe could not remove its module guard";
    } else {
      const id = model.queue.length;
      const queueData = w.guard.interface.encodeFunctionData("queue", [
        removal.to,
        removal.value,
        removal.data,
        removal.operation,
      ]);
      await this.at(clock);
      const queued = await send(w, () =>
        this.execOwners(pre, { to: w.guardAddress, value: 0n, data: queueData, operation: 0 }, noRefund),
      );
      if (queued.reverted || queued.innerFailed) return `5: queueing the guard's removal failed (${queued.guardError})`;
      const item = await w.guard.queuedTransaction(w.safeAddress, id);
      clock.now = BigInt(item.eta) - 1n;
      await this.at(clock);
      const executed = await send(w, () =>
        w.guard.connect(w.executor).execute(w.safeAddress, id, { gasLimit: GAS_LIMIT }),
      );
      if (executed.reverted)
        return `5: executing the queued removal of the guard after its delay failed (${executed.guardError})`;
    }
    const [txGuard, moduleGuard] = await Promise.all(
      [GUARD_SLOT, MODULE_GUARD_SLOT].map((slot) => ethers.provider.getStorage(w.safeAddress, slot)),
    );
    if (BigInt(txGuard) !== 0n || BigInt(moduleGuard) !== 0n) {
      return `5: after the queued removal the guard is still installed (guard ${txGuard}, module guard ${moduleGuard})`;
    }
    return undefined;
  }
}

/** An eth_sign signature of a Safe transaction hash (Safe reads v > 30 as eth_sign). */
async function ethSign(signer: Signer, hash: string): Promise<string> {
  const sig = getBytes(await signer.signMessage(getBytes(hash)));
  sig[64] += 4;
  return ethers.hexlify(sig);
}

/** Seeds of `npm run fuzz`: fixed ones (reproducible in CI) and one random seed, printed. */
export const FIXED_SEEDS = [0x13, 0x2026, 0x7ea5_6a7d, 0xf022];
