import { readFileSync, writeFileSync } from "node:fs";

import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { describeAsset, formatAsset, parseAmount, resolveAsset } from "../lib/assets";
import { UserError } from "../lib/errors";
import { isoTime, keyValues, table, toJson } from "../lib/format";
import {
  allowanceAssets,
  allowanceChange,
  compactSignature,
  parseSignedSpend,
  readAllowances,
  relaySpend,
  revokeChange,
  signRelayedSpend,
  spendDirect,
  spendingModule,
  type SignedSpend,
} from "../lib/modules/allowance";
import { accountSigner, checkChain, ethersSigner } from "../lib/signer";
import { addressArg, HELP, proposeCalls, type SignerArgs, userFacing, proposing } from "./util";

const ORIGIN = "safe-treasury-toolkit allowance";
const MODULE = "The SpendingLimitModule (default: the toolkit's singleton on this chain)";
const FROM_BLOCK = "First block to read the module's events from (allowances are found through them)";
const ASSET = 'ETH, a token address, or the symbol of a token the Safe\'s allowances or caps name (e.g. "USDC")';

interface AssetArgs {
  safe: string;
  asset: string;
  module?: string;
  fromBlock: number;
}

/** The Safe, its enabled module and the asset the arguments name. */
async function resolved(hre: HardhatRuntimeEnvironment, args: AssetArgs) {
  const safe = addressArg(args.safe, "safe");
  const module = await spendingModule(hre, safe, args.module && addressArg(args.module, "module"));
  const known = () => allowanceAssets(hre.ethers.provider, module, safe, args.fromBlock);
  const asset = await resolveAsset(hre.ethers.provider, args.asset, "asset", known);
  return { safe, module, asset };
}

interface SetArgs extends SignerArgs, AssetArgs {
  delegate: string;
  amount: string;
  nonce?: number;
}

proposing(
  task<SetArgs>(
    "allowance:set",
    "Propose a delegate's rolling 24h allowance of an asset (lowering is instant; raising waits in the guard's queue)",
  )
    .addParam("safe", "The Safe")
    .addParam("delegate", "The account that may spend without owner signatures")
    .addParam("asset", ASSET)
    .addParam("amount", "The allowance per rolling 24h, in the asset's units (e.g. 2.5)")
    .addOptionalParam("module", MODULE)
    .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const { safe, module, asset } = await resolved(hre, args);
    const delegate = addressArg(args.delegate, "delegate");
    const amount = parseAmount(args.amount, asset, "amount", { allowZero: true });
    const change = await allowanceChange(module, safe, delegate, asset.address, amount);
    if (!args.json) {
      console.log(
        `${change.method}: ${delegate} from ${formatAsset(change.current, asset)} to ${formatAsset(amount, asset)} per 24h\n`,
      );
    }
    await proposeCalls(hre, args, safe, [change.transaction], ORIGIN);
  }),
);

proposing(
  task<Omit<SetArgs, "amount">>(
    "allowance:revoke",
    "Propose revoking a delegate's allowance of an asset (instant; voids its outstanding relay signatures for good)",
  )
    .addParam("safe", "The Safe")
    .addParam("delegate", "The delegate")
    .addParam("asset", ASSET)
    .addOptionalParam("module", MODULE)
    .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const { safe, module, asset } = await resolved(hre, args);
    const change = await revokeChange(module, safe, addressArg(args.delegate, "delegate"), asset.address);
    await proposeCalls(hre, args, safe, [change.transaction], ORIGIN);
  }),
);

task<{ safe: string; delegate?: string; module?: string; fromBlock: number; json: boolean }>(
  "allowance:show",
  "Show a Safe's delegate allowances (or one delegate's) with what is left now and when it grows",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("delegate", "Only this delegate")
  .addOptionalParam("module", MODULE)
  .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const safe = addressArg(args.safe, "safe");
      const module = await spendingModule(hre, safe, args.module && addressArg(args.module, "module"));
      const view = await readAllowances(hre.ethers.provider, module, safe, {
        delegate: args.delegate && addressArg(args.delegate, "delegate"),
        fromBlock: args.fromBlock,
      });
      if (args.json) {
        console.log(toJson(view));
        return;
      }
      console.log(
        keyValues([
          ["safe", view.safe],
          ["module", view.module],
          ["recipient registry", view.recipientRegistry],
        ]),
      );
      console.log(
        "\n" +
          table(
            view.allowances.map((a) => {
              const asset = { ...a, address: a.asset };
              return {
                delegate: a.delegate,
                asset: `${a.symbol} ${a.asset}`,
                "per 24h": formatAsset(a.allowance, asset),
                spent: formatAsset(a.spent, asset),
                "left now": formatAsset(a.available, asset),
                "grows at": a.nextIncreaseAt === null ? "-" : isoTime(a.nextIncreaseAt),
              };
            }),
          ),
      );
    }),
  );

interface SpendArgs extends AssetArgs {
  to?: string;
  amount?: string;
  signer?: string;
  ledger?: boolean;
  relay: boolean;
  out?: string;
  validFor: number;
  file?: string;
  signature?: string;
  delegate?: string;
  deadline?: string;
  json: boolean;
}

