import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { formatAsset, parseAmount, resolveAsset } from "../lib/assets";
import { UserError } from "../lib/errors";
import { isoTime, keyValues, table, toJson } from "../lib/format";
import {
  capChange,
  delayChange,
  expiryChange,
  parseSelector,
  recipientChange,
  targetChange,
} from "../lib/guard/changes";
import { policyAssets, readPolicy, type PolicyChange, type PolicyView } from "../lib/guard/read";
import { guardOf } from "../lib/guard/queue";
import { addressArg, HELP, proposeCalls, type SignerArgs, userFacing, proposing } from "./util";

// Every change is a Safe transaction through the one propose path: the guard's verdict decides whether the owners
// sign the change itself (tightening) or its queue wrapper (loosening, effective after the delay via queue:execute).

const ORIGIN = "safe-treasury-toolkit policy";
const FROM_BLOCK = "First block to read the guard's events from (recipients and targets are found through them)";

interface ChangeArgs extends SignerArgs {
  safe: string;
  nonce?: number;
}

async function guardAddress(hre: HardhatRuntimeEnvironment, safe: string) {
  return (await guardOf(hre.ethers.provider, safe)).getAddress();
}

function addOrRemove(action: string): boolean {
  if (action !== "add" && action !== "remove") throw new UserError(`The action is "add" or "remove", not "${action}".`);
  return action === "add";
}

proposing(
  task<ChangeArgs & { asset: string; amount: string; fromBlock: number }>(
    "policy:cap",
    "Propose a new rolling 24h cap for an asset (lowering is instant; raising waits in the guard's queue)",
  )
    .addParam("safe", "The Safe")
    .addParam("asset", 'ETH, a token address, or the symbol of a token the Safe caps or capped (e.g. "USDC")')
    .addParam("amount", "The cap in the asset's units (e.g. 2.5); 0 removes the cap, so every outflow queues")
    .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    const provider = hre.ethers.provider;
    const asset = await resolveAsset(provider, args.asset, "asset", () => policyAssets(provider, safe, args.fromBlock));
    const cap = parseAmount(args.amount, asset, "amount", { allowZero: true });
    if (!args.json) console.log(`Cap of ${asset.symbol} (${asset.address}) to ${formatAsset(cap, asset)} per 24h\n`);
    await proposeCalls(hre, args, safe, [capChange(await guardAddress(hre, safe), asset.address, cap)], ORIGIN);
  }),
);

proposing(
  task<ChangeArgs & { action: string; address: string }>(
    "policy:recipient",
    "Propose adding (waits in the guard's queue) or removing (instant) a whitelisted recipient",
  )
    .addPositionalParam("action", "add or remove")
    .addParam("safe", "The Safe")
    .addParam("address", "The recipient"),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const allowed = addOrRemove(args.action);
    const safe = addressArg(args.safe, "safe");
    const recipient = addressArg(args.address, "address");
    await proposeCalls(hre, args, safe, [recipientChange(await guardAddress(hre, safe), recipient, allowed)], ORIGIN);
  }),
);

proposing(
  task<ChangeArgs & { action: string; target: string; selector?: string }>(
    "policy:target",
    "Propose trusting (queued) or untrusting (instant) a call target, for any call or for one selector",
  )
    .addPositionalParam("action", "add or remove")
    .addParam("safe", "The Safe")
    .addParam("target", "The contract the Safe calls")
    .addOptionalParam(
      "selector",
      'Only this function: a 4-byte selector (0xa9059cbb) or a signature ("transfer(address,uint256)"); default any call',
    ),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const trusted = addOrRemove(args.action);
    const safe = addressArg(args.safe, "safe");
    const target = addressArg(args.target, "target");
    const selector = args.selector === undefined ? undefined : parseSelector(args.selector, "selector");
    const call = targetChange(await guardAddress(hre, safe), target, trusted, selector);
    await proposeCalls(hre, args, safe, [call], ORIGIN);
  }),
);

proposing(
  task<ChangeArgs & { seconds: number }>(
    "policy:delay",
    "Propose the guard's queue delay (lengthening is instant, shortening waits in the queue)",
  )
    .addParam("safe", "The Safe")
    .addParam("seconds", "The delay in seconds (3600 .. 2592000, i.e. 1 hour .. 30 days)", undefined, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    await proposeCalls(hre, args, safe, [delayChange(await guardAddress(hre, safe), args.seconds)], ORIGIN);
  }),
);

