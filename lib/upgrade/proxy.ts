import type { HardhatUpgrades } from "@openzeppelin/hardhat-upgrades";
import type { MetaTransactionData } from "@safe-global/types-kit";
import { Contract, getAddress, ZeroAddress, type Provider, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { resolve } from "node:path";

import { UserError } from "../errors";
import { slotAddress } from "../safe/state";
import type { OwnerSigner } from "../signer";
import { proposeTransaction, type Approve, type Proposed } from "../safe/workflow";
import { proxyUpgradeInterface } from "../abi";

/**
 * Upgrading an OpenZeppelin proxy the treasury administers: the upgrades plugin checks the new implementation's
 * storage layout against the current one and only then deploys it; the upgrade itself is a Safe transaction
 * (`upgradeAndCall` on the ProxyAdmin of a transparent proxy, `upgradeToAndCall` on a UUPS proxy).
 */

export const ERC1967_SLOTS = {
  implementation: "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
  admin: "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103",
  beacon: "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50",
} as const;

export type ProxyKind = "uups" | "transparent";

/** The implementation in the proxy's ERC-1967 slot (the zero address when there is none). */
export async function implementationOf(provider: Provider, proxy: string): Promise<string> {
  return slotAddress(provider, proxy, ERC1967_SLOTS.implementation);
}

/** The ERC-1967 admin of a transparent proxy (the zero address for other kinds). */
export async function adminOf(provider: Provider, proxy: string): Promise<string> {
  return slotAddress(provider, proxy, ERC1967_SLOTS.admin);
}

/** What kind of proxy `proxy` is, from its ERC-1967 slots; refused when it is none we upgrade. */
export async function proxyKindOf(provider: Provider, proxy: string): Promise<ProxyKind> {
  if ((await slotAddress(provider, proxy, ERC1967_SLOTS.beacon)) !== ZeroAddress) {
    throw new UserError(`${proxy} is a beacon proxy: upgrade its beacon, not the proxy (upgrade:proxy does not).`);
  }
  if ((await adminOf(provider, proxy)) !== ZeroAddress) return "transparent";
  if ((await implementationOf(provider, proxy)) !== ZeroAddress) return "uups";
  throw new UserError(`${proxy} is not an ERC-1967 proxy (its implementation slot is empty): check the address.`);
}

/** The upgrades plugin on `hre`, or a UserError saying how to load it. */
export function upgradesOf(hre: HardhatRuntimeEnvironment): HardhatUpgrades {
  const upgrades = (hre as { upgrades?: HardhatUpgrades }).upgrades;
  if (!upgrades) {
    throw new UserError(
      "The OpenZeppelin upgrades plugin is not loaded: load the plugin: HARDHAT_UPGRADES=1 (upgrade:proxy loads it).",
    );
  }
  return upgrades;
}

async function ownerOf(provider: Provider, address: string): Promise<string | undefined> {
  try {
    return getAddress(await new Contract(address, proxyUpgradeInterface, provider).owner());
  } catch {
    return undefined;
  }
}

export interface PrepareOptions {
  /** The Safe that must own the ProxyAdmin (transparent) or the proxy (UUPS). */
  safe: string;
  proxy: string;
  /** The new implementation's contract name. */
  contract: string;
  /** Checked against the proxy's slots when given. */
  kind?: ProxyKind;
  /** The current implementation's contract name, to register a proxy missing from the plugin's manifest. */
  from?: string;
  /** Calldata run on the new implementation during the upgrade (default none). */
  callData?: string;
  /** Who deploys the implementation (default: the first Hardhat signer). */
  deployer?: Signer;
}

export interface PreparedUpgrade {
  kind: ProxyKind;
  proxy: string;
  currentImplementation: string;
  newImplementation: string;
  /** The ProxyAdmin (transparent) or the proxy itself (UUPS): the Safe's call goes there. */
  admin: string;
  call: MetaTransactionData;
}

const isLayoutError = (error: unknown) =>
  error instanceof Error && /storage layout|incompatible|is not upgrade safe/i.test(error.message);
const notRegistered = (error: unknown) => error instanceof Error && /is not registered/.test(error.message);

/**
 * Validates the upgrade of `proxy` to `contract` with the plugin (after registering the proxy from `from` when the
 * manifest lacks it) and checks the Safe administers the proxy; ONLY THEN deploys the implementation (or reuses the
 * one with the same bytecode), and builds the Safe's call. An incompatible layout deploys nothing.
 */
export async function prepareProxyUpgrade(
  hre: HardhatRuntimeEnvironment,
  options: PrepareOptions,
): Promise<PreparedUpgrade> {
  const upgrades = upgradesOf(hre);
  const provider = hre.ethers.provider;
  const proxy = getAddress(options.proxy);
  const safe = getAddress(options.safe);
  const kind = await proxyKindOf(provider, proxy);
  if (options.kind && options.kind !== kind) {
    throw new UserError(`${proxy} is a ${kind} proxy, not ${options.kind}: drop --kind or correct it.`);
  }
  const currentImplementation = await implementationOf(provider, proxy);
  const admin = kind === "transparent" ? await adminOf(provider, proxy) : proxy;
  const owner = await ownerOf(provider, admin);
  if (kind === "transparent" && owner !== safe) {
    throw new UserError(
      `The ProxyAdmin ${admin} of ${proxy} is owned by ${owner ?? "nobody readable"}, not the Safe ${safe}: ` +
        "the Safe cannot upgrade it. Transfer the ProxyAdmin's ownership to the Safe first.",
    );
  }
  if (kind === "uups" && owner !== undefined && owner !== safe) {
    throw new UserError(
      `The UUPS proxy ${proxy} is owned by ${owner}, not the Safe ${safe}: the Safe cannot upgrade it.`,
    );
  }
  const factory = await hre.ethers.getContractFactory(options.contract, options.deployer);
  try {
    await validate(hre, upgrades, proxy, kind, factory, options.from);
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (!isLayoutError(error)) throw error;
    throw new UserError(
      `${options.contract} cannot replace the implementation of ${proxy}: the upgrades plugin refused it ` +
        `(nothing was deployed or proposed).\n${(error as Error).message.trim()}`,
    );
  }
  const deployed = await upgrades.prepareUpgrade(proxy, factory, { kind });
  const newImplementation = getAddress(typeof deployed === "string" ? deployed : (deployed.to ?? ZeroAddress));
  const callData = options.callData ?? "0x";
  const data =
    kind === "transparent"
      ? proxyUpgradeInterface.encodeFunctionData("upgradeAndCall", [proxy, newImplementation, callData])
      : proxyUpgradeInterface.encodeFunctionData("upgradeToAndCall", [newImplementation, callData]);
  return { kind, proxy, currentImplementation, newImplementation, admin, call: { to: admin, value: "0", data } };
}

async function validate(
  hre: HardhatRuntimeEnvironment,
  upgrades: HardhatUpgrades,
  proxy: string,
  kind: ProxyKind,
  factory: Awaited<ReturnType<HardhatRuntimeEnvironment["ethers"]["getContractFactory"]>>,
  from: string | undefined,
): Promise<void> {
  try {
    await upgrades.validateUpgrade(proxy, factory, { kind });
  } catch (error) {
    if (!notRegistered(error)) throw error;
    if (!from) {
      throw new UserError(
        `${proxy} is not in the upgrades plugin's manifest (.openzeppelin/): name its current implementation's ` +
          "contract with --from so its layout can be registered (forceImport).",
      );
    }
    await upgrades.forceImport(proxy, await hre.ethers.getContractFactory(from), { kind });
    await upgrades.validateUpgrade(proxy, factory, { kind });
  }
}

export interface ProxyProposeOptions extends PrepareOptions {
  signer: OwnerSigner;
  nonce?: number;
  /** Dry-run the upgrade on a local snapshot first, with this --check script (lib/upgrade/proxy-check.ts). */
  check?: string;
}

/** Prepares the upgrade (validated, implementation deployed), then proposes the Safe's call through the one path. */
export async function proposeProxyUpgrade(
  hre: HardhatRuntimeEnvironment,
  options: ProxyProposeOptions,
  approve: Approve,
): Promise<{ prepared: PreparedUpgrade; proposed: Proposed }> {
  const prepared = await prepareProxyUpgrade(hre, options);
  if (options.check) {
    const { dryRunProxyUpgrade } = await import("./proxy-check");
    await dryRunProxyUpgrade(hre, options.safe, prepared, options.check);
  }
  const proposed = await proposeTransaction(
    hre,
    {
      safe: options.safe,
      transactions: [prepared.call],
      signer: options.signer,
      nonce: options.nonce,
      origin: "upgrade:proxy",
    },
    approve,
  );
  return { prepared, proposed };
}

/** Throws unless the proxy's implementation slot holds `expected`; returns the implementation. */
export async function checkProxyUpgraded(provider: Provider, proxy: string, expected: string): Promise<string> {
  const implementation = await implementationOf(provider, proxy);
  if (implementation !== getAddress(expected)) {
    throw new UserError(
      `The implementation slot of ${proxy} holds ${implementation}, not the expected ${getAddress(expected)}.`,
    );
  }
  return implementation;
}

/** A --check script: `export default async function (proxy, hre, provider)` that throws when the upgrade is wrong. */
export type UpgradeCheck = (proxy: string, hre: HardhatRuntimeEnvironment, provider: Provider) => Promise<void>;

/** Runs a --check script against the (upgraded) proxy; its failure becomes a UserError naming the script. */
export async function runUpgradeCheck(
  hre: HardhatRuntimeEnvironment,
  options: { proxy: string; script: string; provider?: Provider },
): Promise<void> {
  const path = resolve(options.script);
  let check: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(path) as { default?: unknown };
    check = loaded.default ?? loaded;
  } catch (error) {
    throw new UserError(`Cannot load the check script ${options.script}: ${(error as Error).message}`);
  }
  if (typeof check !== "function") {
    throw new UserError(`The check script ${options.script} must export a default async function (proxy, hre).`);
  }
  try {
    await (check as UpgradeCheck)(getAddress(options.proxy), hre, options.provider ?? hre.ethers.provider);
  } catch (error) {
    throw new UserError(
      `The check ${options.script} failed against ${options.proxy}: ${(error as Error).message ?? String(error)}`,
    );
  }
}
