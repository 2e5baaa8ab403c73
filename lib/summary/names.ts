import { Contract, getAddress, Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { canonicalAddresses, SAFE_VERSIONS, type SafeContractName } from "../safe/canonical";
import { TOOLKIT_CONTRACTS, toolkitAddress } from "../toolkit";
import { erc20Interface } from "../abi";

/** What the summary knows about an address. */
export interface KnownAddress {
  address: string;
  name: string;
  kind: "safe" | "owner" | "safe-contract" | "toolkit" | "token" | "recipient";
}

export interface TokenInfo {
  symbol: string;
  decimals: number;
}

const CONTRACT_NAMES: Record<SafeContractName, string> = {
  safe: "Safe singleton",
  safeL2: "SafeL2 singleton",
  safeProxyFactory: "SafeProxyFactory",
  multiSend: "MultiSend",
  multiSendCallOnly: "MultiSendCallOnly",
  compatibilityFallbackHandler: "CompatibilityFallbackHandler",
  signMessageLib: "SignMessageLib",
  createCall: "CreateCall",
  simulateTxAccessor: "SimulateTxAccessor",
  safeMigration: "SafeMigration",
};

/**
 * The address book of one summary: the Safe, its owners, every canonical Safe contract (both versions), the
 * toolkit's singletons (with their compiled ABIs for decoding), whitelisted recipients, and tokens looked up on
 * chain by symbol and decimals (cached).
 */
export class AddressBook {
  private readonly known = new Map<string, KnownAddress>();
  private readonly tokens = new Map<string, TokenInfo | null>();
  readonly interfaces = new Map<string, Interface>();

  private constructor(private readonly hre: HardhatRuntimeEnvironment) {}

  static async create(hre: HardhatRuntimeEnvironment, safe: string, owners: string[]): Promise<AddressBook> {
    const book = new AddressBook(hre);
    book.add(safe, "this Safe", "safe");
    for (const owner of owners) book.add(owner, "owner", "owner");
    for (const version of SAFE_VERSIONS) {
      for (const [name, address] of Object.entries(canonicalAddresses(version))) {
        if (address) book.add(address, `${CONTRACT_NAMES[name as SafeContractName]} ${version}`, "safe-contract");
      }
    }
    for (const name of TOOLKIT_CONTRACTS) {
      const address = await toolkitAddress(hre, name);
      book.add(address, name, "toolkit");
      book.interfaces.set(address.toLowerCase(), new Interface((await hre.artifacts.readArtifact(name)).abi));
    }
    return book;
  }

  add(address: string, name: string, kind: KnownAddress["kind"]): void {
    const key = address.toLowerCase();
    if (!this.known.has(key)) this.known.set(key, { address: getAddress(address), name, kind });
  }

  get(address: string): KnownAddress | undefined {
    return this.known.get(address.toLowerCase());
  }

  all(): KnownAddress[] {
    return [...this.known.values()];
  }

  /** The token's symbol and decimals, or null if it does not answer them like an ERC20. */
  async token(address: string): Promise<TokenInfo | null> {
    const key = address.toLowerCase();
    if (this.tokens.has(key)) return this.tokens.get(key)!;
    let info: TokenInfo | null = null;
    try {
      const token = new Contract(address, erc20Interface, this.hre.ethers.provider);
      const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
      info = { symbol: String(symbol), decimals: Number(decimals) };
      this.add(address, `${info.symbol} token`, "token");
    } catch {
      info = null;
    }
    this.tokens.set(key, info);
    return info;
  }

  /** "0xA83c…1836 (MultiSendCallOnly 1.5.0)", or the short address alone. */
  label(address: string): string {
    const known = this.get(address);
    const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
    return known ? `${short} (${known.name})` : short;
  }
}
