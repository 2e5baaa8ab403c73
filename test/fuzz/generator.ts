import fc from "fast-check";
import {
  concat,
  getBytes,
  hexlify,
  Interface,
  parseEther,
  solidityPacked,
  toBeHex,
  zeroPadValue,
  ZeroAddress,
} from "ethers";

import { DAY, erc20, ETH, HOUR, safeIface, SENTINEL } from "../fixtures/constants";
import { guardSetters } from "./model";
import { hookIface, multiIface, nftIface, safeAdminIface, type World } from "./world";

/**
 * Random Safe transactions as a tricked quorum or a compromised module could send them (issue 13): ETH sends; every
 * token selector the guard decodes, on ERC20, ERC721, ERC1155 and the ERC777/ERC1363-style token, with amounts and
 * ids of 0, 1, max and near max and recipients drawn from whitelisted and non-whitelisted parties, the Safe,
 * address(0), the guard and the modules; calls to the Safe itself and to the guard; MultiSendCallOnly batches
 * (nested, malformed, to = 0); DELEGATECALLs to canonical and random targets; gas refund fields; module
 * transactions; queue, execute, cancel, veto; policy changes; time jumps from seconds to days.
 *
 * Calls whose arguments depend on the chain (the linked-list predecessor of an owner or module) are generated as
 * specs and resolved when the step runs, so a shrunk counterexample stays readable.
 */

export type CallSpec =
  | { kind: "call"; to: string; value: bigint; data: string }
  | { kind: "removeOwner"; owner: string; threshold: bigint }
  | { kind: "swapOwner"; oldOwner: string; newOwner: string }
  | { kind: "disableModule"; module: string };

export type TxSpec =
  | { kind: "single"; call: CallSpec }
  | { kind: "batch"; multiSend: string; entries: CallSpec[]; zeroForSafe: boolean[]; malform: Malform }
  | { kind: "delegate"; to: string; data: string }
  | { kind: "queue"; inner: TxSpec };

export type Malform = "none" | "delegateEntry" | "truncate" | "trailing" | "badOffset" | "longLength";

export type Step =
  | { kind: "owner"; tx: TxSpec; safeTxGas: bigint; gasPrice: bigint; refundReceiver: string }
  | { kind: "module"; module: "recovery" | "rogue"; tx: TxSpec }
  | { kind: "execute"; pick: number; wait: boolean }
  | { kind: "veto"; pick: number; voter: number }
  | { kind: "jump"; seconds: bigint };

const MAX = (1n << 256n) - 1n;
const MAX96 = (1n << 96n) - 1n;
const targetIface = new Interface(["function ping() payable", "function fail()"]);
const signMessageIface = new Interface(["function signMessage(bytes)"]);
const writerIface = new Interface(["function overwrite(address)"]);
const multiSendIface = new Interface(["function multiSend(bytes)"]);
const hookGuardIface = new Interface([
  "function execute(address,uint256)",
  "function veto(address,uint256)",
  "function checkAfterExecution(bytes32,bool)",
]);

