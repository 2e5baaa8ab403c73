import { writeFileSync } from "node:fs";

import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { isoTime, keyValues, toJson } from "../lib/format";
import {
  approvedLines,
  approveRecovery,
  cancelCalls,
  checkApproveModes,
  checkedRecoveryHash,
  configurePlan,
  finalizeOwners,
  finalizeRecovery,
  formatRecoveryApproval,
  formatRecoveryExport,
  formatRecoveryStatus,
  initiateRecovery,
  initiatedLines,
  newOwnersArg,
  readRecoveryStatus,
  recoveryConfigArgs,
  recordActivity,
  recoveryExport,
  recoveryModuleAddress,
  recoveryProposal,
  signaturesArg,
  signAsGuardian,
  type SentCall,
} from "../lib/modules/recovery";
import { installTransactions } from "../lib/safe/install";
import { addressArg, HELP, proposeCalls, senderOf, type SenderArgs, type SignerArgs, userFacing } from "./util";

const ORIGIN = "safe-treasury-toolkit";
const MODULE_HELP = "The RecoveryModule (default: the toolkit's singleton on this chain)";
const OWNERS_HELP = "The Safe's new owners, comma-separated (sorted for you: the module takes them ascending)";

interface SafeArgs {
  safe: string;
  module?: string;
  json: boolean;
}

/** The Safe and the module of a task's arguments. */
async function target(hre: HardhatRuntimeEnvironment, args: SafeArgs) {
  const safe = addressArg(args.safe, "safe");
  return { safe, module: await recoveryModuleAddress(hre, args.module) };
}

/** Prints a direct call's outcome: `result` as JSON, or the transaction and `lines` for people; returns `result`. */
function report<T extends SentCall>(json: boolean, what: string, result: T, lines: [string, unknown][] = []): T {
  console.log(json ? toJson(result) : keyValues([[what, result.transactionHash], ["sent by", result.from], ...lines]));
  return result;
}

/**
 * A recovery task with the arguments they share: --safe, --module and --json; a task that `sends` a call adds
 * --signer and --ledger, one that `proposes` a Safe transaction also --nonce and --yes; `proposal` adds the new owners.
 */
function recoveryTask(name: string, description: string, kind: "reads" | "sends" | "proposes", proposal = false) {
  const t = task(name, description).addParam("safe", "The Safe").addOptionalParam("module", MODULE_HELP);
  if (proposal) {
    t.addParam("owners", OWNERS_HELP).addParam("threshold", "The Safe's new owner threshold", undefined, types.int);
  }
  if (kind === "proposes") t.addOptionalParam("nonce", HELP.nonce, undefined, types.int);
  if (kind !== "reads") t.addOptionalParam("signer", HELP.signer).addFlag("ledger", HELP.ledger);
  if (kind === "proposes") t.addFlag("yes", HELP.yes);
  return t.addFlag("json", HELP.json);
}

// ---------------------------------------------------------------------------------------------------------------
// Safe transactions: through the one propose path
// ---------------------------------------------------------------------------------------------------------------

interface ConfigureArgs extends SafeArgs, SignerArgs {
  guardians?: string;
  threshold?: number;
  inactivity?: string;
  delay?: string;
  recorder?: string;
  nonce?: number;
}

recoveryTask(
  "recovery:configure",
  "Propose the Safe's guardian recovery settings (enables the module if needed); only what you give changes",
  "proposes",
)
  .addOptionalParam("guardians", "Guardians, comma-separated addresses (none: no guardians, recovery disabled)")
  .addOptionalParam("threshold", "Guardian approvals a recovery needs", undefined, types.int)
  .addOptionalParam("inactivity", "Owner inactivity before guardians may recover: 0 (any time) or 1d..3650d (e.g. 90d)")
  .addOptionalParam(
    "delay",
    "Delay between initiation and finalization, the owners' window to cancel (1h..365d, e.g. 7d)",
  )
  .addOptionalParam(
    "recorder",
    "Activity recorder whose record counts as owner activity (the TreasuryGuard; 0x0..0 for none)",
  )
  .setAction(async (args: ConfigureArgs, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      const plan = await configurePlan(hre.ethers.provider, module, safe, recoveryConfigArgs(args));
      if (!args.json) console.log(`Recovery change for ${safe}:\n${plan.changes.map((c) => `  - ${c}`).join("\n")}\n`);
      return proposeCalls(hre, args, safe, installTransactions(safe, plan.calls), ORIGIN);
    }),
  );

