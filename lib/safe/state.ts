import { Contract, dataSlice, getAddress, ZeroAddress } from "ethers";
import type { BlockTag, Provider } from "ethers";

import { UserError } from "../errors";
import { safeReadInterface } from "../abi";

/**
 * A Safe's configuration read from the chain at one block: what the service validates proposals against and what
 * the tasks show. Storage slots are Safe's own constants (GuardManager, FallbackManager, ModuleManager 1.5.0).
 */

export const SAFE_SLOTS = {
  singleton: "0x0",
  guard: "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8",
  fallbackHandler: "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5",
  moduleGuard: "0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947",
} as const;

export const SENTINEL = "0x0000000000000000000000000000000000000001";

export interface SafeState {
  address: string;
  version: string;
  nonce: bigint;
  threshold: number;
  owners: string[];
  modules: string[];
  singleton: string;
  guard: string;
  fallbackHandler: string;
  /** ZeroAddress on 1.4.1, which has no module guard. */
  moduleGuard: string;
}

export class NotASafeError extends UserError {}

/** The address held in the low 20 bytes of a storage slot (Safe's config slots, ERC-1967 proxy slots). */
export async function slotAddress(
  provider: Provider,
  address: string,
  slot: string,
  blockTag: BlockTag = "latest",
): Promise<string> {
  const value = await provider.getStorage(address, slot, blockTag);
  return getAddress(dataSlice(value, 12));
}

/** Reads a Safe's configuration at `blockTag` (latest by default); NotASafeError if `address` is no Safe. */
export async function readSafeState(
  provider: Provider,
  address: string,
  blockTag: BlockTag = "latest",
): Promise<SafeState> {
  const safe = new Contract(address, safeReadInterface, provider);
  const code = await provider.getCode(address, blockTag);
  if (code === "0x") throw new NotASafeError(`No contract at ${address}: check the Safe address and the chain.`);
  let version: string;
  try {
    version = await safe.VERSION({ blockTag });
  } catch {
    throw new NotASafeError(`${address} is a contract but not a Safe (it has no VERSION()).`);
  }
  const overrides = { blockTag };
  const [nonce, threshold, owners, modulePage, singleton, guard, fallbackHandler, moduleGuard] = await Promise.all([
    safe.nonce(overrides) as Promise<bigint>,
    safe.getThreshold(overrides) as Promise<bigint>,
    safe.getOwners(overrides) as Promise<string[]>,
    safe.getModulesPaginated(SENTINEL, 100, overrides) as Promise<[string[], string]>,
    slotAddress(provider, address, SAFE_SLOTS.singleton, blockTag),
    slotAddress(provider, address, SAFE_SLOTS.guard, blockTag),
    slotAddress(provider, address, SAFE_SLOTS.fallbackHandler, blockTag),
    version.startsWith("1.5") ? slotAddress(provider, address, SAFE_SLOTS.moduleGuard, blockTag) : ZeroAddress,
  ]);
  return {
    address: getAddress(address),
    version,
    nonce,
    threshold: Number(threshold),
    owners: owners.map((o) => getAddress(o)),
    modules: [...modulePage[0]].map((m) => getAddress(m)),
    singleton,
    guard,
    fallbackHandler,
    moduleGuard,
  };
}
