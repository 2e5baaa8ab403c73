import SafeApiKit from "@safe-global/api-kit";
import Safe from "@safe-global/protocol-kit";
import type { ContractNetworksConfig, PredictedSafeProps } from "@safe-global/protocol-kit";
import { getSafeSingletonDeployment } from "@safe-global/safe-deployments";
import { Contract } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { ConfigError, readEnv } from "../config";
import { canonicalAddresses, DEFAULT_SAFE_VERSION, isSafeVersion, type SafeVersion } from "./canonical";
import { safeReadInterface } from "../abi";

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
  const safe = new Contract(safeAddress, safeReadInterface, hre.ethers.provider);
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

/** Where `npx hardhat tx-service` listens by default. */
export const EMBEDDED_SERVICE_URL = "http://127.0.0.1:8000/api";

/** True when `url` answers /v1/about like a Safe Transaction Service (within two seconds). */
export async function serviceAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/about`, { signal: AbortSignal.timeout(2000) });
    const about = (await response.json()) as { name?: string };
    return response.ok && about.name === "Safe Transaction Service";
  } catch {
    return false;
  }
}

function isLocalChain(hre: HardhatRuntimeEnvironment, chainId: bigint): boolean {
  return hre.network.name === "hardhat" || hre.network.name === "localhost" || chainId === 31337n;
}

/**
 * api-kit for the chain the runtime is on. TX_SERVICE_URL selects a service (ours or self-hosted). Without it, local
 * chains and forks use the embedded service at its default URL if it answers, and other chains Safe's hosted
 * service, which needs SAFE_API_KEY and a chain it serves.
 */
export async function apiKit(hre: HardhatRuntimeEnvironment): Promise<SafeApiKit> {
  const env = readEnv();
  const chainId = await chainIdOf(hre);
  if (env.TX_SERVICE_URL) {
    // api-kit appends /v1/...: a trailing slash would give /api//v1.
    return new SafeApiKit({ chainId, txServiceUrl: env.TX_SERVICE_URL.replace(/\/+$/, ""), apiKey: env.SAFE_API_KEY });
  }
  if (isLocalChain(hre, chainId)) {
    if (await serviceAnswers(EMBEDDED_SERVICE_URL)) {
      return new SafeApiKit({ chainId, txServiceUrl: EMBEDDED_SERVICE_URL, apiKey: env.SAFE_API_KEY });
    }
    throw new ConfigError(
      `No Safe Transaction Service for local chain ${chainId}: start the embedded one ` +
        "(`npx hardhat tx-service --network localhost`), or set TX_SERVICE_URL.",
    );
  }
  if (!env.SAFE_API_KEY) {
    throw new ConfigError(
      `No Safe Transaction Service configured for chain ${chainId}: set TX_SERVICE_URL (a self-hosted or ` +
        "embedded service) or SAFE_API_KEY (Safe's hosted service).",
    );
  }
  try {
    return new SafeApiKit({ chainId, apiKey: env.SAFE_API_KEY });
  } catch {
    throw new ConfigError(
      `Safe's hosted service does not serve chain ${chainId}: run the embedded one (npx hardhat tx-service) and set ` +
        "TX_SERVICE_URL to the URL it prints.",
    );
  }
}
