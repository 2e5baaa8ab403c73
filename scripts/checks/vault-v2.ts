import type { Provider } from "ethers";
import { Contract } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * The --check of the TreasuryVault -> TreasuryVaultV2 upgrade (upgrade:proxy --check, safe:rehearse): the proxy
 * answers as V2, keeps its owner and token, and has no release cap yet. Throws on the first thing that is wrong.
 */
export default async function check(proxy: string, hre: HardhatRuntimeEnvironment, provider: Provider) {
  const vault = new Contract(proxy, (await hre.artifacts.readArtifact("TreasuryVaultV2")).abi, provider);
  const version = (await vault.version()) as string;
  if (version !== "2") throw new Error(`version() is "${version}", not "2"`);
  if ((await vault.owner()) === "0x0000000000000000000000000000000000000000") throw new Error("the owner was lost");
  if ((await vault.token()) === "0x0000000000000000000000000000000000000000") throw new Error("the token was lost");
  if ((await vault.releaseCap()) !== 0n) throw new Error("releaseCap() is not 0 after the upgrade");
}
