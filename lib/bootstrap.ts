import { getSingletonFactoryInfo } from "@safe-global/safe-singleton-factory";
import { concat, keccak256 } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "./errors";
import {
  BOOTSTRAP_SET,
  CANONICAL_SALT,
  canonicalContract,
  SAFE_VERSIONS,
  SINGLETON_FACTORY,
  type SafeContractName,
  type SafeVersion,
} from "./safe/canonical";

export type BootstrapStatus = "deployed" | "present";

export interface BootstrapEntry {
  version: SafeVersion | "factory";
  name: SafeContractName | "singletonFactory";
  address: string;
  status: BootstrapStatus;
  txHash?: string;
}

export interface BootstrapResult {
  chainId: bigint;
  entries: BootstrapEntry[];
  /** Transactions sent by this run (0 when everything was already there, as on a real fork). */
  transactions: number;
}

export class BootstrapError extends UserError {}

async function hasCode(hre: HardhatRuntimeEnvironment, address: string): Promise<boolean> {
  return (await hre.ethers.provider.getCode(address)) !== "0x";
}

/**
 * Deploys the Safe singleton factory from its presigned transaction (funding its one-time signer first),
 * exactly as it was deployed on public chains.
 */
export async function ensureSingletonFactory(
  hre: HardhatRuntimeEnvironment,
  chainId: bigint,
): Promise<{ entry: BootstrapEntry; transactions: number }> {
  const entry: BootstrapEntry = {
    version: "factory",
    name: "singletonFactory",
    address: SINGLETON_FACTORY,
    status: "present",
  };
  if (await hasCode(hre, SINGLETON_FACTORY)) return { entry, transactions: 0 };
  let transactions = 0;
  const info = getSingletonFactoryInfo(Number(chainId));
  if (!info) {
    throw new BootstrapError(
      `The Safe singleton factory is not on chain ${chainId} and has no presigned deployment for it; ` +
        "ask Safe to add the chain to safe-singleton-factory or use a chain id it supports (31337 for local chains).",
    );
  }
  const [funder] = await hre.ethers.getSigners();
  const cost = BigInt(info.gasPrice) * BigInt(info.gasLimit);
  const balance = await hre.ethers.provider.getBalance(info.signerAddress);
  if (balance < cost) {
    await (await funder.sendTransaction({ to: info.signerAddress, value: cost - balance })).wait();
    transactions += 1;
  }
  const response = await hre.ethers.provider.broadcastTransaction(info.transaction);
  const receipt = await response.wait();
  const txHash = response.hash;
  if (!receipt || receipt.status !== 1 || !(await hasCode(hre, SINGLETON_FACTORY))) {
    throw new BootstrapError(`Deploying the Safe singleton factory failed (tx ${txHash}).`);
  }
  return { entry: { ...entry, status: "deployed", txHash }, transactions: transactions + 1 };
}

/**
 * Makes the chain look like mainnet as far as Safe is concerned: the singleton factory, then every Safe
 * v1.5.0 and v1.4.1 contract the toolkit uses, CREATE2-deployed from the official npm artifacts so each sits
 * at its canonical address with its canonical code. Idempotent: existing code is left alone and costs nothing.
 */
export async function bootstrapSafeContracts(
  hre: HardhatRuntimeEnvironment,
  versions: readonly SafeVersion[] = SAFE_VERSIONS,
): Promise<BootstrapResult> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const entries: BootstrapEntry[] = [];
  const missing = [];
  for (const version of versions) {
    for (const name of BOOTSTRAP_SET[version]) {
      const contract = canonicalContract(version, name);
      if (await hasCode(hre, contract.address)) {
        entries.push({ version, name, address: contract.address, status: "present" });
      } else {
        missing.push(contract);
      }
    }
  }
  if (missing.length === 0 && (await hasCode(hre, SINGLETON_FACTORY))) {
    entries.unshift({ version: "factory", name: "singletonFactory", address: SINGLETON_FACTORY, status: "present" });
    return { chainId, entries, transactions: 0 };
  }

  const factory = await ensureSingletonFactory(hre, chainId);
  entries.unshift(factory.entry);
  let transactions = factory.transactions;
  const [deployer] = await hre.ethers.getSigners();
  for (const contract of missing) {
    const tx = await deployer.sendTransaction({
      to: SINGLETON_FACTORY,
      data: concat([CANONICAL_SALT, contract.initCode]),
    });
    const receipt = await tx.wait();
    transactions += 1;
    const code = await hre.ethers.provider.getCode(contract.address);
    if (receipt?.status !== 1 || code === "0x") {
      throw new BootstrapError(
        `CREATE2 deployment of ${contract.contractName} ${contract.version} failed (tx ${tx.hash}).`,
      );
    }
    if (keccak256(code) !== contract.codeHash) {
      throw new BootstrapError(
        `${contract.contractName} ${contract.version} at ${contract.address} has code hash ${keccak256(code)}, ` +
          `expected ${contract.codeHash}.`,
      );
    }
    entries.push({
      version: contract.version,
      name: contract.name,
      address: contract.address,
      status: "deployed",
      txHash: tx.hash,
    });
  }
  return { chainId, entries, transactions };
}
