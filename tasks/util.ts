import { HardhatPluginError } from "hardhat/plugins";
import { types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { createInterface } from "node:readline/promises";

import { UserError } from "../lib/errors";
import { checkChain, ethersSigner, ownerSigner } from "../lib/signer";
import { formatSummary } from "../lib/summary";
import { proposeTransaction, type Approve } from "../lib/safe/workflow";
import { keyValues, toJson } from "../lib/format";
import type { MetaTransactionData } from "@safe-global/types-kit";

const PLUGIN = "safe-treasury";

/** Runs a task body; expected failures (UserError) become a one-line Hardhat error without a stack trace. */
export async function userFacing<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UserError) throw new HardhatPluginError(PLUGIN, error.message);
    throw error;
  }
}

export { addressArg } from "../lib/args";

/** Help texts shared by the signing tasks. */
export const HELP = {
  signer: "Unlocked local account to sign or send with (local networks; otherwise PRIVATE_KEY/MNEMONIC)",
  ledger:
    "Sign with the Ledger account LEDGER_ACCOUNT (through @nomicfoundation/hardhat-ledger); check the hashes the summary prints on the device",
  yes: "Sign without asking, after printing the summary",
  json: "Print JSON",
  nonce: "Nonce (default: the service's next, pending proposals counted)",
} as const;

/** Shows the summary, then asks (or takes --yes). Without a terminal and without --yes, nothing is signed. */
export function approver(yes: boolean, json: boolean): Approve {
  return async (summary) => {
    if (!json) console.log(formatSummary(summary), "\n");
    if (yes) return true;
    if (!process.stdin.isTTY) {
      throw new UserError("Read the summary above, then run again with --yes to sign (no terminal to ask on).");
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question("Sign this transaction? [y/N] ")).trim());
    } finally {
      rl.close();
    }
  };
}

export interface SignerArgs {
  signer?: string;
  ledger?: boolean;
  yes: boolean;
  json: boolean;
}

export interface SenderArgs {
  signer?: string;
  ledger?: boolean;
}

export async function signerOf(hre: HardhatRuntimeEnvironment, args: SenderArgs) {
  await checkChain(hre);
  return ownerSigner(hre, { unlocked: args.signer, ledger: args.ledger });
}

/** An ethers signer for a direct contract call: --signer (local), --ledger, PRIVATE_KEY or MNEMONIC. */
export async function senderOf(hre: HardhatRuntimeEnvironment, args: SenderArgs) {
  return ethersSigner(hre, await signerOf(hre, args));
}

/**
 * Proposes Safe calls through the one propose path (summary shown, guard's verdict applied, delayed calls wrapped in
 * the guard's queue) and prints the outcome; every task that changes the treasury proposes through here.
 */
export async function proposeCalls(
  hre: HardhatRuntimeEnvironment,
  args: SignerArgs & { nonce?: number },
  safe: string,
  transactions: MetaTransactionData[],
  origin: string,
  print = true,
) {
  const signer = await signerOf(hre, args);
  const result = await proposeTransaction(
    hre,
    { safe, transactions, signer, nonce: args.nonce, origin },
    approver(args.yes, args.json),
  );
  const then = result.queued
    ? `queued: runs after a delay of ${result.queued.delay} s once this executes (queue:execute), because ${result.queued.reason}`
    : "runs when executed";
  if (!print) return result;
  console.log(
    args.json
      ? toJson({ safeTxHash: result.safeTxHash, nonce: result.nonce, queued: result.queued, summary: result.summary })
      : keyValues([
          ["proposed", result.safeTxHash],
          ["nonce", result.nonce],
          ["signed by", signer.address],
          ["then", then],
        ]),
  );
  return result;
}

/** The arguments of every task that signs after showing the summary: --signer, --ledger, --yes and --json. */
export function signing(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return definition
    .addOptionalParam("signer", HELP.signer)
    .addFlag("ledger", HELP.ledger)
    .addFlag("yes", HELP.yes)
    .addFlag("json", HELP.json);
}

/** The arguments of every task that proposes a Safe transaction: --nonce and the signing ones. */
export function proposing(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return signing(definition.addOptionalParam("nonce", HELP.nonce, undefined, types.int));
}
