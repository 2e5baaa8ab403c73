/**
 * Standalone entry (no Hardhat runtime): `node -r ts-node/register/transpile-only service/main.ts --rpc-url URL
 * --db FILE [--port N] [--host H] [--poll-ms N]`. The `tx-service` Hardhat task is the usual way to start the
 * service; this entry starts in a second instead of Hardhat's several, which the crash test's restarts need.
 */
import { parseArgs } from "node:util";

import { UserError } from "../lib/errors";
import { startTxService } from "./index";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "rpc-url": { type: "string" },
      db: { type: "string", default: "data/tx-service.sqlite" },
      port: { type: "string", default: "8000" },
      host: { type: "string", default: "127.0.0.1" },
      "poll-ms": { type: "string", default: "1000" },
    },
  });
  if (!values["rpc-url"]) throw new UserError("--rpc-url is required: the JSON-RPC URL of the chain to serve.");
  const service = await startTxService({
    rpcUrl: values["rpc-url"],
    db: values.db!,
    port: Number(values.port),
    host: values.host,
    token: process.env.TX_SERVICE_TOKEN || undefined,
    pollIntervalMs: Number(values["poll-ms"]),
    onError: (error) => console.error(`indexer: ${(error as Error).message}`),
  });
  console.log(`tx-service listening on ${service.url} (chain ${service.chainId}, db ${values.db})`);
  const stop = () => {
    void service.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error instanceof UserError ? error.message : error);
  process.exit(1);
});
