import { writeFileSync } from "node:fs";

import { task, types } from "hardhat/config";

import { UserError } from "../lib/errors";
import { toJson } from "../lib/format";
import {
  brokenInvariants,
  formatRehearsal,
  readExpectations,
  rehearsePending,
  type RehearsalReport,
} from "../lib/rehearsal";
import { addressArg, HELP, userFacing } from "./util";

/**
 * Prints a rehearsal or drill report (markdown, or --json), files it with --out (markdown, or JSON with --json), and
 * fails the command with `failure` when the report did not pass.
 */
export function deliverReport(
  report: { ok: boolean },
  markdown: string,
  args: { json: boolean; out?: string },
  failure: string,
): void {
  if (args.out) writeFileSync(args.out, args.json ? toJson(report) + "\n" : markdown);
  console.log(args.json ? toJson(report) : markdown);
  if (!report.ok) throw new UserError(failure);
}

/** deliverReport for a rehearsal: the failure names the broken invariants. */
export function deliver(report: RehearsalReport, args: { json: boolean; out?: string }, title: string): void {
  deliverReport(
    report,
    formatRehearsal(report, title),
    args,
    `${title} failed: broken invariant(s) ${brokenInvariants(report).join(", ")} (see the report above).`,
  );
}

interface RehearseArgs {
  safeTxHash?: string;
  safe?: string;
  nonce?: number;
  allPending: boolean;
  block?: number;
  expect?: string;
  json: boolean;
  out?: string;
}

task<RehearseArgs>(
  "safe:rehearse",
  "Rehearse pending Safe transactions on a fork (FORK_URL or the network's RPC): execute them without real signatures, report and check invariants",
)
  .addOptionalPositionalParam("safeTxHash", "The pending proposal to rehearse (with the pending ones before it)")
  .addOptionalParam("safe", "The Safe (with --nonce or --all-pending)")
  .addOptionalParam(
    "nonce",
    "Rehearse the pending proposal at this nonce (and the ones before it)",
    undefined,
    types.int,
  )
  .addFlag("allPending", "Rehearse every pending proposal in nonce order, each on top of the previous")
  .addOptionalParam("block", "Fork at this block (default FORK_BLOCK_NUMBER, else the latest)", undefined, types.int)
  .addOptionalParam("expect", "A JSON file of further expectations (balances, owners, threshold, guard, singleton)")
  .addOptionalParam("out", "Write the report to this file (markdown, or JSON with --json)")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const report = await rehearsePending(hre, {
        safeTxHash: args.safeTxHash,
        safe: args.safe === undefined ? undefined : addressArg(args.safe, "safe"),
        nonce: args.nonce,
        all: args.allPending,
        blockNumber: args.block,
        expect: args.expect === undefined ? undefined : readExpectations(args.expect),
      });
      deliver(report, args, "Rehearsal");
    }),
  );
