import { task, types } from "hardhat/config";

import { UserError } from "../lib/errors";
import { safeRecoveryModule } from "../lib/modules/recovery";
import { formatDrill, keyLossDrill, signingDrill } from "../lib/rehearsal";
import { addressArg } from "../lib/args";
import { startTxService } from "../service";
import { deliverReport } from "./rehearse";
import { HELP, senderOf, userFacing } from "./util";

interface DrillArgs {
  safe: string;
  block?: number;
  json: boolean;
  out?: string;
}

const addresses = (value: string, name: string) =>
  value
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => addressArg(a, name));

task<DrillArgs & { lost: string; newOwners?: string; threshold?: number; module?: string }>(
  "drill:keyloss",
  "On a fork: do the owners left after losing keys still transact? If not, walk the guardian recovery and report what it took",
)
  .addParam("safe", "The Safe")
  .addParam("lost", "The owners whose keys are lost, comma-separated")
  .addOptionalParam("newOwners", "Owners the guardians restore, comma-separated (default: the owners that remain)")
  .addOptionalParam(
    "threshold",
    "Threshold the guardians restore (default: the old one, or fewer owners)",
    undefined,
    types.int,
  )
  .addOptionalParam("module", "RecoveryModule (default: the guard's recovery module, else the toolkit's)")
  .addOptionalParam("block", "Fork at this block", undefined, types.int)
  .addOptionalParam("out", "Write the drill report to this file (markdown, or JSON with --json)")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const safe = addressArg(args.safe, "safe");
      const module = await safeRecoveryModule(hre, safe, args.module);
      const report = await keyLossDrill(hre, {
        safe,
        lost: addresses(args.lost, "lost"),
        newOwners: args.newOwners === undefined ? undefined : addresses(args.newOwners, "newOwners"),
        newThreshold: args.threshold,
        module,
        blockNumber: args.block,
      });
      deliverReport(
        report,
        formatDrill(report, "Key-loss drill"),
        args,
        "Key-loss drill failed: see the report above.",
      );
    }),
  );

task<DrillArgs & { signers?: string; ledger: boolean }>(
  "drill:signing",
  "Practise the signing ceremony (propose, confirm, execute a zero-value transaction) on a fork with another chain id",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("signers", "Owners taking part: unlocked local accounts, comma-separated (default: the owner key)")
  .addFlag("ledger", HELP.ledger)
  .addOptionalParam("block", "Fork at this block", undefined, types.int)
  .addOptionalParam("out", "Write the drill report to this file (markdown, or JSON with --json)")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      if (args.signers !== undefined && !["hardhat", "localhost"].includes(hre.network.name)) {
        throw new UserError("--signers names unlocked accounts of a local network; elsewhere the owner key signs.");
      }
      const signers =
        args.signers === undefined
          ? [await senderOf(hre, { ledger: args.ledger })]
          : await Promise.all(addresses(args.signers, "signers").map((a) => hre.ethers.getSigner(a)));
      const report = await signingDrill(hre, {
        safe: addressArg(args.safe, "safe"),
        signers,
        blockNumber: args.block,
        startService: async (provider) =>
          startTxService({ provider, db: ":memory:", pollIntervalMs: 100, headTtlMs: 0 }),
      });
      deliverReport(report, formatDrill(report, "Signing drill"), args, "Signing drill failed: see the report above.");
    }),
  );
