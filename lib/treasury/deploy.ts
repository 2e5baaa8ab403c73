import type { HardhatRuntimeEnvironment } from "hardhat/types";

import TreasuryModule, { TREASURY_MODULE_ID } from "../../deploy/modules/Treasury";
import { UserError } from "../errors";
import { deploymentId } from "../ignition";
import type { SafeVersion } from "../safe/canonical";
import type { ResolvedSafeSetup } from "../safe/create";
import { deployToolkit } from "../toolkit";
import type { TreasuryParams } from "./params";
import { toolkitAddressesFor, toolkitContractsFor, treasurySetup, usesToolkitHandler } from "./setup";

export interface TreasuryDeployment {
  address: string;
  status: "deployed" | "present";
  version: SafeVersion;
  setup: ResolvedSafeSetup;
}

/**
 * Deploys the treasury Safe with the Treasury Ignition module, after checking that the chain has the canonical
 * Safe contracts. Idempotent: an existing Safe at the predicted address is returned untouched.
 */
export async function deployTreasury(
  hre: HardhatRuntimeEnvironment,
  params: TreasuryParams,
): Promise<TreasuryDeployment> {
  const setup = treasurySetup(params, await toolkitAddressesFor(hre, params));
  const base = { version: params.safeVersion, setup, address: setup.predictedAddress };
  if ((await hre.ethers.provider.getCode(setup.predictedAddress)) !== "0x") return { ...base, status: "present" };
  const safeContracts = [setup.singleton, setup.proxyFactory];
  if (params.fallbackHandler === "CompatibilityFallbackHandler") safeContracts.push(setup.fallbackHandler);
  for (const required of safeContracts) {
    if ((await hre.ethers.provider.getCode(required)) === "0x") {
      throw new UserError(
        `Safe ${params.safeVersion} contract ${required} is missing on this chain: run \`npx hardhat safe:bootstrap\` first.`,
      );
    }
  }
  if (!usesToolkitHandler(params) && (await hre.ethers.provider.getCode(setup.fallbackHandler)) === "0x") {
    throw new UserError(
      `Treasury.fallbackHandler ${setup.fallbackHandler} has no code on this chain: deploy it first, or use "TreasuryFallbackHandler".`,
    );
  }
  const toolkit = toolkitContractsFor(params);
  if (toolkit.length > 0) await deployToolkit(hre, toolkit);
  const { treasury } = await hre.ignition.deploy(TreasuryModule, {
    parameters: {
      [TREASURY_MODULE_ID]: {
        owners: params.owners,
        threshold: params.threshold,
        saltNonce: params.saltNonce.toString(),
        singleton: setup.singleton,
        proxyFactory: setup.proxyFactory,
        fallbackHandler: setup.fallbackHandler,
        setupTo: setup.setupTo,
        setupData: setup.setupData,
      },
    },
    deploymentId: await deploymentId(hre, "treasury", setup.predictedAddress),
  });
  const deployed = await treasury.getAddress();
  if (deployed !== setup.predictedAddress) {
    throw new Error(`Treasury deployed at ${deployed}, expected ${setup.predictedAddress}.`);
  }
  return { ...base, status: "deployed" };
}
