import { HDNodeWallet, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { ConfigError, readEnv } from "./config";

/**
 * Who signs: the owner key from the environment (PRIVATE_KEY, or MNEMONIC with ACCOUNT_INDEX), or, on a local
 * network (the in-process one or `localhost`), one of the node's unlocked accounts named by address. The key never
 * leaves memory: it is not printed, logged or written, and the description below shows the address only.
 */
export interface OwnerSigner {
  address: string;
  /**
   * What protocol-kit's `signer` takes: the private key, or an address whose signatures the network's provider makes
   * (an unlocked local account, or the Ledger account hardhat-ledger serves).
   */
  kitSigner: string;
  source: "PRIVATE_KEY" | "MNEMONIC" | "unlocked" | "ledger";
}

export interface SignerChoice {
  /** --signer: an unlocked account of a local network. */
  unlocked?: string;
  /** --ledger: the LEDGER_ACCOUNT through @nomicfoundation/hardhat-ledger. */
  ledger?: boolean;
}

const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);

export async function ownerSigner(hre: HardhatRuntimeEnvironment, choice: SignerChoice = {}): Promise<OwnerSigner> {
  return accountSigner(hre, choice, "owner");
}

/**
 * The same key sources for any account that signs or sends for itself (a delegate spending its allowance, a relayer,
 * a guardian): `role` only names the account in the error when no key is configured. Nothing here checks ownership.
 */
export async function accountSigner(
  hre: HardhatRuntimeEnvironment,
  choice: SignerChoice,
  role: string,
): Promise<OwnerSigner> {
  const env = readEnv();
  const { unlocked } = choice;
  if (choice.ledger) return ledgerSigner(hre, env.LEDGER_ACCOUNT);
  if (env.PRIVATE_KEY) {
    const wallet = new Wallet(env.PRIVATE_KEY.startsWith("0x") ? env.PRIVATE_KEY : `0x${env.PRIVATE_KEY}`);
    return { address: wallet.address, kitSigner: wallet.privateKey, source: "PRIVATE_KEY" };
  }
  if (env.MNEMONIC) {
    const index = env.ACCOUNT_INDEX ?? 0;
    const wallet = HDNodeWallet.fromPhrase(env.MNEMONIC.trim(), undefined, `m/44'/60'/0'/0/${index}`);
    return { address: wallet.address, kitSigner: wallet.privateKey, source: "MNEMONIC" };
  }
  if (unlocked && LOCAL_NETWORKS.has(hre.network.name)) {
    const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
    const match = accounts.find((a) => a.toLowerCase() === unlocked.toLowerCase());
    if (!match) {
      throw new ConfigError(
        `${unlocked} is not an unlocked account of the ${hre.network.name} network: pass one of its accounts, ` +
          "or set PRIVATE_KEY (or MNEMONIC).",
      );
    }
    return { address: hre.ethers.getAddress(match), kitSigner: hre.ethers.getAddress(match), source: "unlocked" };
  }
  throw new ConfigError(
    `No ${role} key to sign with on network ${hre.network.name}: set PRIVATE_KEY (or MNEMONIC, with ACCOUNT_INDEX ` +
      "for an account other than the first), or use --ledger" +
      (LOCAL_NETWORKS.has(hre.network.name) ? ", or --signer with an unlocked local account." : "."),
  );
}

/**
 * The Ledger account: hardhat.config.ts loads @nomicfoundation/hardhat-ledger and lists LEDGER_ACCOUNT in the
 * network's `ledgerAccounts` when the variable is set, so the provider sends every eth_signTypedData_v4 and
 * eth_sendTransaction of that address to the device, which shows the SafeTx's domain and message hashes.
 */
function ledgerSigner(hre: HardhatRuntimeEnvironment, account: string | undefined): OwnerSigner {
  if (!account) {
    throw new ConfigError(
      "--ledger needs LEDGER_ACCOUNT: set it to the address of the Ledger account that signs (the device shows it).",
    );
  }
  const listed = (hre.network.config as { ledgerAccounts?: string[] }).ledgerAccounts ?? [];
  if (!listed.some((a) => a.toLowerCase() === account.toLowerCase())) {
    throw new ConfigError(
      `LEDGER_ACCOUNT ${account} is not a Ledger account of the ${hre.network.name} network: hardhat.config.ts ` +
        "lists it for localhost and remote when LEDGER_ACCOUNT is set; use --network localhost or remote.",
    );
  }
  const address = hre.ethers.getAddress(account);
  return { address, kitSigner: address, source: "ledger" };
}

/** Refuses to run against a chain other than the one CHAIN_ID names (when it is set). */
export async function checkChain(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const expected = readEnv().CHAIN_ID;
  if (hre.network.name === "remote" && expected !== undefined && expected !== chainId) {
    throw new ConfigError(
      `RPC_URL serves chain ${chainId} but CHAIN_ID says ${expected}: point RPC_URL at the right chain or fix CHAIN_ID.`,
    );
  }
  return chainId;
}

/**
 * An ethers signer for direct contract calls (guard.execute, veto): the unlocked or Ledger account through the
 * provider, or the key in memory.
 */
export async function ethersSigner(hre: HardhatRuntimeEnvironment, owner: OwnerSigner) {
  return owner.source === "unlocked" || owner.source === "ledger"
    ? hre.ethers.getSigner(owner.address)
    : new Wallet(owner.kitSigner, hre.ethers.provider);
}

/**
 * The keys of the Hardhat network's own accounts (its configured mnemonic), for tests and benchmarks that sign many
 * hashes without a JSON-RPC round trip each. Never a real owner's key.
 */
export function localAccountKeys(hre: HardhatRuntimeEnvironment, count: number): HDNodeWallet[] {
  const accounts = hre.config.networks.hardhat.accounts as { mnemonic?: string; path?: string };
  if (!accounts.mnemonic) throw new ConfigError("The Hardhat network's accounts are not derived from a mnemonic.");
  const path = accounts.path ?? "m/44'/60'/0'/0";
  return Array.from({ length: count }, (_, i) =>
    HDNodeWallet.fromPhrase(accounts.mnemonic!, undefined, `${path}/${i}`),
  );
}
