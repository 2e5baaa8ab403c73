import { readFileSync, writeFileSync } from "node:fs";

import { parseEther, parseUnits, Interface } from "ethers";
import { task, types } from "hardhat/config";

import { UserError } from "../lib/errors";
import { toJson } from "../lib/format";
import { payoutTotals, payoutTransactions, readPayouts } from "../lib/payouts";
import { apiKit } from "../lib/safe/kit";
import {
  confirmTransaction,
  executeTransaction,
  exportTypedData,
  importSignature,
  proposeTransaction,
  serviceCall,
} from "../lib/safe/workflow";
import { addressArg, approver, HELP, proposeCalls, signerOf, type SignerArgs, userFacing } from "./util";

interface ProposeArgs extends SignerArgs {
  safe: string;
  to: string;
  value: string;
  data: string;
  token?: string;
  amount?: string;
  nonce?: number;
}

const erc20 = new Interface([
  "function transfer(address to, uint256 amount)",
  "function decimals() view returns (uint8)",
]);

task<ProposeArgs>(
  "safe:propose",
  "Propose a transfer or call, after showing what it does, and sign it as its first owner",
)
  .addParam("safe", "The Safe")
  .addParam("to", "Recipient or target")
  .addOptionalParam("value", "ETH to send (in ETH, e.g. 1.5)", "0")
  .addOptionalParam("data", "Calldata for a call", "0x")
  .addOptionalParam("token", "ERC20 to transfer instead of ETH (with --amount)")
  .addOptionalParam("amount", "Token amount in the token's units (e.g. 250.5)")
  .addOptionalParam("nonce", HELP.nonce, undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("yes", HELP.yes)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const safe = addressArg(args.safe, "safe");
      const to = addressArg(args.to, "to");
      let transaction = { to, value: parseEther(args.value).toString(), data: args.data };
      if (args.token) {
        if (!args.amount) throw new UserError("--token needs --amount (in the token's units).");
        const token = addressArg(args.token, "token");
        const decimals = Number(await new hre.ethers.Contract(token, erc20, hre.ethers.provider).decimals());
        transaction = {
          to: token,
          value: "0",
          data: erc20.encodeFunctionData("transfer", [to, parseUnits(args.amount, decimals)]),
        };
      }
      await proposeCalls(hre, args, safe, [transaction], "safe-treasury-toolkit");
    }),
  );

interface HashArgs extends SignerArgs {
  safeTxHash: string;
}

task<HashArgs>("safe:confirm", "Show a pending transaction, then add your signature")
  .addPositionalParam("safeTxHash", "The pending transaction")
  .addOptionalParam("signer", HELP.signer)
  .addFlag("yes", HELP.yes)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
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
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const signer = await signerOf(hre, args);
      const r = await executeTransaction(hre, args.safeTxHash, signer);
      console.log(
        args.json
          ? toJson(r)
          : `${r.success ? "Executed" : "Executed, but the Safe reported failure"}: ${r.transactionHash}`,
      );
      if (!r.success) process.exitCode = 1;
    }),
  );

task<{ safe: string; json: boolean }>("safe:pending", "List the Safe's pending transactions and their signatures")
  .addParam("safe", "The Safe")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const api = await apiKit(hre);
      const pending = await serviceCall(
        "list pending transactions",
        api.getPendingTransactions(addressArg(args.safe, "safe")),
      );
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

interface PayoutsArgs extends SignerArgs {
  safe: string;
  csv: string;
  nonce?: number;
}

task<PayoutsArgs>(
  "safe:payouts",
  "Propose the payments of a CSV (recipient,amount,token) as one batch, after checking every row",
)
  .addParam("safe", "The Safe")
  .addParam("csv", "CSV file: header recipient,amount,token; token empty for ETH; amounts in the asset's units")
  .addOptionalParam("nonce", HELP.nonce, undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("yes", HELP.yes)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const safe = addressArg(args.safe, "safe");
      const payouts = await readPayouts(hre.ethers.provider, readFileSync(args.csv, "utf8"));
      if (!args.json) console.log(`${payouts.length} payments: ${payoutTotals(payouts).join("; ")}\n`);
      const signer = await signerOf(hre, args);
      const result = await proposeTransaction(
        hre,
        { safe, transactions: payoutTransactions(payouts), signer, nonce: args.nonce, origin: `payouts ${args.csv}` },
        approver(args.yes, args.json),
      );
      console.log(
        args.json
          ? toJson({ safeTxHash: result.safeTxHash, nonce: result.nonce, payments: payouts.length })
          : `Proposed ${payouts.length} payments as ${result.safeTxHash} (nonce ${result.nonce}).`,
      );
    }),
  );
