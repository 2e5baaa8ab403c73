import { AbiCoder, concat, getCreate2Address, keccak256, ZeroHash } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { toolkitModule, type SingletonSpec } from "../deploy/modules/Toolkit";
import { ensureSingletonFactory } from "./bootstrap";
import { deploymentId } from "./ignition";
import { SINGLETON_FACTORY } from "./safe/canonical";

/** The toolkit's singletons: one instance per chain serves every Safe (state keyed by the Safe). */
export const TOOLKIT_CONTRACTS = [
  "TreasuryGuard",
  "TreasuryFallbackHandler",
  "SpendingLimitModule",
  "RecoveryModule",
] as const;
export type ToolkitContract = (typeof TOOLKIT_CONTRACTS)[number];

export interface ToolkitEntry {
  name: ToolkitContract;
  address: string;
  status: "deployed" | "present";
}

/** Constructor arguments: the fallback handler trusts the opt-in of this chain's TreasuryGuard singleton only. */
async function constructorArgs(hre: HardhatRuntimeEnvironment, name: ToolkitContract): Promise<string> {
  if (name !== "TreasuryFallbackHandler") return "0x";
  return AbiCoder.defaultAbiCoder().encode(["address"], [(await singletonSpec(hre, "TreasuryGuard")).address]);
}

async function singletonSpec(hre: HardhatRuntimeEnvironment, name: ToolkitContract): Promise<SingletonSpec> {
  const artifact = await hre.artifacts.readArtifact(name);
  const initCode = concat([artifact.bytecode, await constructorArgs(hre, name)]);
  return { name, artifact, initCode, address: getCreate2Address(SINGLETON_FACTORY, ZeroHash, keccak256(initCode)) };
}

/** Where a toolkit singleton lives (or will live) on any chain: CREATE2 through the Safe singleton factory. */
export async function toolkitAddress(hre: HardhatRuntimeEnvironment, name: ToolkitContract): Promise<string> {
  return (await singletonSpec(hre, name)).address;
}

/**
 * Deploys the named singletons that are missing (Ignition `Toolkit` module), after making sure the singleton
 * factory exists. Idempotent: present contracts cost nothing.
 */
export async function deployToolkit(
  hre: HardhatRuntimeEnvironment,
  names: readonly ToolkitContract[] = TOOLKIT_CONTRACTS,
): Promise<ToolkitEntry[]> {
  const specs = await Promise.all(names.map((n) => singletonSpec(hre, n)));
  const missing: SingletonSpec[] = [];
  for (const s of specs) if ((await hre.ethers.provider.getCode(s.address)) === "0x") missing.push(s);
  if (missing.length > 0) {
    await ensureSingletonFactory(hre, (await hre.ethers.provider.getNetwork()).chainId);
    const codes = keccak256(Buffer.from(missing.map((m) => m.address).join("")));
    await hre.ignition.deploy(toolkitModule(missing), { deploymentId: await deploymentId(hre, "toolkit", codes) });
    for (const m of missing) {
      if ((await hre.ethers.provider.getCode(m.address)) === "0x") {
        throw new Error(`${m.name} was not deployed at ${m.address}.`);
      }
    }
  }
  const deployed = new Set(missing.map((m) => m.name));
  return specs.map((s) => ({
    name: s.name as ToolkitContract,
    address: s.address,
    status: deployed.has(s.name) ? "deployed" : "present",
  }));
}
