import { JsonRpcProvider, Network } from "ethers";
import type { Provider } from "ethers";

import { ConfigError } from "../lib/config";
import { buildApp } from "./app";
import { ChainReader } from "./chain";
import type { ServiceContext } from "./context";
import { Indexer, type IndexerOptions } from "./indexer";
import { Store } from "./store";

/**
 * The embedded Safe Transaction Service: one SQLite file, the hosted service's HTTP API, an indexer following the
 * chain. `startTxService` serves the tests, the demo, the benchmark and the `tx-service` task.
 */

export interface TxServiceOptions extends IndexerOptions {
  /** The chain, as an ethers provider (e.g. the Hardhat runtime's) ... */
  provider?: Provider;
  /** ... or as a JSON-RPC URL. */
  rpcUrl?: string;
  /** Checked against the chain when given. */
  chainId?: bigint;
  /** SQLite file (":memory:" for a throwaway service). */
  db: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** 127.0.0.1 by default; any other address needs `token`. */
  host?: string;
  /** Bearer token required for writes (TX_SERVICE_TOKEN). */
  token?: string;
  logger?: boolean;
  /**
   * How long one read of the chain's head serves requests, in ms (default 250): owners, threshold and nonce are
   * read once per block, and the block number at most once per this interval. 0 reads it for every request.
   */
  headTtlMs?: number;
  /** Clock (ISO 8601), for tests. */
  now?: () => string;
}

export interface TxService {
  /** Base URL for api-kit's txServiceUrl: http://host:port/api (no trailing slash). */
  url: string;
  chainId: bigint;
  store: Store;
  indexer: Indexer;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

async function rpcChainId(rpcUrl: string): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ConfigError(
      `The JSON-RPC node at ${rpcUrl} does not answer (${(error as Error).message}): start it first.`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { result?: string };
  if (!response.ok || typeof body.result !== "string") {
    throw new ConfigError(`${rpcUrl} is not a JSON-RPC node (eth_chainId failed with HTTP ${response.status}).`);
  }
  return BigInt(body.result);
}

export async function startTxService(options: TxServiceOptions): Promise<TxService> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host) && !options.token) {
    throw new ConfigError(
      `Binding the transaction service to ${host} exposes it beyond this machine: set TX_SERVICE_TOKEN so that ` +
        "writes need a token, or bind to 127.0.0.1.",
    );
  }
  let provider: Provider;
  let ownProvider: JsonRpcProvider | undefined;
  let chainId: bigint;
  if (options.provider) {
    provider = options.provider;
    chainId = (await provider.getNetwork()).chainId;
  } else if (options.rpcUrl) {
    chainId = await rpcChainId(options.rpcUrl);
    // No batching (no added latency) and no response cache: ethers would otherwise answer a repeated call (the block
    // number, a block by number after a re-org) from a 250 ms cache.
    ownProvider = new JsonRpcProvider(options.rpcUrl, Network.from(chainId), {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    provider = ownProvider;
  } else {
    throw new ConfigError("startTxService needs the chain: give a provider or an rpcUrl.");
  }
  if (options.chainId !== undefined && options.chainId !== chainId) {
    throw new ConfigError(`The node serves chain ${chainId}, not the expected chain ${options.chainId}.`);
  }

  const store = new Store(options.db);
  const storedChain = store.meta("chain_id");
  if (storedChain !== undefined && storedChain !== chainId.toString()) {
    store.close();
    throw new ConfigError(
      `${options.db} holds chain ${storedChain}'s transactions, but the node serves chain ${chainId}: use another --db.`,
    );
  }
  store.tx(() => store.setMeta("chain_id", chainId.toString()));

  const ctx: ServiceContext = {
    store,
    chain: new ChainReader(provider, chainId, options.headTtlMs ?? 250),
    chainId,
    now: options.now ?? (() => new Date().toISOString()),
    lastIndexedBlock: () => indexer.lastBlock(),
  };
  const indexer = new Indexer(ctx, options);
  const app = buildApp(ctx, { token: options.token, logger: options.logger });
  let address: string;
  try {
    address = await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    store.close();
    ownProvider?.destroy();
    throw new ConfigError(`Cannot listen on ${host}:${options.port ?? 0}: ${(error as Error).message}`);
  }
  indexer.start();
  const port = new URL(address).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/api`,
    chainId,
    store,
    indexer,
    close() {
      closing ??= (async () => {
        await indexer.stop();
        await app.close();
        store.close();
        ownProvider?.destroy();
      })();
      return closing;
    },
  };
}
