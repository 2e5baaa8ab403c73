import { readFileSync } from "node:fs";

import { task } from "hardhat/config";

import { UserError } from "../lib/errors";
import { keyValues, table, toJson } from "../lib/format";
import { diffConfiguration, readTreasuryInfo, type TreasuryInfo } from "../lib/info";
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
      const info = await readTreasuryInfo(hre, addressArg(args.safe, "safe"));
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
      console.log(args.json ? toJson(info) : describe(info));
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

function describe(info: TreasuryInfo): string {
  const c = info.configuration;
  const {
    safe,
    chainId,
    version,
    singleton,
    owners,
    threshold,
    modules,
    guard,
    moduleGuard,
    fallbackHandler,
    ...parts
  } = c;
  const sections = [
    keyValues([
      ["safe", `${safe} (chain ${chainId}, block ${info.state.block}, ${info.state.readAt})`],
      ["version", `${version}, singleton ${singleton}`],
      ["owners", `${threshold} of ${owners.length}: ${owners.join(", ")}`],
      ["nonce", info.state.nonce],
      ["guard", guard],
      ["module guard", moduleGuard],
      ["modules", modules.join(", ") || "(none)"],
      ["fallback handler", fallbackHandler],
    ]),
  ];
  for (const [name, value] of Object.entries(parts)) sections.push(`${name}:\n${toJson(value)}`);
  const { block: _b, readAt: _r, nonce: _n, queue, pending, ...stateParts } = info.state;
  void [_b, _r, _n];
  for (const [name, value] of Object.entries(stateParts)) sections.push(`${name}:\n${toJson(value)}`);
  sections.push(
    `queue:\n${table(queue.map((q) => ({ ...q, data: q.data.length > 10 ? `${q.data.slice(0, 10)}…` : q.data })))}`,
  );
  sections.push(`pending proposals:\n${typeof pending === "string" ? pending : table(pending)}`);
  return sections.join("\n\n");
}
