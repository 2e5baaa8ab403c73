import { writeFileSync } from "node:fs";

import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../lib/errors";
import { keyValues, toJson } from "../lib/format";
import {
  addressListArg,
  cancelCalls,
  checkSignatures,
  configurePlan,
  durationArg,
  formatRecoveryStatus,
  isoTime,
  newOwnersArg,
  readRecoveryStatus,
  recoveryContract,
  recoveryHash,
  recoveryTypedData,
  recoveryModuleAddress,
  sendRecoveryCall,
  signaturesArg,
  signRecoveryApproval,
  type RecoveryProposal,
  type SentCall,
} from "../lib/modules/recovery";
import { installTransactions } from "../lib/safe/install";
import { readSafeState } from "../lib/safe/state";
import { ethersSigner } from "../lib/signer";
import { addressArg, HELP, proposeCalls, signerOf, type SignerArgs, userFacing } from "./util";

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

/** An ethers signer for a direct call: --signer (local), --ledger, PRIVATE_KEY or MNEMONIC; guardian, owner or anyone. */
async function sender(hre: HardhatRuntimeEnvironment, args: { signer?: string; ledger?: boolean }) {
  return ethersSigner(hre, await signerOf(hre, args));
}

/** Prints a direct call's outcome: `result` as JSON, or the transaction and `lines` for people; returns `result`. */
function report<T extends SentCall>(json: boolean, what: string, result: T, lines: [string, unknown][] = []): T {
  console.log(json ? toJson(result) : keyValues([[what, result.transactionHash], ["sent by", result.from], ...lines]));
  return result;
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

task<ConfigureArgs>(
  "recovery:configure",
  "Propose the Safe's guardian recovery settings (enables the module if needed); only what you give changes",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
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
  .addOptionalParam("nonce", HELP.nonce, undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("yes", HELP.yes)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      const plan = await configurePlan(hre.ethers.provider, module, safe, {
        guardians: args.guardians === undefined ? undefined : addressListArg(args.guardians, "guardians", true),
        threshold: args.threshold,
        inactivityPeriod: args.inactivity === undefined ? undefined : durationArg(args.inactivity, "inactivity"),
        recoveryDelay: args.delay === undefined ? undefined : durationArg(args.delay, "delay"),
        recorder: args.recorder,
      });
      if (!args.json) console.log(`Recovery change for ${safe}:\n${plan.changes.map((c) => `  - ${c}`).join("\n")}\n`);
      return proposeCalls(hre, args, safe, installTransactions(safe, plan.calls), ORIGIN);
    }),
  );

task<SafeArgs & SignerArgs & { nonce?: number }>(
  "recovery:cancel",
  "Propose cancelling the pending recovery; voids every guardian approval (a Safe transaction, instant under the guard)",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addOptionalParam("nonce", HELP.nonce, undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("yes", HELP.yes)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      return proposeCalls(hre, args, safe, installTransactions(safe, cancelCalls(module)), ORIGIN);
    }),
  );

// ---------------------------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------------------------

