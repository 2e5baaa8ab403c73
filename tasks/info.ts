import { readFileSync } from "node:fs";

import { task } from "hardhat/config";

import { UserError } from "../lib/errors";
import { toJson } from "../lib/format";
import { diffConfiguration, formatInfo, readTreasuryInfo, type TreasuryInfo } from "../lib/info";
import { policyInfo } from "../lib/guard/read";
import { allowanceInfo } from "../lib/modules/allowance";
import { recoveryInfo } from "../lib/modules/recovery";
import { checkChain } from "../lib/signer";
import { addressArg, userFacing } from "./util";

task<{ safe: string; check?: string; json: boolean }>(
  "safe:info",
  "Everything about a treasury: Safe, guard policy, queue, allowances, recovery, pending proposals",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("check", "A saved `safe:info --json` export: list every difference from the chain (exit 1 if any)")
  .addFlag("json", "Print JSON: the treasury's backup documentation (save it; --check compares against it)")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      await checkChain(hre);
      const info = await readTreasuryInfo(hre, addressArg(args.safe, "safe"), [
        policyInfo,
        allowanceInfo,
        recoveryInfo,
      ]);
      if (args.check) {
        const differences = diffConfiguration(savedConfiguration(args.check), info.configuration);
        console.log(
          args.json
            ? toJson({ file: args.check, block: info.state.block, differences })
            : differences.length
              ? `${differences.length} difference(s) between ${args.check} and the chain at block ${info.state.block}:\n  ${differences.join("\n  ")}`
              : `The chain at block ${info.state.block} matches ${args.check}.`,
        );
        if (differences.length) process.exitCode = 1;
        return;
      }
      console.log(args.json ? toJson(info) : formatInfo(info));
    }),
  );

function savedConfiguration(file: string): TreasuryInfo["configuration"] {
  let saved: Partial<TreasuryInfo>;
  try {
    saved = JSON.parse(readFileSync(file, "utf8")) as Partial<TreasuryInfo>;
  } catch (error) {
    throw new UserError(`--check ${file} cannot be read as JSON (${(error as Error).message}).`);
  }
  if (saved.format !== "safe-treasury-info/1" || !saved.configuration) {
    throw new UserError(`--check ${file} is not a safe:info --json export (no format "safe-treasury-info/1").`);
  }
  return saved.configuration;
}
