import path from "node:path";
import { scope, task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

import { keyValues, toJson } from "../lib/format";
import { deployTreasury, readTreasuryParams, toolkitAddressesFor, treasurySetup } from "../lib/treasury";
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
        const setup = treasurySetup(params, await toolkitAddressesFor(hre, params));
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

task<TreasuryDeployArgs>(
  "safe:create",
  "Create a treasury Safe (guard and modules as the file says) from a parameters file through Ignition: treasury:deploy",
)
  .addParam("parameters", 'Ignition parameters file with a "Treasury" object', "deploy/parameters/example.json")
  .addFlag("dryRun", "Validate and print the predicted address without sending anything")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => hre.run("treasury:deploy", args));

interface IgnitionDeployArgs {
  modulePath: string;
  parameters?: string;
}

// `npx hardhat ignition deploy deploy/modules/Treasury.ts --parameters FILE` takes the same validated path as
// treasury:deploy: the module needs resolved addresses, and a bad file must fail before anything is sent.
scope("ignition")
  .task("deploy")
  .setAction(async (args: IgnitionDeployArgs, hre, runSuper) => {
    const treasuryModule = path.resolve(hre.config.paths.ignition, "modules", "Treasury.ts");
    if (path.resolve(args.modulePath) !== treasuryModule) return runSuper(args);
    if (!args.parameters) {
      throw new HardhatPluginError(
        "safe-treasury",
        "The Treasury module needs --parameters FILE (see deploy/parameters/example.json).",
      );
    }
    return hre.run("treasury:deploy", { parameters: args.parameters });
  });
