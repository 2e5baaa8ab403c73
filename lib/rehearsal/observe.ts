import { Contract, getAddress, id, ZeroAddress } from "ethers";
import type { Log, Provider } from "ethers";

import { policyConfiguration, type PolicyConfiguration } from "../guard/compare";
import { readPolicy } from "../guard/read";
import { readSafeState, type SafeState } from "../safe/state";
import type { BalanceChange } from "../summary/simulate";
import { erc20Interface, guardQueueInterface } from "../abi";

/** What a rehearsal reads before and after each transaction: the Safe's configuration and its guard's policy. */
export interface Observation {
  state: SafeState;
  /** Which of the guard's three places a TreasuryGuard holds (one answering policy(safe)). */
  treasuryGuard: { transactionGuard: boolean; moduleGuard: boolean; module: string | undefined };
  /** The policy in force, or undefined when the Safe's transaction guard is no TreasuryGuard. */
  policy?: PolicyConfiguration;
}

async function isTreasuryGuard(provider: Provider, address: string, safe: string): Promise<boolean> {
  if (address === ZeroAddress || (await provider.getCode(address)) === "0x") return false;
  try {
    await new Contract(address, guardQueueInterface, provider).policy(safe);
    return true;
  } catch {
    return false;
  }
}

export async function observe(provider: Provider, safe: string): Promise<Observation> {
  const state = await readSafeState(provider, safe);
  const [transactionGuard, moduleGuard, moduleFlags] = await Promise.all([
    isTreasuryGuard(provider, state.guard, safe),
    isTreasuryGuard(provider, state.moduleGuard, safe),
    Promise.all(state.modules.map((m) => isTreasuryGuard(provider, m, safe))),
  ]);
  const policy = transactionGuard ? policyConfiguration(await readPolicy(provider, safe)) : undefined;
  return {
    state,
    treasuryGuard: { transactionGuard, moduleGuard, module: state.modules.find((_, i) => moduleFlags[i]) },
    policy,
  };
}

export interface ConfigChange {
  field: keyof SafeState;
  before: string;
  after: string;
}

/** Every field of the Safe's configuration that differs (owners and modules as sets, in the Safe's order). */
export function configChanges(before: SafeState, after: SafeState): ConfigChange[] {
  const fields = [
    "version",
    "singleton",
    "owners",
    "threshold",
    "modules",
    "guard",
    "moduleGuard",
    "fallbackHandler",
    "nonce",
  ] as const;
  const show = (v: unknown) => (Array.isArray(v) ? v.join(", ") || "none" : String(v));
  return fields
    .filter((f) => show(before[f]) !== show(after[f]))
    .map((f) => ({ field: f, before: show(before[f]), after: show(after[f]) }));
}

const TRANSFER = id("Transfer(address,address,uint256)");

/**
 * The accounts and assets a transaction touched: the Safe, every call's target and address arguments, and the
 * senders and receivers of every ERC20 Transfer it emitted; the assets are ETH, those tokens and `tokens`.
 */
export function touched(safe: string, addresses: string[], logs: readonly Log[], tokens: string[]) {
  const accounts = new Set([safe, ...addresses].map((a) => getAddress(a)));
  const assets = new Set([ZeroAddress, ...tokens.map((t) => getAddress(t))]);
  for (const log of logs) {
    if (log.topics[0] !== TRANSFER || log.topics.length !== 3) continue;
    assets.add(getAddress(log.address));
    for (const topic of log.topics.slice(1)) accounts.add(getAddress("0x" + topic.slice(26)));
  }
  accounts.delete(ZeroAddress);
  return { accounts: [...accounts], assets: [...assets] };
}

/** Every account's change of every asset between two blocks (ETH is address(0)); unchanged pairs are left out. */
export async function balanceChanges(
  provider: Provider,
  accounts: string[],
  assets: string[],
  fromBlock: number,
  toBlock: number,
): Promise<BalanceChange[]> {
  const read = (asset: string, account: string, blockTag: number): Promise<bigint> => {
    if (asset === ZeroAddress) return provider.getBalance(account, blockTag);
    const erc20 = new Contract(asset, erc20Interface, provider);
    return (erc20.balanceOf(account, { blockTag }) as Promise<bigint>).catch(() => 0n);
  };
  const pairs = assets.flatMap((asset) => accounts.map((account) => ({ asset, account })));
  const values = await Promise.all(
    pairs.map(async ({ asset, account }) => [
      await read(asset, account, fromBlock),
      await read(asset, account, toBlock),
    ]),
  );
  return pairs
    .map(({ asset, account }, i) => ({
      account,
      asset,
      before: values[i][0],
      after: values[i][1],
      delta: values[i][1] - values[i][0],
    }))
    .filter((c) => c.delta !== 0n);
}
