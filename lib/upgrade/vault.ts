import { getAddress, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { implementationOf, proxyKindOf, upgradesOf, type ProxyKind } from "./proxy";

export interface VaultDeployment {
  proxy: string;
  implementation: string;
  kind: ProxyKind;
  owner: string;
  token: string;
  /** False when an existing vault of that owner was found and kept. */
  deployed: boolean;
}

/**
 * The example TreasuryVault behind a proxy owned by `owner` (the treasury Safe; for a transparent proxy it also owns
 * the ProxyAdmin), deployed with the plugin's deployProxy so the plugin's manifest registers it. With `existing`
 * (a vault deployed before), that one is kept when it is a vault of the same owner: running twice deploys once.
 */
export async function deployVault(
  hre: HardhatRuntimeEnvironment,
  options: { owner: string; token: string; kind?: ProxyKind; existing?: string },
): Promise<VaultDeployment> {
  const upgrades = upgradesOf(hre);
  const owner = getAddress(options.owner);
  const token = getAddress(options.token);
  if (options.existing && (await hre.ethers.provider.getCode(options.existing)) !== "0x") {
    const vault = await hre.ethers.getContractAt("TreasuryVault", options.existing);
    const [current, kind] = [getAddress(await vault.owner()), await proxyKindOf(hre.ethers.provider, options.existing)];
    if (current !== owner) {
      throw new UserError(
        `The vault ${options.existing} is owned by ${current}, not ${owner}: give another VAULT_PROXY.`,
      );
    }
    const implementation = await implementationOf(hre.ethers.provider, options.existing);
    return {
      proxy: getAddress(options.existing),
      implementation,
      kind,
      owner,
      token: await vault.token(),
      deployed: false,
    };
  }
  if (token === ZeroAddress) throw new UserError("The vault needs a budget token: set VAULT_TOKEN.");
  const kind = options.kind ?? "uups";
  const factory = await hre.ethers.getContractFactory("TreasuryVault");
  const vault = await upgrades.deployProxy(factory, [owner, token], {
    kind,
    ...(kind === "transparent" ? { initialOwner: owner } : {}),
  });
  await vault.waitForDeployment();
  const proxy = await vault.getAddress();
  return {
    proxy,
    implementation: await implementationOf(hre.ethers.provider, proxy),
    kind,
    owner,
    token,
    deployed: true,
  };
}
