import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { keyValues, toJson } from "../lib/format";
import { guardMovePlan } from "../lib/upgrade/guard";
import { rehearseThenPropose, type UpgradePlan } from "../lib/upgrade/plan";
import { safeMigrationPlan } from "../lib/upgrade/safe";
import { deliver } from "./rehearse";
import { addressArg, approver, signerOf, signing, type SignerArgs, userFacing } from "./util";

interface UpgradeArgs extends SignerArgs {
  safe: string;
  to?: string;
  block?: number;
  out?: string;
}

/** Rehearses the plan on a fork after the Safe's pending proposals; proposes it only when the rehearsal passes. */
async function rehearseAndPropose(hre: HardhatRuntimeEnvironment, args: UpgradeArgs, plan: UpgradePlan, title: string) {
  const signer = await signerOf(hre, args);
  const { report, proposed } = await rehearseThenPropose(
    hre,
    plan,
    { signer, blockNumber: args.block },
    approver(args.yes, args.json),
  );
  if (!report.ok) deliver(report, { json: args.json, out: args.out }, `${title} rehearsal`); // throws
  if (args.out) deliver(report, { json: false, out: args.out }, `${title} rehearsal`);
  const rows = proposed.map((p) => ({ safeTxHash: p.safeTxHash, nonce: p.nonce }));
  console.log(
    args.json
      ? toJson({ rehearsal: report, proposed: rows })
      : keyValues([
          [
            "rehearsal",
            `passed (${report.steps.length} transaction(s) on ${report.mode === "fork" ? "a fork" : "a snapshot"})`,
          ],
          ...rows.map((r, i): [string, unknown] => [`proposal ${i + 1}`, `${r.safeTxHash} (nonce ${r.nonce})`]),
          ["then", "owners confirm and execute each in order; queued calls run with queue:execute after the delay"],
        ]),
  );
}

signing(
  task<UpgradeArgs>(
    "upgrade:safe",
    "Migrate a Safe 1.4.1 to 1.5.0 through SafeMigration (queued by the guard), rehearsed on a fork first",
  )
    .addParam("safe", "The Safe")
    .addOptionalParam("to", "Target version", "1.5.0")
    .addOptionalParam("block", "Fork at this block for the rehearsal", undefined, types.int)
    .addOptionalParam("out", "Write the rehearsal report (markdown) to this file"),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const plan = await safeMigrationPlan(hre.ethers.provider, addressArg(args.safe, "safe"), args.to);
    await rehearseAndPropose(hre, args, plan, "Safe migration");
  }),
);

signing(
  task<UpgradeArgs>(
    "upgrade:guard",
    "Move a Safe to another TreasuryGuard deployment with its whole policy, as one delayed batch, rehearsed first",
  )
    .addParam("safe", "The Safe")
    .addParam("to", "The new TreasuryGuard's address")
    .addOptionalParam("block", "Fork at this block for the rehearsal", undefined, types.int)
    .addOptionalParam("out", "Write the rehearsal report (markdown) to this file"),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const plan = await guardMovePlan(hre.ethers.provider, addressArg(args.safe, "safe"), addressArg(args.to!, "to"));
    await rehearseAndPropose(hre, args, plan, "Guard move");
  }),
);
