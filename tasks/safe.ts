import { readFileSync, writeFileSync } from "node:fs";

import { parseEther, ZeroAddress } from "ethers";
import { OperationType, type MetaTransactionData } from "@safe-global/types-kit";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { parseAmount, resolveAsset } from "../lib/assets";
import { UserError } from "../lib/errors";
import { policyAssets } from "../lib/guard/read";
import { keyValues, table, toJson } from "../lib/format";
import { encodeSignatureCall } from "../lib/calldata";
import { payoutBatches, payoutTotals, payoutTransactions, readPayouts } from "../lib/payouts";
import { apiKit } from "../lib/safe/kit";
import { serviceRead } from "../lib/safe/service";
import {
  confirmTransaction,
  executeTransaction,
  exportTypedData,
  importSignature,
  proposeRejection,
} from "../lib/safe/workflow";
import {
  addressArg,
  approver,
  HELP,
  proposeCalls,
  signerOf,
  type SignerArgs,
  userFacing,
  proposing,
  signing,
} from "./util";
import { erc20Interface } from "../lib/abi";

interface ProposeArgs extends SignerArgs {
  safe: string;
  to?: string;
  value: string;
  data: string;
  sig?: string;
  args?: string;
  operation: string;
  token?: string;
  amount?: string;
  csv?: string;
  nonce?: number;
}

proposing(
  task<ProposeArgs>(
    "safe:propose",
    "Propose a payment, a call or a CSV of payouts, after showing what it does, and sign it as its first owner",
  )
    .addParam("safe", "The Safe")
    .addOptionalParam("to", "Recipient or target (not with --csv)")
    .addOptionalParam("value", "ETH to send (in ETH, e.g. 1.5)", "0")
    .addOptionalParam("data", "Calldata for a call (or use --sig and --args)", "0x")
    .addOptionalParam("sig", 'Function to call, e.g. "approve(address,uint256)" (with --args)')
    .addOptionalParam("args", "Arguments of --sig: a,b,c or a JSON array; amounts in base units")
    .addOptionalParam(
      "operation",
      "call, or delegatecall (the guard refuses it unless the target is a Safe library)",
      "call",
    )
    .addOptionalParam(
      "token",
      "ERC20 to transfer instead of ETH (with --amount): its address, or the symbol of a capped token",
    )
    .addOptionalParam("amount", "Token amount in the token's units (e.g. 250.5)")
    .addOptionalParam("csv", "Payouts file, header token,to,amount (token empty or ETH for ETH), split at a gas bound"),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    if (args.csv) {
      if (args.to || args.token || args.sig)
        throw new UserError("--csv proposes the file's payments: drop --to, --token and --sig.");
      await proposePayouts(hre, args, safe, args.csv);
      return;
    }
    if (!args.to) throw new UserError("Give --to (the recipient or target), or --csv with a payouts file.");
    const to = addressArg(args.to, "to");
    if (!["call", "delegatecall"].includes(args.operation)) {
      throw new UserError(`--operation ${args.operation} is not call or delegatecall.`);
    }
    if (args.sig && args.data !== "0x") throw new UserError("Give --data or --sig with --args, not both.");
    if (!/^(\d+(\.\d+)?)$/.test(args.value))
      throw new UserError(`--value ${args.value} is not an ETH amount like 1.5.`);
    const data = args.sig ? encodeSignatureCall(args.sig, args.args) : args.data;
    let transaction: MetaTransactionData = {
      to,
      value: parseEther(args.value).toString(),
      data,
      operation: args.operation === "delegatecall" ? OperationType.DelegateCall : OperationType.Call,
    };
    if (args.token) {
      if (!args.amount) throw new UserError("--token needs --amount (in the token's units).");
      const provider = hre.ethers.provider;
      // A symbol only among the tokens the Safe's guard caps: anyone can deploy a token called USDC.
      const token = await resolveAsset(provider, args.token, "token", () =>
        policyAssets(provider, safe).catch(() => []),
      );
      if (token.address === ZeroAddress) throw new UserError("--token ETH: send ETH with --value instead.");
      transaction = {
        to: token.address,
        value: "0",
        data: erc20Interface.encodeFunctionData("transfer", [to, parseAmount(args.amount, token, "amount")]),
      };
    }
    await proposeCalls(hre, args, safe, [transaction], "safe-treasury-toolkit");
  }),
);

/** Every row checked first; then one proposal per batch, at consecutive nonces. */
async function proposePayouts(hre: HardhatRuntimeEnvironment, args: ProposeArgs, safe: string, file: string) {
  const progress = (n: number, total: number) => !args.json && console.error(`checked ${n} of ${total} rows`);
  const payouts = await readPayouts(hre.ethers.provider, readFileSync(file, "utf8"), progress);
  const batches = payoutBatches(payouts);
  if (!args.json) {
    console.log(`${payouts.length} payments in ${batches.length} batch(es): ${payoutTotals(payouts).join("; ")}\n`);
  }
  const proposed = [];
  for (const [i, batch] of batches.entries()) {
    const nonce = args.nonce === undefined ? undefined : args.nonce + i;
    const origin = `payouts ${file} (batch ${i + 1} of ${batches.length}, lines ${batch[0].line}-${batch.at(-1)!.line})`;
    const r = await proposeCalls(hre, { ...args, nonce }, safe, payoutTransactions(batch), origin, !args.json);
    proposed.push({ safeTxHash: r.safeTxHash, nonce: r.nonce, payments: batch.length });
  }
  if (args.json) console.log(toJson({ batches: proposed }));
}