task<SpendArgs>(
  "allowance:spend",
  "Spend a delegate's allowance: directly, or --relay to sign it for a relayer, or --file/--signature to relay one",
)
  .addParam("safe", "The Safe")
  .addOptionalParam("asset", ASSET, "ETH")
  .addOptionalParam("to", "The recipient (whitelisted for the delegate, or in the Safe's registry)")
  .addOptionalParam("amount", "The amount in the asset's units (e.g. 0.5)")
  .addOptionalParam("module", MODULE)
  .addOptionalParam("fromBlock", FROM_BLOCK, 0, types.int)
  .addOptionalParam(
    "signer",
    "The delegate (or, relaying, the relayer): an unlocked local account, else PRIVATE_KEY/MNEMONIC",
  )
  .addFlag("ledger", "Sign or send with the Ledger account LEDGER_ACCOUNT (through @nomicfoundation/hardhat-ledger)")
  .addFlag("relay", "Do not send: sign the spend (EIP-712) for a relayer and write it as JSON")
  .addOptionalParam("out", "With --relay: the file to write (default: print)")
  .addOptionalParam("validFor", "With --relay: seconds the signature stays valid", 3600, types.int)
  .addOptionalParam("file", "Relay the spend in this JSON file (written by --relay), as the --signer account")
  .addOptionalParam("signature", "Relay this signature (0x...) of the spend given by the other arguments")
  .addOptionalParam("delegate", "With --signature: the delegate who signed")
  .addOptionalParam("deadline", "With --signature: the deadline it was signed with (unix seconds)")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      await checkChain(hre);
      if ([args.relay, args.file !== undefined, args.signature !== undefined].filter(Boolean).length > 1) {
        throw new UserError("Give at most one of --relay, --file and --signature.");
      }
      const safe = addressArg(args.safe, "safe");
      const module = await spendingModule(hre, safe, args.module && addressArg(args.module, "module"));
      const provider = hre.ethers.provider;

      if (args.file !== undefined) {
        const signed = parseSignedSpend(readFileSync(args.file, "utf8"), args.file);
        if (signed.safe !== safe) throw new UserError(`${args.file} is a spend of ${signed.safe}, not of ${safe}.`);
        return relayed(hre, module, signed, args);
      }

      const asset = await resolveAsset(provider, args.asset, "asset", () =>
        allowanceAssets(provider, module, safe, args.fromBlock),
      );
      if (args.to === undefined || args.amount === undefined) throw new UserError("Give --to and --amount.");
      const request = {
        safe,
        asset: asset.address,
        to: addressArg(args.to, "to"),
        amount: parseAmount(args.amount, asset, "amount"),
      };

      if (args.signature !== undefined) {
        if (args.delegate === undefined || args.deadline === undefined || !/^\d+$/.test(args.deadline)) {
          throw new UserError(
            "--signature needs --delegate and --deadline (unix seconds) as the delegate signed them.",
          );
        }
        const delegate = addressArg(args.delegate, "delegate");
        const { chainId } = await provider.getNetwork();
        const signed: SignedSpend = {
          ...request,
          module: await module.getAddress(),
          chainId,
          delegate,
          nonce: (await module.getNonce(safe, delegate, asset.address)) as bigint,
          deadline: BigInt(args.deadline),
          ...compactSignature(args.signature, "signature"),
        };
        return relayed(hre, module, signed, args);
      }

      const delegate = await ethersSigner(
        hre,
        await accountSigner(hre, { unlocked: args.signer, ledger: args.ledger }, "delegate"),
      );
      if (args.relay) {
        const signed = await signRelayedSpend(module, delegate, request, args.validFor);
        const text = toJson(signed);
        if (args.out) {
          writeFileSync(args.out, text + "\n");
          console.log(
            args.json
              ? toJson({ out: args.out, deadline: signed.deadline })
              : `Wrote ${args.out}: a relayer sends it with allowance:spend --safe ${safe} --file ${args.out} ` +
                  `before ${isoTime(signed.deadline)}.`,
          );
        } else console.log(text);
        return;
      }
      const r = await spendDirect(module, delegate, request);
      console.log(
        args.json
          ? toJson({ ...r, ...request })
          : `Spent ${formatAsset(request.amount, asset)} to ${request.to}: ${r.transactionHash}`,
      );
    }),
  );

async function relayed(
  hre: HardhatRuntimeEnvironment,
  module: Awaited<ReturnType<typeof spendingModule>>,
  signed: SignedSpend,
  args: SpendArgs,
) {
  const relayer = await ethersSigner(
    hre,
    await accountSigner(hre, { unlocked: args.signer, ledger: args.ledger }, "relayer"),
  );
  const r = await relaySpend(module, relayer, signed);
  const amount = formatAsset(signed.amount, await describeAsset(hre.ethers.provider, signed.asset));
  console.log(
    args.json
      ? toJson({ ...r, delegate: signed.delegate, to: signed.to, amount: signed.amount, asset: signed.asset })
      : `Relayed ${signed.delegate}'s spend of ${amount} to ${signed.to}: ${r.transactionHash}`,
  );
}
