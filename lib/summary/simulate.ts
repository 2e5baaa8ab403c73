import { BrowserProvider, Contract, dataSlice, Interface, toBeHex, ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import type { EthereumProvider, HardhatRuntimeEnvironment } from "hardhat/types";

import { explainRevert, revertData } from "../revert";
import { safeInterface } from "../safe/create";
import { openFork } from "../rehearsal/fork";
import { execSafeTx } from "../safe/prevalidated";
import type { SafeTxFields } from "./types";
import { erc20Interface, safeExecInterface, simulateTxAccessorInterface, tokenEvents } from "../abi";

export interface BalanceChange {
  account: string;
  asset: string; // address(0) = ETH
  before: bigint;
  after: bigint;
  delta: bigint;
  /** The change in the asset's units, e.g. "-1.5 ETH" or "+250 USDC" (set by the summary). */
  text?: string;
}

export interface Simulation {
  /** snapshot (in-process chain), fork (an in-process fork of the network), accessor (offline: success and gas). */
  mode: "snapshot" | "fork" | "accessor";
  success: boolean;
  /** The decoded revert, or the Safe's ExecutionFailure, when success is false. */
  error?: string;
  gasUsed: bigint;
  events: { address: string; name: string; args: string[] }[];
  balances: BalanceChange[];
}

/**
 * Runs the Safe transaction on a throw-away copy of the chain, as the owners will: the threshold's owners are
 * impersonated and approve the Safe transaction hash on chain (Safe's pre-validated signatures), one of them
 * executes. On Hardhat's in-process network the copy is a snapshot that is reverted afterwards; on any other
 * network it is an in-process fork of that network's RPC at its latest block, so nothing is ever sent to it.
 * Reports success (or the decoded revert), gas, decoded events and balance changes of the Safe and every account
 * given, for ETH and every token given.
 */
export async function simulate(
  hre: HardhatRuntimeEnvironment,
  input: { safe: string; tx: SafeTxFields; owners: string[]; accounts: string[]; tokens: string[] },
  decoders: Interface[] = [],
): Promise<Simulation> {
  const inProcess = hre.network.name === "hardhat";
  const raw: EthereumProvider = inProcess ? hre.network.provider : await openFork(hre, networkSource(hre));
  const snapshot = inProcess ? ((await raw.request({ method: "evm_snapshot" })) as string) : undefined;
  try {
    // No response cache: the balances before and after are the same calls, which ethers would answer from its
    // 250 ms cache.
    return await run(
      new BrowserProvider(raw, undefined, { cacheTimeout: -1 }),
      raw,
      input,
      [...decoders, tokenEvents],
      inProcess ? "snapshot" : "fork",
    );
  } finally {
    if (snapshot) await raw.request({ method: "evm_revert", params: [snapshot] });
  }
}

/** The selected network's RPC at its latest block. */
function networkSource(hre: HardhatRuntimeEnvironment) {
  const url = (hre.network.config as { url?: string }).url;
  if (!url) throw new Error(`Network ${hre.network.name} has no RPC URL to fork for the simulation.`);
  return { url };
}

async function run(
  provider: BrowserProvider,
  raw: EthereumProvider,
  input: { safe: string; tx: SafeTxFields; owners: string[]; accounts: string[]; tokens: string[] },
  decoders: Interface[],
  mode: Simulation["mode"],
): Promise<Simulation> {
  const { safe, tx, owners } = input;
  const accounts = [...new Set([safe, ...input.accounts].map((a) => a.toLowerCase()))];
  const assets = [ZeroAddress, ...new Set(input.tokens.map((t) => t.toLowerCase()))];
  const before = await balances(provider, accounts, assets);

  const safeContract = new Contract(safe, safeInterface("1.5.0"), provider);
  const signers = [];
  for (const owner of owners) {
    await raw.request({ method: "hardhat_impersonateAccount", params: [owner] });
    await raw.request({ method: "hardhat_setBalance", params: [owner, toBeHex(10n ** 20n)] });
    signers.push(await provider.getSigner(owner));
  }
  let gasUsed = 0n;
  let error: string | undefined;
  let events: Simulation["events"] = [];
  try {
    const response = await execSafeTx(safe, tx, signers, signers[0], {
      nonce: tx.nonce,
      overrides: { gasLimit: 15_000_000n },
    });
    const receipt = (await response.wait())!;
    gasUsed = receipt.gasUsed;
    events = receipt.logs.map((log: { address: string; topics: readonly string[]; data: string }) =>
      decodeLog(log, [safeContract.interface, ...decoders]),
    );
    if (events.some((e) => e.name === "ExecutionFailure" && e.address.toLowerCase() === safe.toLowerCase())) {
      error = "the Safe's call failed (ExecutionFailure): the inner call reverted and nothing it did took effect";
    }
  } catch (e) {
    error = explainRevert(e, decoders);
  }
  const after = await balances(provider, accounts, assets);
  const changes = before
    .map((b, i) => ({ ...b, after: after[i].before, delta: after[i].before - b.before }))
    .filter((c) => c.delta !== 0n);
  return { mode, success: error === undefined, error, gasUsed, events, balances: changes };
}

/** Every account's balance of every asset (ETH is address(0)), read in parallel. */
async function balances(provider: Provider, accounts: string[], assets: string[]): Promise<BalanceChange[]> {
  const pairs = assets.flatMap((asset) => accounts.map((account) => ({ asset, account })));
  const amounts = await Promise.all(
    pairs.map(({ asset, account }): Promise<bigint> => {
      if (asset === ZeroAddress) return provider.getBalance(account);
      const erc20 = new Contract(asset, erc20Interface, provider);
      return erc20.balanceOf(account).catch(() => 0n);
    }),
  );
  return pairs.map(({ asset, account }, i) => ({ account, asset, before: amounts[i], after: amounts[i], delta: 0n }));
}

/** A receipt's log by the first interface that knows its topic, or "unknown event 0x..". */
export function decodeLog(log: { address: string; topics: readonly string[]; data: string }, decoders: Interface[]) {
  for (const iface of decoders) {
    try {
      const parsed = iface.parseLog(log);
      if (parsed) return { address: log.address, name: parsed.name, args: parsed.args.map((a: unknown) => String(a)) };
    } catch {
      // not this interface
    }
  }
  return { address: log.address, name: `unknown event ${log.topics[0]?.slice(0, 10) ?? ""}`, args: [] };
}

/**
 * The offline fallback: Safe's SimulateTxAccessor run through the Safe's own simulateAndRevert in one eth_call, when
 * no fork can be made. It runs the inner call as the Safe (no signatures, no guard hooks) and says only whether it
 * succeeds and how much gas it takes: no events, no balance changes.
 */
export async function simulateWithAccessor(
  provider: Provider,
  safe: string,
  accessor: string,
  tx: Pick<SafeTxFields, "to" | "value" | "data" | "operation">,
  decoders: Interface[] = [],
): Promise<Simulation> {
  const payload = simulateTxAccessorInterface.encodeFunctionData("simulate", [tx.to, tx.value, tx.data, tx.operation]);
  const data = safeExecInterface.encodeFunctionData("simulateAndRevert", [accessor, payload]);
  let raw: string | undefined;
  try {
    await provider.call({ to: safe, data });
  } catch (error) {
    raw = revertData(error);
  }
  // simulateAndRevert always reverts with abi.encode(delegatecall success, returndata length) ++ returndata.
  if (!raw || raw.length < 2 + 128) throw new Error("simulateAndRevert did not answer as Safe's StorageAccessible");
  const delegated = BigInt(dataSlice(raw, 0, 32)) === 1n;
  if (!delegated) throw new Error("SimulateTxAccessor could not run (is it deployed at its canonical address?)");
  const [estimate, success, returnData] = simulateTxAccessorInterface.decodeFunctionResult(
    "simulate",
    dataSlice(raw, 64),
  );
  return {
    mode: "accessor",
    success: success as boolean,
    error: success
      ? undefined
      : returnData === "0x"
        ? "the call reverts without a reason (e.g. more ETH than the Safe holds)"
        : explainRevert({ data: returnData as string }, decoders),
    gasUsed: estimate as bigint,
    events: [],
    balances: [],
  };
}
