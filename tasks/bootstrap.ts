import { task } from "hardhat/config";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { table, toJson } from "../lib/format";
import { userFacing } from "./util";

interface BootstrapArgs {
  json: boolean;
}

task<BootstrapArgs>(
  "safe:bootstrap",
  "Deploy the Safe singleton factory and Safe 1.5.0/1.4.1 at their canonical addresses (idempotent)",
)
  .addFlag("json", "Print JSON instead of a table")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const result = await bootstrapSafeContracts(hre);
      if (args.json) {
        console.log(toJson(result));
        return;
      }
      console.log(
        table(
          result.entries.map((e) => ({ version: e.version, contract: e.name, address: e.address, status: e.status })),
        ),
      );
      console.log(`\nchain ${result.chainId}: ${result.transactions} transaction(s) sent`);
    }),
  );
