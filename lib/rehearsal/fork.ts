import type { EthereumProvider, HardhatRuntimeEnvironment } from "hardhat/types";

import { readEnv } from "../config";
import { UserError } from "../errors";

export interface ForkSource {
  /** The JSON-RPC URL whose state the fork reads (fetched lazily, once per slot, and kept for the fork's life). */
  url: string;
  /** The block to fork at; the latest when unset. */
  blockNumber?: number;
  /**
   * The fork's chain id; the source's when unset. A drill sets another one, so nothing signed on the fork (Safe
   * transaction hashes bind the chain id) can ever be replayed on the real chain.
   */
  chainId?: number;
}

/**
 * The chain a rehearsal or drill forks: FORK_URL when set, else the selected network's RPC. Undefined, and callers
 * work on a snapshot instead, on the in-process `hardhat` network when there is nothing to fork, or when that
 * network is itself already the fork of that URL at that block (hardhat.config.ts forks FORK_URL): a snapshot of it
 * holds the same state, and whatever was done on it since.
 */
export function forkSourceOf(hre: HardhatRuntimeEnvironment, blockNumber?: number): ForkSource | undefined {
  const env = readEnv();
  const url = env.FORK_URL ?? (hre.network.config as { url?: string }).url;
  if (!url) return undefined;
  const block = blockNumber ?? env.FORK_BLOCK_NUMBER;
  if (hre.network.name === "hardhat") {
    const forking = (
      hre.config.networks.hardhat as { forking?: { url?: string; enabled?: boolean; blockNumber?: number } }
    ).forking;
    if (forking?.enabled !== false && forking?.url === url && (block === undefined || block === forking.blockNumber)) {
      return undefined;
    }
  }
  return { url, blockNumber: block };
}

/**
 * A new in-process Hardhat network forking `source`: a private copy of the chain that nothing is ever sent from.
 * Its chain id is the source's (unless `source.chainId` says otherwise), so Safe transaction hashes and EIP-712
 * domains match the real chain's.
 */
export async function openFork(hre: HardhatRuntimeEnvironment, source: ForkSource): Promise<EthereumProvider> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProvider } = require("hardhat/internal/core/providers/construction") as {
    createProvider(config: unknown, name: string): Promise<EthereumProvider>;
  };
  let chainId: number;
  try {
    const response = await fetch(source.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    chainId = Number(((await response.json()) as { result: string }).result);
  } catch (error) {
    throw new UserError(
      `Cannot reach ${source.url} to fork it (${(error as Error).message}). Set FORK_URL to a reachable JSON-RPC URL.`,
    );
  }
  const forking = {
    url: source.url,
    enabled: true,
    ...(source.blockNumber ? { blockNumber: source.blockNumber } : {}),
  };
  const hardhat = { ...hre.config.networks.hardhat, chainId: source.chainId ?? chainId, forking };
  const provider = await createProvider({ ...hre.config, networks: { ...hre.config.networks, hardhat } }, "hardhat");
  // Hardhat cannot execute calls in the fork block of a chain it has no hardfork history for (EDR #522).
  await provider.request({ method: "hardhat_mine", params: ["0x1"] });
  return provider;
}