task<SafeArgs>(
  "recovery:status",
  "Show guardians, periods, last owner activity, when the Safe becomes recoverable, and any pending recovery",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
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

interface ProposalArgs extends SafeArgs {
  owners: string;
  threshold: number;
  signer?: string;
  ledger?: boolean;
}

async function proposalOf(hre: HardhatRuntimeEnvironment, args: ProposalArgs) {
  const { safe, module } = await target(hre, args);
  const { newOwners, newThreshold } = newOwnersArg(args.owners, args.threshold);
  const nonce = (await recoveryContract(module, hre.ethers.provider).config(safe)).nonce as bigint;
  const proposal: RecoveryProposal = { safe, newOwners, newThreshold, nonce };
  return { safe, module, proposal };
}

interface ApproveArgs extends ProposalArgs {
  sign: boolean;
  export: boolean;
  out?: string;
  signatures?: string;
}

task<ApproveArgs>(
  "recovery:approve",
  "Approve a recovery as a guardian: directly, or --sign an EIP-712 approval to hand over; --signatures submits collected ones (anyone)",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addParam("owners", OWNERS_HELP)
  .addParam("threshold", "The Safe's new owner threshold", undefined, types.int)
  .addFlag("sign", "Sign the approval (EIP-712) without sending anything; hand the output to whoever submits")
  .addFlag("export", "Print (or --out) the EIP-712 typed data for a wallet that is not here (eth_signTypedData_v4)")
  .addOptionalParam("out", "With --sign or --export: write the output to this file")
  .addOptionalParam("signatures", "Submit approvals: comma-separated guardian:0xsignature items or --sign --out files")
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      if ([args.sign, args.export, args.signatures !== undefined].filter(Boolean).length > 1) {
        throw new UserError("--sign, --export and --signatures exclude each other.");
      }
      if (args.out && !args.sign && !args.export) throw new UserError("--out goes with --sign or --export.");
      const { safe, module, proposal } = await proposalOf(hre, args);
      const provider = hre.ethers.provider;
      const contract = recoveryContract(module, provider);
      const { chainId } = await provider.getNetwork();
      const onChainHash = await contract.getRecoveryHash(
        safe,
        proposal.newOwners,
        proposal.newThreshold,
        proposal.nonce,
      );
      if (recoveryHash(module, chainId, proposal) !== onChainHash) {
        throw new Error("The approval's EIP-712 hash differs from the module's getRecoveryHash.");
      }

      if (args.export) {
        const exported = {
          module,
          chainId: chainId.toString(),
          ...proposal,
          nonce: proposal.nonce.toString(),
          recoveryHash: onChainHash as string,
          typedData: recoveryTypedData(module, chainId, proposal),
        };
        if (args.out) writeFileSync(args.out, toJson(exported) + "\n");
        console.log(
          args.json || !args.out
            ? toJson(exported)
            : keyValues([
                ["recovery", exported.recoveryHash],
                ["written to", args.out],
                [
                  "then",
                  "the guardian signs typedData (eth_signTypedData_v4); submit with --signatures guardian:0xsig",
                ],
              ]),
        );
        return exported;
      }

      const from = await sender(hre, args);

      if (args.sign) {
        const guardian = await from.getAddress();
        if (!(await contract.isGuardian(safe, guardian))) {
          throw new UserError(`${guardian} is not a guardian of ${safe}: sign with a guardian's key.`);
        }
        const approval = await signRecoveryApproval(from, module, chainId, proposal);
        if (args.out) writeFileSync(args.out, toJson(approval) + "\n");
        console.log(
          args.json
            ? toJson(approval)
            : keyValues([
                ["signed by", guardian],
                ["recovery", approval.recoveryHash],
                ["new owners", `${proposal.newOwners.join(", ")} (threshold ${proposal.newThreshold})`],
                ["nonce", proposal.nonce],
                [args.out ? "written to" : "signature", args.out ?? approval.signature],
                [
                  "then",
                  `recovery:approve ... --signatures ${args.out ?? `${guardian}:<signature>`} (anyone sends it)`,
                ],
              ]),
        );
        return approval;
      }

      let sent: SentCall;
      if (args.signatures) {
        const signatures = await checkSignatures(provider, module, chainId, proposal, signaturesArg(args.signatures));
        sent = await sendRecoveryCall(
          module,
          from,
          "approveRecoveryWithSignatures",
          [safe, proposal.newOwners, proposal.newThreshold, proposal.nonce, signatures],
          "The approvals were not recorded",
        );
      } else {
        sent = await sendRecoveryCall(
          module,
          from,
          "approveRecovery",
          [safe, proposal.newOwners, proposal.newThreshold, proposal.nonce],
          "The approval was not recorded",
        );
      }
      const hash = onChainHash as string;
      const [approvals, threshold] = [
        Number(await contract.approvalCount(safe, hash)),
        Number((await contract.config(safe)).threshold),
      ];
      return report(args.json, "approved", { ...sent, recoveryHash: hash, approvals, threshold }, [
        ["recovery", hash],
        ["approvals", `${approvals} of ${threshold}`],
        [
          "then",
          approvals >= threshold
            ? "recovery:initiate (anyone), once the Safe is recoverable"
            : `${threshold - approvals} more guardian approval(s) needed`,
        ],
      ]);
    }),
  );