export function stepArbitrary(w: World): fc.Arbitrary<Step> {
  const n = w.named;
  const safe = w.safeAddress;
  const whitelisted = [n.alice, n.bob];
  const everyone = [...w.parties, safe];
  const party = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...whitelisted) },
    { weight: 2, arbitrary: fc.constantFrom(n.stranger, n.carol, safe, ZeroAddress) },
    { weight: 2, arbitrary: fc.constantFrom(...everyone) },
  );
  const amount = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0n, 1n, 2n) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        parseEther("1"),
        parseEther("5"),
        parseEther("6"),
        parseEther("10"),
        parseEther("11"),
        parseEther("500"),
        parseEther("501"),
        parseEther("1000"),
        parseEther("1001"),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(MAX, MAX - 1n, MAX96, MAX96 + 1n) },
    { weight: 2, arbitrary: fc.bigInt(0n, parseEther("20")) },
  );
  const ethValue = fc.oneof({ weight: 5, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: amount });
  const bool = fc.boolean();
  const call = (to: string, value: bigint, data: string): CallSpec => ({ kind: "call", to, value, data });
  // Calldata damaged on purpose: cut short (too short for its arguments) or one byte longer.
  const damage = (data: string, cut: number) => {
    if (cut === 0) return data;
    const bytes = getBytes(data);
    return cut > 0 ? hexlify(bytes.slice(0, Math.max(0, bytes.length - cut))) : hexlify(concat([bytes, "0x00"]));
  };
  const damageArb = fc.oneof(
    { weight: 12, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 1, 20, 40, 66) },
  );

  const tokens = [w.tokenA, w.tokenB, w.hook];
  // Selectors by index (see `encoders` below) that matter most for each kind of token; any selector on any token
  // stays possible, since the guard judges a selector whatever the target.
  const favourite: Record<string, number[]> = {
    [w.tokenA.toLowerCase()]: [0, 1, 2, 3, 4, 20],
    [w.tokenB.toLowerCase()]: [0, 1, 2, 3, 4, 20],
    [w.hook.toLowerCase()]: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 2],
    [w.nft.toLowerCase()]: [1, 2, 5, 6, 7, 1, 2],
    [w.multi.toLowerCase()]: [8, 9, 7],
  };
  const tokenCall: fc.Arbitrary<CallSpec> = fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...tokens, w.nft, w.nft, w.multi) },
        { weight: 1, arbitrary: fc.constantFrom(w.target, n.stranger, w.guardAddress) },
      ),
      fc.nat(20),
      fc.boolean(),
      party,
      party,
      amount,
      bool,
      ethValue,
      damageArb,
      fc.constantFrom(safe, safe, n.alice, n.stranger),
    )
    .map(([token, index, pickFavourite, to, operator, amt, flag, value, cut, from]) => {
      const favourites = favourite[token.toLowerCase()];
      const which = pickFavourite && favourites ? favourites[index % favourites.length] : index;
      // NFT ids are 0, 1 and 2 (id 0 is the one a zero-amount shortcut would miss).
      const id = token === w.nft ? amt % 3n : amt;
      const data = [
        () => erc20.encodeFunctionData("transfer", [to, amt]),
        () => erc20.encodeFunctionData("transferFrom", [from, to, id]),
        () => erc20.encodeFunctionData("approve", [to, id]),
        () => erc20.encodeFunctionData("increaseAllowance", [to, amt]),
        () => erc20.encodeFunctionData("decreaseAllowance", [to, amt]),
        () => nftIface.encodeFunctionData("safeTransferFrom(address,address,uint256)", [from, to, amt % 3n]),
        () =>
          nftIface.encodeFunctionData("safeTransferFrom(address,address,uint256,bytes)", [from, to, amt % 3n, "0x"]),
        () => nftIface.encodeFunctionData("setApprovalForAll", [operator, flag]),
        () => multiIface.encodeFunctionData("safeTransferFrom", [from, to, 7n, amt, "0x"]),
        () => multiIface.encodeFunctionData("safeBatchTransferFrom", [from, to, [7n], [amt], "0x"]),
        () => hookIface.encodeFunctionData("send", [to, amt, "0x"]),
        () => hookIface.encodeFunctionData("operatorSend", [from, to, amt, "0x", "0x"]),
        () => hookIface.encodeFunctionData("authorizeOperator", [operator]),
        () => hookIface.encodeFunctionData("revokeOperator", [operator]),
        () => hookIface.encodeFunctionData("transferAndCall(address,uint256)", [to, amt]),
        () => hookIface.encodeFunctionData("transferAndCall(address,uint256,bytes)", [to, amt, "0x01"]),
        () => hookIface.encodeFunctionData("transferFromAndCall(address,address,uint256)", [from, to, amt]),
        () => hookIface.encodeFunctionData("transferFromAndCall(address,address,uint256,bytes)", [from, to, amt, "0x"]),
        () => hookIface.encodeFunctionData("approveAndCall(address,uint256)", [to, amt]),
        () => hookIface.encodeFunctionData("approveAndCall(address,uint256,bytes)", [to, amt, "0x"]),
        () => erc20.encodeFunctionData("transfer", [to, amt % 3n]),
      ][which]();
      return call(token, value, damage(data, cut));
    });

  // NFT moves and approvals with ids 0, 1, 2 (0 twice as likely: it is the id a zero-amount shortcut misses).
  const nftCall: fc.Arbitrary<CallSpec> = fc
    .tuple(fc.nat(4), party, fc.constantFrom(0n, 0n, 1n, 2n), fc.constantFrom(safe, safe, safe, n.stranger))
    .map(([which, to, id, from]) =>
      call(
        w.nft,
        0n,
        [
          () => erc20.encodeFunctionData("transferFrom", [from, to, id]),
          () => erc20.encodeFunctionData("approve", [to, id]),
          () => nftIface.encodeFunctionData("safeTransferFrom(address,address,uint256)", [from, to, id]),
          () => nftIface.encodeFunctionData("safeTransferFrom(address,address,uint256,bytes)", [from, to, id, "0x"]),
          () => nftIface.encodeFunctionData("setApprovalForAll", [to, id !== 0n]),
        ][which](),
      ),
    );

  const ethSend = fc.tuple(party, amount).map(([to, value]) => call(to, value, "0x"));
  const targetCall = fc
    .tuple(fc.constantFrom("ping", "fail", "raw"), ethValue, fc.uint8Array({ minLength: 0, maxLength: 40 }))
    .map(([fn, value, raw]) =>
      call(w.target, value, fn === "raw" ? hexlify(raw) : targetIface.encodeFunctionData(fn, [])),
    );

  const asset = fc.constantFrom(ETH, w.tokenA, w.tokenB, w.hook, w.nft, n.stranger);
  const cap = fc.constantFrom(
    0n,
    parseEther("1"),
    parseEther("5"),
    parseEther("10"),
    parseEther("1000"),
    79n * 10n ** 27n,
  );
  const delay = fc.constantFrom(0n, 1800n, HOUR, 2n * HOUR, DAY, 30n * DAY, 31n * DAY);
  const selector = fc.constantFrom("0x5c36b186", "0xa9cc4718", "0xa9059cbb", "0x095ea7b3", "0x23b872dd", "0xdeadbeef");
  const g = guardSetters;
  const guardSetter: fc.Arbitrary<CallSpec> = fc
    .tuple(fc.nat(17), asset, cap, party, bool, delay, selector, fc.nat(5), damageArb)
    .map(([which, a, c, p, flag, d, s, id, cut]) => {
      const data = [
        () => g.encodeFunctionData("setCap", [a, c]),
        () => g.encodeFunctionData("setCap", [a, c]),
        () => g.encodeFunctionData("setRecipient", [p, flag]),
        () => g.encodeFunctionData("setRecipient", [p, flag]),
        () => g.encodeFunctionData("setTrustedTarget", [p, flag]),
        () => g.encodeFunctionData("setTrustedSelector", [[w.target, w.tokenA, w.nft, w.hook][id % 4], s, flag]),
        () => g.encodeFunctionData("setDelay", [d]),
        () => g.encodeFunctionData("setExpiry", [d]),
        () => g.encodeFunctionData("setRecoveryModule", [[ZeroAddress, w.recovery, w.rogue, n.stranger][id % 4]]),
        () => g.encodeFunctionData("setOffchainSignatures", [flag]),
        () => g.encodeFunctionData("resetCancelStreak", []),
        () => g.encodeFunctionData("cancel", [id]),
        () => hookGuardIface.encodeFunctionData("execute", [safe, id]),
        () => hookGuardIface.encodeFunctionData("veto", [safe, id]),
        () => hookGuardIface.encodeFunctionData("checkAfterExecution", [zeroPadValue("0x01", 32), flag]),
        () => "0xdeadbeef",
        () => "0x0102",
        () => g.encodeFunctionData("setCap", [a, c]),
      ][which]();
      return call(w.guardAddress, 0n, damage(data, cut));
    });

  const eoa = fc.constantFrom(...w.eoas);
  // The guard itself among the modules to disable: a queued disableModule(guard) once stranded the queue
  // (docs/fuzzing.md), and the guard now refuses it with QueueWouldBeLost.
  const moduleChoice = fc.constantFrom(w.recovery, w.rogue, w.guardAddress);
  const selfCall: fc.Arbitrary<CallSpec> = fc.oneof(
    eoa.chain((o) =>
      fc.bigInt(1n, 3n).map((t) => call(safe, 0n, safeIface.encodeFunctionData("addOwnerWithThreshold", [o, t]))),
    ),
    fc.tuple(eoa, fc.bigInt(1n, 3n)).map(([owner, threshold]): CallSpec => ({ kind: "removeOwner", owner, threshold })),
    fc.tuple(eoa, eoa).map(([oldOwner, newOwner]): CallSpec => ({ kind: "swapOwner", oldOwner, newOwner })),
    fc.bigInt(0n, 4n).map((t) => call(safe, 0n, safeIface.encodeFunctionData("changeThreshold", [t]))),
    fc
      .constantFrom(n.stranger, w.rogue, w.target)
      .map((m) => call(safe, 0n, safeIface.encodeFunctionData("enableModule", [m]))),
    moduleChoice.map((module): CallSpec => ({ kind: "disableModule", module })),
    fc
      .constantFrom(ZeroAddress, w.guardAddress, n.stranger)
      .map((x) => call(safe, 0n, safeIface.encodeFunctionData("setGuard", [x]))),
    fc
      .constantFrom(ZeroAddress, w.guardAddress)
      .map((x) => call(safe, 0n, safeIface.encodeFunctionData("setModuleGuard", [x]))),
    fc
      .constantFrom(ZeroAddress, w.guardAddress, w.target)
      .map((x) => call(safe, 0n, safeIface.encodeFunctionData("setFallbackHandler", [x]))),
    fc.uint8Array({ minLength: 0, maxLength: 40 }).map((raw) => call(safe, 0n, hexlify(raw))),
    amount.map((value) => call(safe, value, "0x")),
  );

  const plainCall = fc.oneof(tokenCall, nftCall, ethSend, targetCall, guardSetter);
  const simpleCall = fc.oneof(
    { weight: 6, arbitrary: tokenCall },
    { weight: 2, arbitrary: nftCall },
    { weight: 4, arbitrary: ethSend },
    { weight: 1, arbitrary: targetCall },
    { weight: 3, arbitrary: guardSetter },
    { weight: 2, arbitrary: selfCall },
  );

  const multiSendTarget = fc.oneof(
    { weight: 4, arbitrary: fc.constant(w.canonical.multiSendCallOnly150) },
    { weight: 1, arbitrary: fc.constantFrom(w.canonical.multiSendCallOnly141, w.canonical.multiSendCallOnly130) },
  );
  const malform = fc.oneof(
    { weight: 10, arbitrary: fc.constant("none" as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Malform>("delegateEntry", "truncate", "trailing", "badOffset", "longLength"),
    },
  );
  // A nested batch is an entry that CALLs MultiSendCallOnly (the guard judges it as an untrusted call).
  const nested = fc
    .array(plainCall, { minLength: 1, maxLength: 2 })
    .map((entries) => call(w.canonical.multiSendCallOnly150, 0n, encodeMultiSend(entries.map(asCall), [], "none")));
  const batchTx: fc.Arbitrary<TxSpec> = fc
    .tuple(
      multiSendTarget,
      fc.array(fc.oneof({ weight: 8, arbitrary: simpleCall }, { weight: 1, arbitrary: nested }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      malform,
    )
    .map(([multiSend, entries, zeroForSafe, m]) => ({ kind: "batch", multiSend, entries, zeroForSafe, malform: m }));

  const c = w.canonical;
  const delegateTx: fc.Arbitrary<TxSpec> = fc.oneof(
    fc.constant<TxSpec>({
      kind: "delegate",
      to: c.signMessageLib150,
      data: signMessageIface.encodeFunctionData("signMessage", ["0x1234"]),
    }),
    fc.constant<TxSpec>({
      kind: "delegate",
      to: c.signMessageLib141,
      data: signMessageIface.encodeFunctionData("signMessage", ["0x1234"]),
    }),
    fc.constant<TxSpec>({ kind: "delegate", to: c.safeMigration, data: "0xdeadbeef" }),
    fc.constant<TxSpec>({
      kind: "delegate",
      to: w.writer,
      data: writerIface.encodeFunctionData("overwrite", [n.stranger]),
    }),
    fc
      .array(plainCall, { minLength: 1, maxLength: 2 })
      .map((e): TxSpec => ({ kind: "delegate", to: c.multiSend150, data: encodeMultiSend(e.map(asCall), [], "none") })),
    fc.constant<TxSpec>({ kind: "delegate", to: c.multiSendCallOnly150, data: "0xdeadbeef" }),
    fc.constantFrom(w.tokenA, n.stranger, w.target).map((to): TxSpec => ({ kind: "delegate", to, data: "0x" })),
  );

  const anyTx: fc.Arbitrary<TxSpec> = fc.oneof(
    { weight: 10, arbitrary: simpleCall.map((call): TxSpec => ({ kind: "single", call })) },
    { weight: 5, arbitrary: batchTx },
    { weight: 2, arbitrary: delegateTx },
  );
  // queue(tx) of any transaction: the path every delayed change takes.
  const queueTx: fc.Arbitrary<TxSpec> = anyTx.map((inner): TxSpec => ({ kind: "queue", inner }));

  const ownerStep: fc.Arbitrary<Step> = fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: anyTx }, { weight: 2, arbitrary: queueTx }),
      fc.oneof({ weight: 6, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constant(300_000n) }),
      fc.oneof({ weight: 10, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(1n, 10n ** 9n) }),
      fc.constantFrom(ZeroAddress, n.stranger, n.carol, n.alice),
    )
    .map(([tx, safeTxGas, gasPrice, refundReceiver]) => ({ kind: "owner", tx, safeTxGas, gasPrice, refundReceiver }));
  const moduleStep: fc.Arbitrary<Step> = fc
    .tuple(fc.constantFrom("recovery" as const, "rogue" as const), anyTx)
    .map(([module, tx]) => ({ kind: "module", module, tx }));

  return fc.oneof(
    { weight: 10, arbitrary: ownerStep },
    { weight: 3, arbitrary: moduleStep },
    // wait: jump to the item's eta first (short sequences would otherwise rarely reach a ready item).
    {
      weight: 4,
      arbitrary: fc.tuple(fc.nat(7), fc.boolean()).map(([pick, wait]): Step => ({ kind: "execute", pick, wait })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.nat(7), fc.nat(7)).map(([pick, voter]): Step => ({ kind: "veto", pick, voter })),
    },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.bigInt(1n, 120n),
          fc.constantFrom(HOUR, HOUR + 1n, DAY - 60n, DAY, DAY + HOUR, 2n * DAY),
          fc.bigInt(1n, 3n * DAY),
        )
        .map((seconds): Step => ({ kind: "jump", seconds })),
    },
  );
}

