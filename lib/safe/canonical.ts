import { AbiCoder, concat, getCreate2Address, keccak256, ZeroHash } from "ethers";
import * as deployments from "@safe-global/safe-deployments";
import type { SingletonDeployment } from "@safe-global/safe-deployments";

/**
 * The Safe contracts this toolkit relies on, per version: where Safe's own registry
 * (@safe-global/safe-deployments) says they live on every chain, and the official npm artifact that
 * produces exactly that address through the Safe singleton factory.
 */
export const SAFE_VERSIONS = ["1.5.0", "1.4.1"] as const;
export type SafeVersion = (typeof SAFE_VERSIONS)[number];
export const DEFAULT_SAFE_VERSION: SafeVersion = "1.5.0";

export type SafeContractName =
  | "safe"
  | "safeL2"
  | "safeProxyFactory"
  | "multiSend"
  | "multiSendCallOnly"
  | "compatibilityFallbackHandler"
  | "signMessageLib"
  | "createCall"
  | "simulateTxAccessor"
  | "safeMigration";

interface ArtifactJson {
  contractName: string;
  abi: unknown[];
  bytecode: string;
}

export interface CanonicalContract {
  name: SafeContractName;
  /** Name in Safe's registry and artifacts, e.g. "SafeProxyFactory". */
  contractName: string;
  version: SafeVersion;
  address: string;
  /** keccak256 of the runtime code, as published by safe-deployments. */
  codeHash: string;
  abi: unknown[];
  /** Creation code (bytecode plus encoded constructor arguments). */
  initCode: string;
}

const PACKAGES: Record<SafeVersion, string> = {
  "1.5.0": "@safe-global/safe-smart-account",
  "1.4.1": "@safe-global/safe-contracts",
};

type Lookup = (filter: { version: string }) => SingletonDeployment | undefined;

const SOURCES: Record<SafeContractName, { lookup: Lookup; artifact: string }> = {
  safe: { lookup: deployments.getSafeSingletonDeployment, artifact: "Safe.sol/Safe.json" },
  safeL2: { lookup: deployments.getSafeL2SingletonDeployment, artifact: "SafeL2.sol/SafeL2.json" },
  safeProxyFactory: {
    lookup: deployments.getProxyFactoryDeployment,
    artifact: "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
  },
  multiSend: { lookup: deployments.getMultiSendDeployment, artifact: "libraries/MultiSend.sol/MultiSend.json" },
  multiSendCallOnly: {
    lookup: deployments.getMultiSendCallOnlyDeployment,
    artifact: "libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json",
  },
  compatibilityFallbackHandler: {
    lookup: deployments.getCompatibilityFallbackHandlerDeployment,
    artifact: "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
  },
  signMessageLib: {
    lookup: deployments.getSignMessageLibDeployment,
    artifact: "libraries/SignMessageLib.sol/SignMessageLib.json",
  },
  createCall: { lookup: deployments.getCreateCallDeployment, artifact: "libraries/CreateCall.sol/CreateCall.json" },
  simulateTxAccessor: {
    lookup: deployments.getSimulateTxAccessorDeployment,
    artifact: "accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json",
  },
  safeMigration: {
    lookup: deployments.getSafeMigrationDeployment,
    artifact: "libraries/SafeMigration.sol/SafeMigration.json",
  },
};

/** Which contracts the bootstrap deploys for each version, in deployment order. */
const BOOTSTRAP_1_5_0: readonly SafeContractName[] = [
  "safe",
  "safeL2",
  "safeProxyFactory",
  "multiSend",
  "multiSendCallOnly",
  "compatibilityFallbackHandler",
  "signMessageLib",
  "createCall",
  "simulateTxAccessor",
  "safeMigration",
];
export const BOOTSTRAP_SET: Record<SafeVersion, readonly SafeContractName[]> = {
  "1.5.0": BOOTSTRAP_1_5_0,
  // SafeMigration is new in 1.5.0; everything else exists in both.
  "1.4.1": BOOTSTRAP_1_5_0.filter((name) => name !== "safeMigration"),
};

/** The Safe singleton factory (same address on every chain that has it). */
export const SINGLETON_FACTORY = "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7";
/** Safe deploys its singletons through the factory with a zero salt. */
export const CANONICAL_SALT = ZeroHash;

export function loadArtifact(version: SafeVersion, name: SafeContractName): ArtifactJson {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`${PACKAGES[version]}/build/artifacts/contracts/${SOURCES[name].artifact}`) as ArtifactJson;
}

function registryEntry(version: SafeVersion, name: SafeContractName): { address: string; codeHash: string } {
  const entry = SOURCES[name].lookup({ version });
  const canonical = entry?.deployments?.canonical;
  if (!entry || !canonical) {
    throw new Error(`safe-deployments has no canonical ${name} for Safe ${version}`);
  }
  return { address: canonical.address, codeHash: canonical.codeHash };
}

function constructorArgs(version: SafeVersion, name: SafeContractName): string {
  if (name !== "safeMigration") return "0x";
  // SafeMigration is deployed pointing at the same version's singletons and fallback handler.
  return AbiCoder.defaultAbiCoder().encode(
    ["address", "address", "address"],
    [
      registryEntry(version, "safe").address,
      registryEntry(version, "safeL2").address,
      registryEntry(version, "compatibilityFallbackHandler").address,
    ],
  );
}

const cache = new Map<string, CanonicalContract>();

export function canonicalContract(version: SafeVersion, name: SafeContractName): CanonicalContract {
  const key = `${version}/${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const artifact = loadArtifact(version, name);
  const { address, codeHash } = registryEntry(version, name);
  const initCode = concat([artifact.bytecode, constructorArgs(version, name)]);
  const derived = getCreate2Address(SINGLETON_FACTORY, CANONICAL_SALT, keccak256(initCode));
  if (derived !== address) {
    throw new Error(
      `The npm artifact of ${artifact.contractName} ${version} would deploy to ${derived}, ` +
        `not the canonical ${address}: the installed package is not the official build.`,
    );
  }
  const contract: CanonicalContract = {
    name,
    contractName: artifact.contractName,
    version,
    address,
    codeHash,
    abi: artifact.abi,
    initCode,
  };
  cache.set(key, contract);
  return contract;
}

export type CanonicalAddresses = Partial<Record<SafeContractName, string>> &
  Record<Exclude<SafeContractName, "safeMigration">, string>;

/** Canonical addresses of every contract the bootstrap provides for a version. */
export function canonicalAddresses(version: SafeVersion = DEFAULT_SAFE_VERSION): CanonicalAddresses {
  return Object.fromEntries(
    BOOTSTRAP_SET[version].map((name) => [name, canonicalContract(version, name).address]),
  ) as CanonicalAddresses;
}

export function isSafeVersion(value: string): value is SafeVersion {
  return (SAFE_VERSIONS as readonly string[]).includes(value);
}
