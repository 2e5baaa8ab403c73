import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Artifact } from "hardhat/types";
import { concat, ZeroHash } from "ethers";

/** The Safe singleton factory (same address on every chain; see lib/safe/canonical.ts). */
const SINGLETON_FACTORY = "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7";

export interface SingletonSpec {
  name: string;
  artifact: Artifact;
  /** Creation code: the artifact's bytecode followed by its ABI-encoded constructor arguments, if any. */
  initCode: string;
  /** CREATE2 address through the singleton factory with a zero salt: the same on every chain. */
  address: string;
}

/**
 * Toolkit: deploys the toolkit's singletons (TreasuryGuard, TreasuryFallbackHandler and the modules serve every Safe
 * on a chain) through
 * the Safe singleton factory, exactly as Safe deploys its own contracts, so each has one address on every chain.
 * Built by lib/toolkit.ts with only the contracts missing on the chain (a second CREATE2 of the same code would
 * revert).
 */
export function toolkitModule(specs: SingletonSpec[]) {
  return buildModule("Toolkit", (m) => {
    const contracts: Record<string, ReturnType<typeof m.contractAt>> = {};
    for (const spec of specs) {
      const deployment = m.send(`Deploy${spec.name}`, SINGLETON_FACTORY, 0n, concat([ZeroHash, spec.initCode]));
      contracts[spec.name] = m.contractAt(spec.name, spec.artifact, spec.address, {
        id: spec.name,
        after: [deployment],
      });
    }
    return contracts;
  });
}
