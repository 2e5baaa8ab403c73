import { task } from "hardhat/config";

import { encodeSignatureCall } from "../lib/calldata";
import { UserError } from "../lib/errors";
import { keyValues, toJson } from "../lib/format";
import { proposeProxyUpgrade, type ProxyKind } from "../lib/upgrade/proxy";
import { addressArg, approver, proposing, senderOf, signerOf, type SignerArgs, userFacing } from "./util";

// The upgrades plugin is loaded by hardhat.config.ts when this task is on the command line (or HARDHAT_UPGRADES=1);
// lib/upgrade/proxy.ts only imports its types, so registering the task does not load it.

interface ProxyArgs extends SignerArgs {
  safe: string;
  proxy: string;
  contract: string;
  from?: string;
  call?: string;
  callArgs?: string;
  check?: string;
  kind?: string;
  nonce?: number;
}

function kindArg(kind: string | undefined): ProxyKind | undefined {
  if (kind === undefined || kind === "uups" || kind === "transparent") return kind;
  throw new UserError(`--kind ${kind} is not a proxy kind: give uups or transparent (or leave it out).`);
}

function callDataArg(call: string | undefined, args: string | undefined): string | undefined {
  if (call === undefined) {
    if (args !== undefined) throw new UserError("--call-args without --call: name the function with --call.");
    return undefined;
  }
  if (/^0x([0-9a-fA-F]{2})*$/.test(call)) return call;
  return encodeSignatureCall(call, args);
}

proposing(
  task<ProxyArgs>(
    "upgrade:proxy",
    "Validate a new implementation's storage layout (OpenZeppelin upgrades plugin), deploy it, and propose the Safe's upgrade of the proxy",
  )
    .addParam("safe", "The Safe that owns the proxy (UUPS) or its ProxyAdmin (transparent)")
    .addParam("proxy", "The ERC-1967 proxy")
    .addParam("contract", "The new implementation's contract name")
    .addOptionalParam("from", "The current implementation's contract name, when the proxy is not in .openzeppelin/")
    .addOptionalParam("call", 'Called on the new implementation during the upgrade: "fn(type,..)" or calldata 0x..')
    .addOptionalParam("callArgs", "The arguments of --call: a,b,c or a JSON array")
    .addOptionalParam(
      "check",
      "A script (export default async (proxy, hre) => {...}) run after a dry run of the upgrade",
    )
    .addOptionalParam("kind", "uups or transparent (default: read from the proxy's slots)"),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    const signer = await signerOf(hre, args);
    const { prepared, proposed } = await proposeProxyUpgrade(
      hre,
      {
        safe,
        proxy: addressArg(args.proxy, "proxy"),
        contract: args.contract,
        from: args.from,
        kind: kindArg(args.kind),
        callData: callDataArg(args.call, args.callArgs),
        check: args.check,
        signer,
        nonce: args.nonce,
        deployer: await senderOf(hre, args),
      },
      approver(args.yes, args.json),
    );
    if (args.json) {
      console.log(
        toJson({ ...prepared, safeTxHash: proposed.safeTxHash, nonce: proposed.nonce, queued: proposed.queued }),
      );
      return;
    }
    console.log(
      keyValues([
        ["proxy", `${prepared.proxy} (${prepared.kind})`],
        ["implementation", `${prepared.currentImplementation} -> ${prepared.newImplementation}`],
        ["upgrade call to", prepared.admin],
        ["check", args.check ? `${args.check} passed on a dry run` : "-"],
        ["proposed", proposed.safeTxHash],
        ["nonce", proposed.nonce],
        ["signed by", signer.address],
        [
          "then",
          proposed.queued
            ? `queued: runs ${proposed.queued.delay} s after it executes (queue:execute)`
            : "runs when executed",
        ],
      ]),
    );
  }),
);
