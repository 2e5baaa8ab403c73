import { BrowserProvider, toBeHex } from "ethers";
import type { JsonRpcSigner, TransactionReceipt } from "ethers";
import type { EthereumProvider, HardhatRuntimeEnvironment } from "hardhat/types";

import { forkSourceOf, openFork } from "./fork";

/**
 * The private chain a rehearsal or drill runs on: an in-process fork of FORK_URL (or of the selected network's RPC)
 * whose remote state is fetched once per slot and kept for the whole run, or, on the in-process `hardhat` network
 * with nothing to fork, a snapshot of it that `close()` reverts. Nothing is ever sent to a real chain.
 *
 * Everything the rehearsal sends is free (base fee and gas price 0) and comes from impersonated accounts, so no
 * balance moves except by what the transactions themselves do: the balance changes it reports are theirs alone.
 */
export interface RehearsalChain {
  mode: "fork" | "snapshot";
  raw: EthereumProvider;
  /** An ethers provider over `raw` without a response cache (balances are read twice in one block). */
  provider: BrowserProvider;
  chainId: bigint;
  /** Sends a call from any address (an owner, a guardian, anyone) at no cost; throws the node's error on revert. */
  send(from: string, call: { to: string; data: string; value?: bigint }): Promise<TransactionReceipt>;
  /** An ethers signer for any address (for the library functions that take one); its transactions pay gas. */
  impersonate(address: string): Promise<JsonRpcSigner>;
  /** Moves the clock `seconds` forward and mines a block. */
  wait(seconds: number): Promise<void>;
  /** The latest block's timestamp. */
  now(): Promise<number>;
  /** Reverts the snapshot; a fork is simply dropped. */
  close(): Promise<void>;
}

export interface ChainOptions {
  /** Fork at this block (default: FORK_BLOCK_NUMBER, else the latest). */
  blockNumber?: number;
  /** Give the fork another chain id (drills), so nothing signed on it is valid on the real chain. */
  chainId?: number;
}

const GAS_LIMIT = 15_000_000n;

export async function openRehearsalChain(
  hre: HardhatRuntimeEnvironment,
  options: ChainOptions = {},
): Promise<RehearsalChain> {
  const source = forkSourceOf(hre, options.blockNumber);
  const raw = source ? await openFork(hre, { ...source, chainId: options.chainId }) : hre.network.provider;
  const snapshot = source ? undefined : ((await raw.request({ method: "evm_snapshot" })) as string);
  const provider = new BrowserProvider(raw, undefined, { cacheTimeout: -1 });
  const chainId = (await provider.getNetwork()).chainId;
  const impersonated = new Set<string>();
  const impersonate = async (address: string) => {
    if (!impersonated.has(address.toLowerCase())) {
      await raw.request({ method: "hardhat_impersonateAccount", params: [address] });
      impersonated.add(address.toLowerCase());
    }
  };
  return {
    mode: source ? "fork" : "snapshot",
    raw,
    provider,
    chainId,
    async send(from, call) {
      await impersonate(from);
      await raw.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: ["0x0"] });
      const hash = (await raw.request({
        method: "eth_sendTransaction",
        params: [
          {
            from,
            to: call.to,
            data: call.data,
            value: toBeHex(call.value ?? 0n),
            gas: toBeHex(GAS_LIMIT),
            gasPrice: "0x0",
          },
        ],
      })) as string;
      return (await provider.getTransactionReceipt(hash))!;
    },
    async impersonate(address) {
      await impersonate(address);
      const balance = await provider.getBalance(address);
      if (balance < 10n ** 18n) {
        await raw.request({ method: "hardhat_setBalance", params: [address, toBeHex(balance + 10n ** 18n)] });
      }
      return provider.getSigner(address);
    },
    async wait(seconds) {
      await raw.request({ method: "evm_increaseTime", params: [seconds] });
      await raw.request({ method: "hardhat_mine", params: ["0x1"] });
    },
    async now() {
      return (await provider.getBlock("latest"))!.timestamp;
    },
    async close() {
      if (snapshot) await raw.request({ method: "evm_revert", params: [snapshot] });
    },
  };
}
