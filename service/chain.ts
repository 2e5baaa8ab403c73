import {
  getMultiSendCallOnlyDeployment,
  getSafeMigrationDeployment,
  getSignMessageLibDeployment,
} from "@safe-global/safe-deployments";
import type { SingletonDeployment } from "@safe-global/safe-deployments";
import { getAddress, keccak256 } from "ethers";
import type { Provider } from "ethers";

import { readSafeState, type SafeState } from "../lib/safe/state";

/**
 * Chain reads for the service, cached per block: a Safe's owners, threshold, nonce and version are read once per
 * block however many requests ask. Concurrent requests for the same Safe and block share one read.
 */
export class ChainReader {
  private readonly states = new Map<string, Promise<SafeState>>();
  private readonly codeHashes = new Map<string, Promise<string>>();
  private cachedBlock = -1;

  /**
   * `headTtlMs`: how long one read of the head block number serves later requests (0: every request reads it, as
   * tests want; the service's default is 250 ms). Requests arriving while a read is in flight always share it.
   */
  constructor(
    readonly provider: Provider,
    readonly chainId: bigint,
    private readonly headTtlMs = 0,
  ) {}

  /**
   * The latest block number, read at most once per `headTtlMs`. With a TTL, an expired value keeps serving while
   * the next read is in flight (so no request waits on the node), which bounds its age by the TTL plus one read.
   * With 0, every request waits for a read of its own or shares one in flight.
   */
  async blockNumber(): Promise<number> {
    const now = Date.now();
    const fresh = this.headTtlMs > 0 && this.head !== undefined && this.head.at + this.headTtlMs >= now;
    if (fresh) return this.head!.value;
    if (!this.refresh) {
      this.refresh = this.provider
        .getBlockNumber()
        .then((value) => {
          this.head = { value, at: Date.now() };
          return value;
        })
        .finally(() => {
          this.refresh = undefined;
        });
    }
    if (this.head !== undefined && this.headTtlMs > 0) {
      this.refresh.catch(() => undefined);
      return this.head.value;
    }
    return this.refresh;
  }
  private head: { value: number; at: number } | undefined;
  private refresh: Promise<number> | undefined;

  /** The Safe's state at the latest block (NotASafeError from lib/safe/state when it is not a Safe). */
  async safeState(address: string): Promise<SafeState> {
    const block = await this.blockNumber();
    if (block !== this.cachedBlock) {
      this.states.clear();
      this.cachedBlock = block;
    }
    const key = address.toLowerCase();
    let state = this.states.get(key);
    if (!state) {
      state = readSafeState(this.provider, address, block);
      this.states.set(key, state);
      state.catch(() => this.states.delete(key));
    }
    return state;
  }

  /** keccak256 of the runtime code at `address` (code at a canonical address cannot change, so cached for good). */
  async codeHash(address: string): Promise<string> {
    const key = address.toLowerCase();
    let hash = this.codeHashes.get(key);
    if (!hash) {
      hash = this.provider.getCode(address).then((code) => keccak256(code));
      this.codeHashes.set(key, hash);
      hash.catch(() => this.codeHashes.delete(key));
    }
    return hash;
  }
}

interface TrustedLibrary {
  name: string;
  address: string;
  codeHash: string;
}

function deploymentsOf(
  name: string,
  lookup: (f: { version: string }) => SingletonDeployment | undefined,
  versions: string[],
) {
  const out: TrustedLibrary[] = [];
  for (const version of versions) {
    const entry = lookup({ version });
    for (const [kind, d] of Object.entries(entry?.deployments ?? {})) {
      if (d && kind !== "zksync")
        out.push({ name: `${name} ${version}`, address: getAddress(d.address), codeHash: d.codeHash });
    }
  }
  return out;
}

/**
 * The only DELEGATECALL targets the service accepts: MultiSendCallOnly 1.3.0/1.4.1/1.5.0, SignMessageLib of the same
 * versions and SafeMigration 1.5.0, each at an address Safe's registry lists and with the code it lists. Never
 * "trusted by name": SafeMigration 1.4.1 would downgrade a 1.5.0 Safe and lose its module guard, and plain MultiSend
 * allows nested DELEGATECALLs.
 */
export const TRUSTED_DELEGATECALL_TARGETS: readonly TrustedLibrary[] = [
  ...deploymentsOf("MultiSendCallOnly", getMultiSendCallOnlyDeployment, ["1.3.0", "1.4.1", "1.5.0"]),
  ...deploymentsOf("SignMessageLib", getSignMessageLibDeployment, ["1.3.0", "1.4.1", "1.5.0"]),
  ...deploymentsOf("SafeMigration", getSafeMigrationDeployment, ["1.5.0"]),
];

/** The trusted library at `to` if its code is the registry's, else undefined. */
export async function trustedDelegateCallTarget(chain: ChainReader, to: string): Promise<TrustedLibrary | undefined> {
  const candidates = TRUSTED_DELEGATECALL_TARGETS.filter((t) => t.address === getAddress(to));
  if (candidates.length === 0) return undefined;
  const hash = await chain.codeHash(to);
  return candidates.find((t) => t.codeHash.toLowerCase() === hash.toLowerCase());
}
