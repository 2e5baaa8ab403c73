import { getAddress, Interface, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { describeAsset } from "../assets";
import { formatAmount } from "../format";
import { policyDifferences } from "../guard/compare";
import { decodeCalls, type DecodedCall } from "../summary/decode";
import { AddressBook } from "../summary/names";
import { decodeLog, type BalanceChange } from "../summary/simulate";
import type { SafeTxFields } from "../summary/types";
import { recipientsOf } from "../summary/warnings";
import type { RehearsalChain } from "./chain";
import { executeOnChain, onChainSafeTxHash, type Execution } from "./execute";
import { checkExpectations, type Expectations } from "./expect";
import { checkStep, effectiveCalls, type Check } from "./invariants";
import { balanceChanges, configChanges, observe, touched, type ConfigChange, type Observation } from "./observe";
import { tokenEvents } from "../abi";

/** One Safe transaction to rehearse: from the service (with its hash) or built by a task before proposing it. */
export interface RehearsalInput {
  tx: SafeTxFields;
  safeTxHash?: string;
  /** Where it came from, for the report ("service", "upgrade:safe", ...). */
  origin?: string;
}

export interface RehearsalStep {
  safeTxHash: string;
  nonce: number;
  origin?: string;
  calls: { index: string; to: string; text: string }[];
  success: boolean;
  error?: string;
  gasUsed: bigint;
  queue?: Execution["queue"];
  events: { address: string; name: string; args: string[] }[];
  balances: (BalanceChange & { text: string })[];
  config: ConfigChange[];
  policy: string[];
  checks: Check[];
  ok: boolean;
}

export interface RehearsalReport {
  safe: string;
  chainId: bigint;
  mode: RehearsalChain["mode"];
  /** The block the rehearsal started from. */
  block: number;
  steps: RehearsalStep[];
  /** Checks over the whole run: --expect, and the later proposals' hashes. */
  checks: Check[];
  /** Proposals left out (another proposal at the same nonce, or a gap before them). */
  skipped: { safeTxHash: string; nonce: number; reason: string }[];
  before: Observation;
  after: Observation;
  ok: boolean;
}

export interface RehearseOptions {
  expect?: Expectations;
  /** Proposals after the rehearsed ones, whose hashes must not change (e.g. across a Safe migration). */
  later?: { safeTxHash: string; tx: SafeTxFields }[];
  skipped?: RehearsalReport["skipped"];
}

/**
 * Rehearses `inputs` in order on `chain`, each on top of the previous, as they would run, and checks every
 * invariant after each one. The chain is left in the state after the last one (callers close it).
 */
export async function rehearse(
  hre: HardhatRuntimeEnvironment,
  chain: RehearsalChain,
  safe: string,
  inputs: RehearsalInput[],
  options: RehearseOptions = {},
): Promise<RehearsalReport> {
  const provider = chain.provider;
  const block = await provider.getBlockNumber();
  const first = await observe(provider, safe);
  let before = first;
  const steps: RehearsalStep[] = [];
  const symbols = new Map<string, { symbol: string; decimals: number }>();
  const describe = (asset: string) => symbols.get(getAddress(asset)) ?? { symbol: asset, decimals: 0 };
  const guardInterface = new Interface((await hre.artifacts.readArtifact("TreasuryGuard")).abi);

  for (const input of inputs) {
    const { tx } = input;
    const book = await AddressBook.create(hre, safe, before.state.owners);
    for (const guard of [before.state.guard, before.treasuryGuard.module].filter((g): g is string => !!g)) {
      if (guard !== ZeroAddress && before.treasuryGuard.transactionGuard) {
        book.add(guard, "TreasuryGuard (this Safe's guard)", "toolkit");
        book.interfaces.set(guard.toLowerCase(), guardInterface);
      }
    }
    const calls = await decodeCalls(tx, book, safe);
    const decoders = [...new Set([...book.interfaces.values(), guardInterface])];
    const startBlock = await provider.getBlockNumber();
    const owners = before.state.owners.slice(0, before.state.threshold);
    const execution = await executeOnChain(chain, safe, tx, owners, decoders);
    const endBlock = await provider.getBlockNumber();
    const after = await observe(provider, safe);
    const applied = effectiveCalls(calls, execution.queue !== undefined);

    const callTokens = calls.filter((c) => c.signature && book.get(c.to)?.kind === "token").map((c) => c.to);
    const capAssets = Object.keys(before.policy?.caps ?? {}).filter((a) => a !== ZeroAddress);
    const { accounts, assets } = touched(
      safe,
      calls.flatMap((c) => [c.to, ...recipientsOf(c)]),
      execution.logs,
      [...callTokens, ...capAssets, ...(tx.gasToken === ZeroAddress ? [] : [tx.gasToken])],
    );
    await Promise.all(
      assets.map(async (a) => {
        if (!symbols.has(a)) symbols.set(a, await describeAsset(provider, a));
      }),
    );
    const balances = await balanceChanges(provider, accounts, assets, startBlock, endBlock);
    const checks = checkStep({
      safe,
      before,
      after,
      calls: applied,
      execution,
      balances,
      gasToken: tx.gasToken,
      describe,
    });
    const safeTxHash = input.safeTxHash ?? execution.safeTxHash;
    steps.push({
      safeTxHash,
      nonce: Number(tx.nonce),
      origin: input.origin,
      calls: calls.map((c: DecodedCall) => ({ index: c.index, to: c.to, text: c.text })),
      success: execution.success,
      error: execution.error,
      gasUsed: execution.gasUsed,
      queue: execution.queue,
      events: execution.logs.map((l) => decodeLog(l, [...decoders, tokenEvents])),
      balances: balances.map((b) => ({ ...b, text: signed(b.delta, describe(b.asset)) })),
      config: configChanges(before.state, after.state),
      policy: policyChanges(before, after),
      checks,
      ok: checks.every((c) => c.ok),
    });
    before = after;
  }

  const checks: Check[] = [];
  if (options.later?.length) {
    const moved: string[] = [];
    for (const later of options.later) {
      const hash = await onChainSafeTxHash(provider, safe, later.tx);
      if (hash.toLowerCase() !== later.safeTxHash.toLowerCase())
        moved.push(`${later.safeTxHash} now hashes to ${hash}`);
    }
    checks.push({
      name: "pending-signatures-valid",
      ok: moved.length === 0,
      detail:
        moved.join("; ") || `${options.later.length} pending proposal(s) keep their hashes, and so their signatures`,
    });
  }
  if (options.expect) {
    const end = await provider.getBlockNumber();
    checks.push(
      ...(await checkExpectations(provider, options.expect, { fromBlock: block, toBlock: end, after: before })),
    );
  }
  return {
    safe: getAddress(safe),
    chainId: chain.chainId,
    mode: chain.mode,
    block,
    steps,
    checks,
    skipped: options.skipped ?? [],
    before: first,
    after: before,
    ok: steps.every((s) => s.ok) && checks.every((c) => c.ok),
  };
}

function signed(delta: bigint, asset: { symbol: string; decimals: number }): string {
  return (delta < 0n ? "-" : "+") + formatAmount(delta < 0n ? -delta : delta, asset.decimals, asset.symbol);
}

/** The policy's changes, including a guard that appeared, disappeared or was replaced. */
function policyChanges(before: Observation, after: Observation): string[] {
  if (!before.policy && !after.policy) return [];
  if (!before.policy) return [`TreasuryGuard policy appeared (guard ${after.state.guard})`];
  if (!after.policy) return [`TreasuryGuard policy gone (the Safe's guard is ${after.state.guard})`];
  const lines = policyDifferences(before.policy, after.policy);
  if (before.state.guard !== after.state.guard) {
    lines.unshift(
      `guard ${before.state.guard} -> ${after.state.guard}` + (lines.length ? "" : ": policy carried over"),
    );
  }
  return lines;
}