function asCall(spec: CallSpec): { to: string; value: bigint; data: string } {
  if (spec.kind !== "call") throw new Error(`${spec.kind} needs the chain to resolve`);
  return spec;
}

/** Resolves a spec against the Safe's current owners and modules (the predecessor in Safe's linked lists). */
export function resolveCall(
  c: CallSpec,
  safe: string,
  owners: string[],
  modules: string[],
): { to: string; value: bigint; data: string } {
  const prevOf = (list: string[], x: string) => {
    const i = list.findIndex((y) => y.toLowerCase() === x.toLowerCase());
    return i <= 0 ? SENTINEL : list[i - 1];
  };
  if (c.kind === "call") return c;
  if (c.kind === "removeOwner") {
    return {
      to: safe,
      value: 0n,
      data: safeAdminIface.encodeFunctionData("removeOwner", [prevOf(owners, c.owner), c.owner, c.threshold]),
    };
  }
  if (c.kind === "swapOwner") {
    return {
      to: safe,
      value: 0n,
      data: safeAdminIface.encodeFunctionData("swapOwner", [prevOf(owners, c.oldOwner), c.oldOwner, c.newOwner]),
    };
  }
  return {
    to: safe,
    value: 0n,
    data: safeAdminIface.encodeFunctionData("disableModule", [prevOf(modules, c.module), c.module]),
  };
}