proposing(
  task<ChangeArgs & { seconds: number }>(
    "policy:expiry",
    "Propose how long a ready queued transaction stays executable (shortening is instant, lengthening queues)",
  )
    .addParam("safe", "The Safe")
    .addParam("seconds", "The expiry in seconds (3600 .. 2592000, i.e. 1 hour .. 30 days)", undefined, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    await proposeCalls(hre, args, safe, [expiryChange(await guardAddress(hre, safe), args.seconds)], ORIGIN);
  }),
);

task<{ safe: string; fromBlock: number; json: boolean }>(
  "policy:show",
  "Show the guard's policy of a Safe: caps with what is left now, recipients, targets, delay, expiry, queued changes",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const view = await readPolicy(hre.ethers.provider, addressArg(args.safe, "safe"), args.fromBlock);
      console.log(args.json ? toJson(view) : formatPolicy(view));
    }),
  );

const queued = (p: { id: number; eta: number }) => `queue #${p.id}, from ${isoTime(p.eta)} (queue:execute)`;

function changeText(c: PolicyChange, view: PolicyView): string {
  switch (c.kind) {
    case "cap": {
      const known = view.caps.find((x) => x.asset === c.asset);
      const amount = known ? formatAsset(c.cap, { ...known, address: c.asset }) : `${c.cap} base units`;
      return `cap of ${known?.symbol ?? c.asset} to ${amount}`;
    }
    case "recipient":
      return `${c.allowed ? "add" : "remove"} recipient ${c.recipient}`;
    case "target":
      return `${c.trusted ? "trust" : "untrust"} target ${c.target}`;
    case "selector":
      return `${c.trusted ? "trust" : "untrust"} ${c.selector} on ${c.target}`;
    case "delay":
      return `delay to ${c.seconds} s`;
    case "expiry":
      return `expiry to ${c.seconds} s`;
    case "recovery-module":
      return `recovery module to ${c.module}`;
    case "offchain-signatures":
      return `off-chain signatures ${c.allowed ? "allowed" : "refused"}`;
  }
}

function formatPolicy(view: PolicyView): string {
  const caps = view.caps.map((c) => ({
    asset: `${c.symbol} ${c.asset}`,
    cap: c.cap === 0n ? "none (queues)" : formatAsset(c.cap, { ...c, address: c.asset }),
    "left now": formatAsset(c.available, { ...c, address: c.asset }),
    "grows at": c.nextIncreaseAt === null ? "-" : isoTime(c.nextIncreaseAt),
    queued: c.pending.map((p) => `${formatAsset(p.cap, { ...c, address: c.asset })}: ${queued(p)}`).join("; "),
  }));
  const recipients = view.recipients.map((r) => ({
    recipient: r.address,
    status: r.allowed ? "whitelisted" : "pending",
    queued: r.pending.map((p) => `${p.allowed ? "add" : "remove"}: ${queued(p)}`).join("; "),
  }));
  const targets = view.targets.map((t) => ({
    target: t.target,
    selector: t.selector ?? "any",
    status: t.trusted ? "trusted" : "pending",
    queued: t.pending.map((p) => `${p.trusted ? "trust" : "untrust"}: ${queued(p)}`).join("; "),
  }));
  const pending = view.pending.map((p) => ({
    id: p.id,
    state: p.state,
    change: changeText(p.change, view),
    "executable from": isoTime(p.eta),
    until: isoTime(p.expiresAt),
  }));
  return [
    keyValues([
      ["safe", view.safe],
      ["guard", view.guard],
      ["delay", `${view.delay} s`],
      ["expiry", `${view.expiry} s`],
      ["recovery module", view.recoveryModule],
      ["off-chain signatures", view.offchainSignatures ? "allowed" : "refused"],
    ]),
    `\nCaps (rolling 24h):\n${table(caps)}`,
    `\nRecipients:\n${table(recipients)}`,
    `\nTrusted targets:\n${table(targets)}`,
    `\nQueued policy changes:\n${table(pending)}`,
  ].join("\n");
}
