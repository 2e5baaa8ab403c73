import {
  AbiCoder,
  Contract,
  getCreate2Address,
  Interface,
  keccak256,
  solidityPackedKeccak256,
  ZeroAddress,
} from "ethers";
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { canonicalContract, DEFAULT_SAFE_VERSION, type SafeVersion } from "./canonical";

export interface SafeSetup {
  owners: string[];
  threshold: number;
  /** CREATE2 salt nonce: the same setup and nonce give the same address on every chain. */
  saltNonce?: bigint;
  version?: SafeVersion;
  /** Use the SafeL2 singleton (emits events for indexers; the usual choice on L2s). */
  l2?: boolean;
  /** Safe.setup's delegatecall hook: later used to install guard and modules in the creation transaction. */
  to?: string;
  data?: string;
  /** Defaults to the version's canonical CompatibilityFallbackHandler. */
  fallbackHandler?: string;
}

export interface ResolvedSafeSetup {
  version: SafeVersion;
  singleton: string;
  proxyFactory: string;
  initializer: string;
  saltNonce: bigint;
  predictedAddress: string;
}

const SAFE_PROXY_ARTIFACT: Record<SafeVersion, string> = {
  "1.5.0": "@safe-global/safe-smart-account/build/artifacts/contracts/proxies/SafeProxy.sol/SafeProxy.json",
  "1.4.1": "@safe-global/safe-contracts/build/artifacts/contracts/proxies/SafeProxy.sol/SafeProxy.json",
};

function proxyCreationCode(version: SafeVersion): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(SAFE_PROXY_ARTIFACT[version]) as { bytecode: string }).bytecode;
}

export function safeInterface(version: SafeVersion = DEFAULT_SAFE_VERSION): Interface {
  return new Interface(canonicalContract(version, "safe").abi as never);
}

export function proxyFactoryInterface(version: SafeVersion = DEFAULT_SAFE_VERSION): Interface {
  return new Interface(canonicalContract(version, "safeProxyFactory").abi as never);
}

/**
 * Encodes Safe.setup and predicts the proxy address exactly as SafeProxyFactory.createProxyWithNonce computes it.
 * Pure: no chain access.
 */
export function resolveSafeSetup(setup: SafeSetup): ResolvedSafeSetup {
  const version = setup.version ?? DEFAULT_SAFE_VERSION;
  const singleton = canonicalContract(version, setup.l2 ? "safeL2" : "safe").address;
  const proxyFactory = canonicalContract(version, "safeProxyFactory").address;
  const fallbackHandler = setup.fallbackHandler ?? canonicalContract(version, "compatibilityFallbackHandler").address;
  const saltNonce = setup.saltNonce ?? 0n;
  const initializer = safeInterface(version).encodeFunctionData("setup", [
    setup.owners,
    setup.threshold,
    setup.to ?? ZeroAddress,
    setup.data ?? "0x",
    fallbackHandler,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const salt = solidityPackedKeccak256(["bytes32", "uint256"], [keccak256(initializer), saltNonce]);
  const deploymentCode =
    proxyCreationCode(version) + AbiCoder.defaultAbiCoder().encode(["uint256"], [singleton]).slice(2);
  const predictedAddress = getCreate2Address(proxyFactory, salt, keccak256(deploymentCode));
  return { version, singleton, proxyFactory, initializer, saltNonce, predictedAddress };
}

/**
 * Creates a Safe through the canonical SafeProxyFactory (idempotent: returns the existing Safe when the
 * predicted address already has code). Used by tests and scripts; deployments go through Ignition (deploy/).
 */
export async function createSafe(hre: HardhatRuntimeEnvironment, setup: SafeSetup, deployer?: Signer): Promise<string> {
  const resolved = resolveSafeSetup(setup);
  if ((await hre.ethers.provider.getCode(resolved.predictedAddress)) !== "0x") return resolved.predictedAddress;
  const sender = deployer ?? (await hre.ethers.getSigners())[0];
  const factory = new Contract(resolved.proxyFactory, proxyFactoryInterface(resolved.version), sender);
  const tx = await factory.createProxyWithNonce(resolved.singleton, resolved.initializer, resolved.saltNonce);
  await tx.wait();
  if ((await hre.ethers.provider.getCode(resolved.predictedAddress)) === "0x") {
    throw new Error(`Safe creation succeeded but no code at the predicted ${resolved.predictedAddress}`);
  }
  return resolved.predictedAddress;
}
