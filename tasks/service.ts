import { task, types } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";

import { readEnv } from "../lib/config";
import { startTxService } from "../service";
import { userFacing } from "./util";

interface TxServiceArgs {
  port: number;
  host: string;
  db: string;
  pollMs: number;
}

task<TxServiceArgs>(
  "tx-service",
  "Run the embedded Safe Transaction Service for the selected --network (api-kit's txServiceUrl is the printed URL)",
)
  .addOptionalParam("port", "TCP port", 8000, types.int)
  .addOptionalParam("host", "Address to bind (anything but loopback needs TX_SERVICE_TOKEN)", "127.0.0.1")
  .addOptionalParam("db", "SQLite file", "data/tx-service.sqlite")
  .addOptionalParam("pollMs", "Indexer polling interval in ms", 1000, types.int)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const env = readEnv();
      if (hre.network.name === "hardhat") {
        console.warn(
          "Warning: --network hardhat is a chain inside this process, which other processes cannot reach, and it " +
            "ends with it. Start `npx hardhat node` and use --network localhost (or a fork) to coordinate real owners.",
        );
      }
      const url = (hre.network.config as HttpNetworkConfig).url;
      const service = await startTxService({
        ...(url ? { rpcUrl: url } : { provider: hre.ethers.provider }),
        db: args.db,
        port: args.port,
        host: args.host,
        token: env.TX_SERVICE_TOKEN,
        pollIntervalMs: args.pollMs,
        onError: (error) => console.error(`indexer: ${(error as Error).message}`),
      });
      console.log(`Safe Transaction Service (embedded) on ${service.url}`);
      console.log(`chain ${service.chainId}, database ${args.db}`);
      console.log(`Use it: TX_SERVICE_URL=${service.url}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          console.log("Stopping: finishing requests and closing the database...");
          void service.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    }),
  );
