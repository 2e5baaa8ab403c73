import { ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { formatAmount } from "../format";

/** Verdicts and reasons in ITreasuryGuard's enum order. */
export const VERDICTS = ["instant", "delayed", "forbidden"] as const;
export type VerdictName = (typeof VERDICTS)[number];

export const REASONS = [
  "within policy",
  "an outflow exceeds the remaining rolling 24h capacity of its asset",
  "an outflow of an asset that has no cap",
  "an outflow, allowance or operator to an address that is not whitelisted",
  "a call to a contract (or selector) that is not trusted",
  "a guard setting made less strict",
  "a privileged call on the Safe itself (owners, modules, guards, fallback handler)",
  "an ERC777 operator: unlimited authority over the Safe's tokens",
  "a DELEGATECALL to a Safe library (SafeMigration, SignMessageLib)",
  "a DELEGATECALL to a contract that is not a known Safe library",
  "a DELEGATECALL to MultiSend, which allows nested DELEGATECALLs (use MultiSendCallOnly)",
  "a non-zero gasPrice: the refund would move value outside the ledger",
  "a call to the guard that a Safe never needs",
] as const;

export interface PolicyPreview {
  verdict: VerdictName;
  reason: string;
  outflows: { asset: string; amount: bigint }[];
  /** One sentence for people, shown before anyone signs. */
  summary: string;
}

export interface PreviewTx {
  to: string;
  value?: bigint | string;
  data?: string;
  operation?: number;
  gasPrice?: bigint | string;
}

/** Asks the guard how it will treat a Safe transaction (its on-chain classify view), before anyone signs. */
export async function previewTransaction(
  hre: HardhatRuntimeEnvironment,
  guardAddress: string,
  safe: string,
  tx: PreviewTx,
): Promise<PolicyPreview> {
  const guard = await hre.ethers.getContractAt("TreasuryGuard", guardAddress);
  const [verdictIndex, reasonIndex, rawOutflows] = await guard.classify(
    safe,
    tx.to,
    BigInt(tx.value ?? 0),
    tx.data ?? "0x",
    tx.operation ?? 0,
    BigInt(tx.gasPrice ?? 0),
  );
  const verdict = VERDICTS[Number(verdictIndex)];
  const reason = REASONS[Number(reasonIndex)] ?? `reason #${reasonIndex}`;
  const outflows = rawOutflows.map((o) => ({ asset: o.asset, amount: o.amount }));
  const moving = outflows
    .map((o) => (o.asset === ZeroAddress ? formatAmount(o.amount) : `${o.amount} of token ${o.asset}`))
    .join(", ");
  const what = moving ? `moves ${moving}` : "moves nothing";
  const summary =
    verdict === "instant"
      ? `instant: ${what}, within policy`
      : verdict === "delayed"
        ? `delayed (queue it and wait the Safe's delay): ${what}; ${reason}`
        : `forbidden: ${reason}`;
  return { verdict, reason, outflows, summary };
}