task<ProposalArgs>(
  "recovery:initiate",
  "Start the recovery delay for a proposal with enough approvals, once the Safe is recoverable (anyone)",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addParam("owners", OWNERS_HELP)
  .addParam("threshold", "The Safe's new owner threshold", undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { safe, module, proposal } = await proposalOf(hre, args);
      const sent = await sendRecoveryCall(
        module,
        await sender(hre, args),
        "initiateRecovery",
        [safe, proposal.newOwners, proposal.newThreshold],
        "The recovery was not initiated",
      );
      const pending = await recoveryContract(module, hre.ethers.provider).pendingRecovery(safe);
      const executableAt = Number(pending.executableAt);
      return report(args.json, "initiated", { ...sent, recoveryHash: pending.recoveryHash as string, executableAt }, [
        ["finalize from", `${isoTime(executableAt)} (recovery:finalize, anyone)`],
        ["cancelled by", pending.inactivity ? "any owner transaction or heartbeat before then" : "recovery:cancel"],
      ]);
    }),
  );

task<SafeArgs & { owners?: string; threshold?: number; signer?: string; ledger?: boolean }>(
  "recovery:finalize",
  "Finalize the pending recovery after its delay: the Safe's owners and threshold become the recovery's (anyone)",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addOptionalParam("owners", `${OWNERS_HELP} (default: the pending recovery's, from the module's events)`)
  .addOptionalParam("threshold", "The new owner threshold (default: the pending recovery's)", undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      let newOwners: string[];
      let newThreshold: number;
      if (args.owners !== undefined || args.threshold !== undefined) {
        if (args.owners === undefined || args.threshold === undefined) {
          throw new UserError("--owners and --threshold go together (or give neither to use the pending recovery's).");
        }
        ({ newOwners, newThreshold } = newOwnersArg(args.owners, args.threshold));
      } else {
        const { pending } = await readRecoveryStatus(hre.ethers.provider, module, safe);
        if (!pending) throw new UserError(`${safe} has no pending recovery to finalize (recovery:status).`);
        if (!pending.newOwners || pending.newThreshold === undefined) {
          throw new UserError(
            "The pending recovery's owners are not in this node's logs: give --owners and --threshold.",
          );
        }
        ({ newOwners, newThreshold } = { newOwners: pending.newOwners, newThreshold: pending.newThreshold });
      }
      const sent = await sendRecoveryCall(
        module,
        await sender(hre, args),
        "finalizeRecovery",
        [safe, newOwners, newThreshold],
        "The recovery was not finalized",
      );
      const after = await readSafeState(hre.ethers.provider, safe);
      return report(args.json, "finalized", { ...sent, owners: after.owners, threshold: after.threshold }, [
        ["owners now", after.owners.join(", ")],
        ["threshold now", after.threshold],
      ]);
    }),
  );

task<SafeArgs & { poke: boolean; signer?: string; ledger?: boolean }>(
  "recovery:heartbeat",
  "As an owner, restart the inactivity clock (cancels an inactivity recovery); --poke: anyone records executed Safe transactions",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("module", MODULE_HELP)
  .addFlag("poke", "Record that the Safe's nonce moved (anyone), instead of an owner's heartbeat")
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { safe, module } = await target(hre, args);
      const sent = await sendRecoveryCall(
        module,
        await sender(hre, args),
        args.poke ? "poke" : "heartbeat",
        [safe],
        args.poke ? "The poke was not recorded" : "The heartbeat was not recorded",
      );
      const last = Number(await recoveryContract(module, hre.ethers.provider).lastActivity(safe));
      return report(args.json, args.poke ? "poked" : "heartbeat", { ...sent, lastActivity: last }, [
        ["last activity", isoTime(last)],
      ]);
    }),
  );