interface HashArgs extends SignerArgs {
  safeTxHash: string;
}

signing(
  task<HashArgs>("safe:confirm", "Show a pending transaction, then add your signature").addPositionalParam(
    "safeTxHash",
    "The pending transaction",
  ),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const signer = await signerOf(hre, args);
    const r = await confirmTransaction(hre, args.safeTxHash, signer, approver(args.yes, args.json));
    console.log(
      args.json
        ? toJson({ safeTxHash: args.safeTxHash, confirmations: r.confirmations, threshold: r.threshold })
        : `Confirmed by ${signer.address}: ${r.confirmations} of ${r.threshold} signatures.`,
    );
  }),
);

task<HashArgs>("safe:execute", "Execute a pending transaction that has its signatures")
  .addPositionalParam("safeTxHash", "The pending transaction")
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const signer = await signerOf(hre, args);
      const r = await executeTransaction(hre, args.safeTxHash, signer);
      console.log(
        args.json
          ? toJson(r)
          : [
              keyValues([
                ["executed", r.hash],
                ["result", r.success ? "success" : "the Safe reported ExecutionFailure: its call reverted"],
                ["gas used", r.gasUsed],
                ...(r.stale.length ? [["stale signatures left out", r.stale.join(", ")] as [string, unknown]] : []),
              ]),
              "events:",
              table(r.events.map((e) => ({ contract: e.address, event: e.name, args: e.args.join(", ") }))),
            ].join("\n"),
      );
      if (!r.success) process.exitCode = 1;
    }),
  );

signing(
  task<SignerArgs & { safe: string; nonce: number }>(
    "safe:reject",
    "Propose the Safe's rejection of a nonce (a zero-value self-call): once executed, nothing else runs at that nonce",
  )
    .addParam("safe", "The Safe")
    .addPositionalParam("nonce", "The nonce to reject (safe:pending lists them)", undefined, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    const signer = await signerOf(hre, args);
    const r = await proposeRejection(
      hre,
      { safe, nonce: args.nonce, signer, origin: "safe-treasury-toolkit reject" },
      approver(args.yes, args.json),
    );
    console.log(
      args.json
        ? toJson({ safeTxHash: r.safeTxHash, nonce: r.nonce, replaces: r.replaces, summary: r.summary })
        : `Proposed the rejection of nonce ${r.nonce} as ${r.safeTxHash}` +
            (r.replaces.length
              ? `; once executed it replaces ${r.replaces.join(", ")}.`
              : " (nothing is pending there)."),
    );
  }),
);

task<{ safe: string; json: boolean }>("safe:pending", "List the Safe's pending transactions and their signatures")
  .addParam("safe", "The Safe")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const api = await apiKit(hre);
      const safe = addressArg(args.safe, "safe");
      const pending = await serviceRead("list pending transactions", () => api.getPendingTransactions(safe));
      const rows = pending.results.map((t) => ({
        nonce: t.nonce,
        safeTxHash: t.safeTxHash,
        to: t.to,
        value: t.value,
        signatures: `${t.confirmations?.length ?? 0}/${t.confirmationsRequired}`,
      }));
      console.log(
        args.json
          ? toJson(rows)
          : rows.length
            ? rows.map((r) => Object.values(r).join("  ")).join("\n")
            : "No pending transactions.",
      );
    }),
  );

task<{ safeTxHash: string; out?: string; yes: boolean; json: boolean }>(
  "safe:export",
  "Write a pending transaction's EIP-712 typed data (for eth_signTypedData_v4 on another device) and its hashes",
)
  .addPositionalParam("safeTxHash", "The pending transaction")
  .addOptionalParam("out", "File to write (default: print)")
  .addFlag("yes", "Export without asking after printing the summary")
  .addFlag("json", "Print only the JSON")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const exported = await exportTypedData(hre, args.safeTxHash, approver(args.yes, args.json));
      const text = toJson(exported);
      if (args.out) {
        writeFileSync(args.out, text + "\n");
        console.log(`Wrote ${args.out}: sign its typedData with eth_signTypedData_v4, then run safe:import-signature.`);
      } else {
        console.log(text);
      }
    }),
  );

task<{ safeTxHash: string; signature?: string; file?: string; signer?: string; json: boolean }>(
  "safe:import-signature",
  "Check a signature made elsewhere recovers to an owner, then post it as a confirmation",
)
  .addPositionalParam("safeTxHash", "The pending transaction")
  .addOptionalParam("signature", "The 65-byte signature (0x...)")
  .addOptionalParam("file", "Read the signature from this file instead")
  .addOptionalParam("signer", "The owner you expect it from (checked)")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const signature = args.signature ?? (args.file ? readFileSync(args.file, "utf8").trim() : undefined);
      if (!signature) throw new UserError("Give --signature 0x... or --file with the signature.");
      const r = await importSignature(hre, args.safeTxHash, signature, args.signer);
      console.log(
        args.json
          ? toJson({ safeTxHash: args.safeTxHash, ...r })
          : `Signature of ${r.owner} added: ${r.confirmations} of ${r.threshold}.`,
      );
    }),
  );
