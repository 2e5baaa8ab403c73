import SafeApiKit from "@safe-global/api-kit";
import Safe from "@safe-global/protocol-kit";
import type { ContractNetworksConfig, PredictedSafeProps } from "@safe-global/protocol-kit";
import { getSafeSingletonDeployment } from "@safe-global/safe-deployments";
import { Contract } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { ConfigError, readEnv } from "../config";
import { canonicalAddresses, DEFAULT_SAFE_VERSION, isSafeVersion, type SafeVersion } from "./canonical";

/**
 * The one place that builds protocol-kit and api-kit instances. Tasks, scripts and tests call these; nothing
 * else calls Safe.init or new SafeApiKit.
 */

export async function chainIdOf(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  return (await hre.ethers.provider.getNetwork()).chainId;
}

/**
 * protocol-kit's contractNetworks for chains Safe's registry does not list (31337, or any fork running under
 * Hardhat's own chain id): the canonical addresses, which the bootstrap guarantees. Undefined where the registry
 * knows the chain, so protocol-kit uses its own data.
 */
export function contractNetworksFor(chainId: bigint, version: SafeVersion): ContractNetworksConfig | undefined {
  if (getSafeSingletonDeployment({ version, network: chainId.toString() })) return undefined;
  const a = canonicalAddresses(version);
  return {
    [chainId.toString()]: {
      safeSingletonAddress: a.safe,
      safeProxyFactoryAddress: a.safeProxyFactory,
      multiSendAddress: a.multiSend,
      multiSendCallOnlyAddress: a.multiSendCallOnly,
      fallbackHandlerAddress: a.compatibilityFallbackHandler,
      signMessageLibAddress: a.signMessageLib,
      createCallAddress: a.createCall,
      simulateTxAccessorAddress: a.simulateTxAccessor,
    },
  };
}

/** Reads an existing Safe's version (so its own version's helper contracts are used). */
export async function safeVersionOf(hre: HardhatRuntimeEnvironment, safeAddress: string): Promise<SafeVersion> {
  if ((await hre.ethers.provider.getCode(safeAddress)) === "0x") {
    throw new ConfigError(`No contract at ${safeAddress} on this chain: check the Safe address and the --network.`);
  }
  const safe = new Contract(safeAddress, ["function VERSION() view returns (string)"], hre.ethers.provider);
  const version: string = await safe.VERSION();
  if (!isSafeVersion(version)) {
    throw new ConfigError(`Safe ${safeAddress} is version ${version}; this toolkit supports 1.5.0 and 1.4.1.`);
  }
  return version;
}

export interface KitOptions {
  /** Owner address (unlocked on the Hardhat network or a node) or private key that signs. */
  signer?: string;
}

/** protocol-kit for an existing Safe, over the runtime's EIP-1193 provider. */
export async function protocolKit(
  hre: HardhatRuntimeEnvironment,
  safeAddress: string,
  options: KitOptions = {},
): Promise<Safe> {
  const [chainId, version] = await Promise.all([chainIdOf(hre), safeVersionOf(hre, safeAddress)]);
  return Safe.init({
    provider: hre.network.provider,
    signer: options.signer,
    safeAddress,
    contractNetworks: contractNetworksFor(chainId, version),
  });
}

/** protocol-kit for a Safe that is not deployed yet (counterfactual). */
export async function predictedProtocolKit(
  hre: HardhatRuntimeEnvironment,
  predictedSafe: PredictedSafeProps,
  options: KitOptions = {},
): Promise<Safe> {
  const chainId = await chainIdOf(hre);
  const version = (predictedSafe.safeDeploymentConfig?.safeVersion ?? DEFAULT_SAFE_VERSION) as SafeVersion;
  return Safe.init({
    provider: hre.network.provider,
    signer: options.signer,
    predictedSafe,
    contractNetworks: contractNetworksFor(chainId, version),
  });
}

/**
 * api-kit for the chain the runtime is on. TX_SERVICE_URL selects a service (ours or self-hosted); without it,
 * Safe's hosted service is used, which needs SAFE_API_KEY and a chain it serves.
 */
export async function apiKit(hre: HardhatRuntimeEnvironment): Promise<SafeApiKit> {
  const env = readEnv();
  const chainId = await chainIdOf(hre);
  if (!env.TX_SERVICE_URL && !env.SAFE_API_KEY) {
    throw new ConfigError(
      `No Safe Transaction Service configured for chain ${chainId}: set TX_SERVICE_URL (a self-hosted or ` +
        "embedded service) or SAFE_API_KEY (Safe's hosted service).",
    );
  }
  return new SafeApiKit({ chainId, txServiceUrl: env.TX_SERVICE_URL, apiKey: env.SAFE_API_KEY });
}
