import { task } from "hardhat/config";

import { keyValues, toJson } from "../lib/format";
import { deployTreasury, readTreasuryParams, treasurySetup } from "../lib/treasury";
import { userFacing } from "./util";

interface TreasuryDeployArgs {
  parameters: string;
  json: boolean;
  dryRun: boolean;
}

task<TreasuryDeployArgs>(
  "treasury:deploy",
  "Create the treasury Safe from an Ignition parameters file (validated before anything is sent)",
)
  .addParam("parameters", 'Ignition parameters file with a "Treasury" object', "deploy/parameters/example.json")
  .addFlag("dryRun", "Validate and print the predicted address without sending anything")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const params = readTreasuryParams(args.parameters);
      if (args.dryRun) {
        const setup = treasurySetup(params);
        console.log(
          args.json
            ? toJson({ ...params, predictedAddress: setup.predictedAddress })
            : keyValues([
                ["predicted address", setup.predictedAddress],
                ["safe version", params.safeVersion],
                ["owners", params.owners.join(", ")],
                ["threshold", `${params.threshold} of ${params.owners.length}`],
              ]),
        );
        return;
      }
      const result = await deployTreasury(hre, params);
      console.log(
        args.json
          ? toJson({ address: result.address, status: result.status, version: result.version })
          : keyValues([
              ["treasury", result.address],
              ["status", result.status === "deployed" ? "created" : "already exists (nothing sent)"],
              ["safe version", result.version],
              ["owners", params.owners.join(", ")],
              ["threshold", `${params.threshold} of ${params.owners.length}`],
            ]),
      );
    }),
  );