recoveryTask(
  "recovery:cancel",
  "Propose cancelling the pending recovery; voids every guardian approval (a Safe transaction, instant under the guard)",
  "proposes",
).setAction(async (args: SafeArgs & SignerArgs & { nonce?: number }, hre) =>
  userFacing(async () => {
    const { safe, module } = await target(hre, args);
    return proposeCalls(hre, args, safe, installTransactions(safe, cancelCalls(module)), ORIGIN);
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------------------------

recoveryTask(
  "recovery:status",
  "Show guardians, periods, last owner activity, when the Safe becomes recoverable, and any pending recovery",
  "reads",
).setAction(async (args: SafeArgs, hre) =>
  userFacing(async () => {
    const { safe, module } = await target(hre, args);
    const status = await readRecoveryStatus(hre.ethers.provider, module, safe);
    console.log(args.json ? toJson(status) : formatRecoveryStatus(status));
    return status;
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Sent directly: guardians, owners, anyone
// ---------------------------------------------------------------------------------------------------------------

interface ProposalArgs extends SafeArgs, SenderArgs {
  owners: string;
  threshold: number;
}

async function proposalOf(hre: HardhatRuntimeEnvironment, args: ProposalArgs) {
  const { safe, module } = await target(hre, args);
  const owners = newOwnersArg(args.owners, args.threshold);
  return { safe, module, proposal: await recoveryProposal(hre.ethers.provider, module, safe, owners) };
}

interface ApproveArgs extends ProposalArgs {
  sign: boolean;
  export: boolean;
  out?: string;
  signatures?: string;
}

recoveryTask(
  "recovery:approve",
  "Approve a recovery as a guardian: directly, or --sign an EIP-712 approval to hand over; --signatures submits collected ones (anyone)",
  "sends",
  true,
)
  .addFlag("sign", "Sign the approval (EIP-712) without sending anything; hand the output to whoever submits")
  .addFlag("export", "Print (or --out) the EIP-712 typed data for a wallet that is not here (eth_signTypedData_v4)")
  .addOptionalParam("out", "With --sign or --export: write the output to this file")
  .addOptionalParam("signatures", "Submit approvals: comma-separated guardian:0xsignature items or --sign --out files")
  .setAction(async (args: ApproveArgs, hre) =>
    userFacing(async () => {
      checkApproveModes(args);
      const { module, proposal } = await proposalOf(hre, args);
      const provider = hre.ethers.provider;
      const { chainId } = await provider.getNetwork();
      const hash = await checkedRecoveryHash(provider, module, chainId, proposal);

      if (args.export) {
        const exported = recoveryExport(module, chainId, proposal, hash);
        if (args.out) writeFileSync(args.out, toJson(exported) + "\n");
        console.log(args.json || !args.out ? toJson(exported) : formatRecoveryExport(exported, args.out));
        return exported;
      }

      const from = await senderOf(hre, args);

      if (args.sign) {
        const approval = await signAsGuardian(from, provider, module, chainId, proposal);
        if (args.out) writeFileSync(args.out, toJson(approval) + "\n");
        console.log(args.json ? toJson(approval) : formatRecoveryApproval(approval, args.out));
        return approval;
      }

      const signatures = args.signatures ? signaturesArg(args.signatures) : undefined;
      const approved = await approveRecovery(provider, module, chainId, from, proposal, hash, signatures);
      return report(args.json, "approved", approved, approvedLines(approved));
    }),
  );

recoveryTask(
  "recovery:initiate",
  "Start the recovery delay for a proposal with enough approvals, once the Safe is recoverable (anyone)",
  "sends",
  true,
).setAction(async (args: ProposalArgs, hre) =>
  userFacing(async () => {
    const { module, proposal } = await proposalOf(hre, args);
    const from = await senderOf(hre, args);
    const { sent, inactivity } = await initiateRecovery(hre.ethers.provider, module, from, proposal);
    return report(args.json, "initiated", sent, initiatedLines(sent, inactivity));
  }),
);

recoveryTask(
  "recovery:finalize",
  "Finalize the pending recovery after its delay: the Safe's owners and threshold become the recovery's (anyone)",
  "sends",
)
  .addOptionalParam("owners", `${OWNERS_HELP} (default: the pending recovery's, from the module's events)`)
  .addOptionalParam("threshold", "The new owner threshold (default: the pending recovery's)", undefined, types.int)
  .setAction(async (args: SafeArgs & SenderArgs & { owners?: string; threshold?: number }, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      const owners = await finalizeOwners(hre.ethers.provider, module, safe, args.owners, args.threshold);
      const finalized = await finalizeRecovery(hre.ethers.provider, module, await senderOf(hre, args), safe, owners);
      return report(args.json, "finalized", finalized, [
        ["owners now", finalized.owners.join(", ")],
        ["threshold now", finalized.threshold],
      ]);
    }),
  );

recoveryTask(
  "recovery:heartbeat",
  "As an owner, restart the inactivity clock (cancels an inactivity recovery); --poke: anyone records executed Safe transactions",
  "sends",
)
  .addFlag("poke", "Record that the Safe's nonce moved (anyone), instead of an owner's heartbeat")
  .setAction(async (args: SafeArgs & SenderArgs & { poke: boolean }, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      const sent = await recordActivity(hre.ethers.provider, module, await senderOf(hre, args), safe, args.poke);
      return report(args.json, args.poke ? "poked" : "heartbeat", sent, [
        ["last activity", isoTime(sent.lastActivity)],
      ]);
    }),
  );
