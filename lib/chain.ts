import type { HardhatRuntimeEnvironment } from "hardhat/types";

export interface ForkInfo {
  chainId: number;
  forkBlockNumber: number;
}

/** The fork the Hardhat network runs on, or null for a fresh in-process chain (or any other network). */
export async function forkInfo(hre: HardhatRuntimeEnvironment): Promise<ForkInfo | null> {
  if (hre.network.name !== "hardhat") return null;
  const metadata = (await hre.network.provider.send("hardhat_metadata")) as { forkedNetwork?: ForkInfo | null };
  return metadata.forkedNetwork ?? null;
}
