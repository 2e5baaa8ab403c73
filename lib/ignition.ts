import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * The Ignition deployment id of `kind` for `key` on this chain. Ignition keeps a journal per id; keying it by the
 * chain's genesis hash as well keeps a restarted dev node (new genesis, same chain id) from being mistaken for one
 * that already holds the deployment.
 */
export async function deploymentId(hre: HardhatRuntimeEnvironment, kind: string, key: string): Promise<string> {
  const genesis = (await hre.ethers.provider.getBlock(0))?.hash ?? "0x";
  return `${kind}-${key.toLowerCase().replace(/^0x/, "").slice(0, 8)}-${genesis.slice(2, 10)}`;
}
