import { Contract, getAddress, zeroPadValue } from "ethers";
import type { Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { describeAsset } from "../../assets";
import { UserError } from "../../errors";
import { SAFE_SLOTS } from "../../safe/state";
import { toolkitAddress } from "../../toolkit";
import { safeReadInterface, spendingLimitViews, treasuryGuardViews } from "../../abi";

/** Delegates' allowances on the SpendingLimitModule as the chain has them: the module a Safe enabled, its grants, what is left. */

/** The SpendingLimitModule (`module`, default the toolkit's singleton) as `safe` has it enabled, or a UserError. */
export async function spendingModule(hre: HardhatRuntimeEnvironment, safe: string, module?: string): Promise<Contract> {
  const address = getAddress(module ?? (await toolkitAddress(hre, "SpendingLimitModule")));
  const provider = hre.ethers.provider;
  let enabled = false;
  try {
    enabled = (await new Contract(safe, safeReadInterface, provider).isModuleEnabled(address)) as boolean;
  } catch {
    throw new UserError(`${safe} does not answer isModuleEnabled: it is not a Safe on this chain.`);
  }
  if (!enabled) {
    throw new UserError(
      `The SpendingLimitModule ${address} is not enabled on Safe ${safe}: enable it first, or pass --module with ` +
        "the module the Safe uses.",
    );
  }
  return new Contract(address, spendingLimitViews, provider);
}

export interface AllowanceView {
  delegate: string;
  asset: string;
  symbol: string;
  decimals: number;
  /** Per rolling 24 hours, as the module stores it (rounded down to 8 significant digits). */
  allowance: bigint;
  /** What the window counts now. */
  spent: bigint;
  /** What the delegate can spend now. */
  available: bigint;
  /** When `available` next grows if nothing more is spent (unix seconds), or null if it never does. */
  nextIncreaseAt: number | null;
}

async function allowanceLogs(provider: Provider, module: string, safe: string, delegate?: string, fromBlock = 0) {
  const topics = [
    spendingLimitViews.getEvent("AllowanceChanged")!.topicHash,
    zeroPadValue(safe, 32),
    ...(delegate ? [zeroPadValue(delegate, 32)] : []),
  ];
  let logs;
  try {
    logs = await provider.getLogs({ address: module, fromBlock, toBlock: "latest", topics });
  } catch (error) {
    throw new UserError(
      `The node refused the module's events from block ${fromBlock} (${(error as Error).message.slice(0, 200)}): ` +
        "pass --from-block with the block the module was enabled in.",
    );
  }
  return logs.map((l) => spendingLimitViews.parseLog(l)!).filter(Boolean);
}

/** Assets the Safe's allowances and guard caps name, for resolving a token symbol. */
export async function allowanceAssets(provider: Provider, module: Contract, safe: string, fromBlock = 0) {
  const assets = (await allowanceLogs(provider, await module.getAddress(), safe, undefined, fromBlock)).map(
    (l) => l.args[2] as string,
  );
  const guard = getAddress("0x" + (await provider.getStorage(safe, SAFE_SLOTS.guard)).slice(26));
  try {
    assets.push(...((await new Contract(guard, treasuryGuardViews, provider).getCappedAssets(safe)) as string[]));
  } catch {
    // No TreasuryGuard: the allowances' assets are all there is.
  }
  return [...new Set(assets.map((a) => getAddress(a)))];
}

/** The current (non-zero) allowances of `safe`, or of one delegate, with what is left now. */
export async function readAllowances(
  provider: Provider,
  module: Contract,
  safe: string,
  options: { delegate?: string; fromBlock?: number } = {},
): Promise<{ safe: string; module: string; recipientRegistry: string; allowances: AllowanceView[] }> {
  const address = await module.getAddress();
  const logs = await allowanceLogs(provider, address, safe, options.delegate, options.fromBlock);
  const pairs = new Map<string, [string, string]>();
  for (const l of logs) {
    const [delegate, asset] = [getAddress(l.args[1]), getAddress(l.args[2])];
    pairs.set(`${delegate}/${asset}`, [delegate, asset]);
  }
  const allowances = (
    await Promise.all(
      [...pairs.values()].map(async ([delegate, asset]): Promise<AllowanceView> => {
        const [[allowance, spent, available, next], info] = await Promise.all([
          module.getAllowance(safe, delegate, asset) as Promise<[bigint, bigint, bigint, bigint]>,
          describeAsset(provider, asset),
        ]);
        return {
          delegate,
          asset,
          symbol: info.symbol,
          decimals: info.decimals,
          allowance,
          spent,
          available,
          nextIncreaseAt: next === 0n ? null : Number(next),
        };
      }),
    )
  ).filter((a) => a.allowance > 0n);
  return {
    safe: getAddress(safe),
    module: address,
    recipientRegistry: (await module.recipientRegistry(safe)) as string,
    allowances,
  };
}

/**
 * The allowances as a part of `safe:info` (lib/info InfoPart): "delegate/asset" -> allowance in base units for
 * `--check`, and what is spent and left now. Nothing for a Safe without the toolkit's SpendingLimitModule.
 */
export async function allowanceInfo(
  hre: HardhatRuntimeEnvironment,
  info: { configuration: { safe: string } },
): Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }> {
  const safe = info.configuration.safe;
  let module: Contract;
  try {
    module = await spendingModule(hre, safe);
  } catch (error) {
    if (error instanceof UserError) return {};
    throw error;
  }
  const view = await readAllowances(hre.ethers.provider, module, safe);
  const key = (a: AllowanceView) => `${a.delegate}/${a.asset}`;
  return {
    configuration: {
      allowances: {
        module: view.module,
        recipientRegistry: view.recipientRegistry,
        ...Object.fromEntries(view.allowances.map((a) => [key(a), a.allowance.toString()])),
      },
    },
    state: {
      allowancesLeft: view.allowances.map((a) => ({
        delegate: a.delegate,
        asset: a.asset,
        symbol: a.symbol,
        spent: a.spent.toString(),
        available: a.available.toString(),
        nextIncreaseAt: a.nextIncreaseAt,
      })),
    },
  };
}