/** The Safe transaction of a spec, its owner and module specs resolved against the chain. */
export function buildTx(
  spec: TxSpec,
  safe: string,
  guard: string,
  owners: string[],
  modules: string[],
): { to: string; value: bigint; data: string; operation: number } {
  const r = (c: CallSpec) => resolveCall(c, safe, owners, modules);
  if (spec.kind === "single") return { ...r(spec.call), operation: 0 };
  if (spec.kind === "delegate") return { to: spec.to, value: 0n, data: spec.data, operation: 1 };
  if (spec.kind === "queue") {
    const t = buildTx(spec.inner, safe, guard, owners, modules);
    const data = guardSetters.encodeFunctionData("queue", [t.to, t.value, t.data, t.operation]);
    return { to: guard, value: 0n, data, operation: 0 };
  }
  return {
    to: spec.multiSend,
    value: 0n,
    data: encodeMultiSend(spec.entries.map(r), spec.zeroForSafe, spec.malform, safe),
    operation: 1,
  };
}

/**
 * multiSend(bytes) with MultiSendCallOnly's packed entries, written by hand so it can be malformed on purpose.
 * `zeroForSafe[i]`: entry i calls the Safe as to = address(0) (MultiSendCallOnly 1.5.0 reads it as the Safe).
 */
export function encodeMultiSend(
  calls: { to: string; value: bigint; data: string }[],
  zeroForSafe: boolean[],
  malform: Malform,
  safe?: string,
): string {
  let payload = hexlify(
    concat(
      calls.map((c, i) => {
        const to = safe && zeroForSafe[i] && c.to.toLowerCase() === safe.toLowerCase() ? ZeroAddress : c.to;
        const op = malform === "delegateEntry" && i === calls.length - 1 ? 1 : 0;
        return solidityPacked(
          ["uint8", "address", "uint256", "uint256", "bytes"],
          [op, to, c.value, getBytes(c.data).length, c.data],
        );
      }),
    ),
  );
  if (malform === "truncate") payload = hexlify(getBytes(payload).slice(0, Math.max(1, getBytes(payload).length - 7)));
  if (malform === "trailing") payload = hexlify(concat([payload, "0x00000000"]));
  let data = multiSendIface.encodeFunctionData("multiSend", [payload]);
  if (malform === "badOffset") data = data.slice(0, 10) + toBeHex(0x40, 32).slice(2) + data.slice(74);
  if (malform === "longLength")
    data = data.slice(0, 74) + toBeHex(getBytes(payload).length + 32, 32).slice(2) + data.slice(138);
  return data;
}

export { DAY };
