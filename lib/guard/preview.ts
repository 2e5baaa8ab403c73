import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { amountOf, describeVerdict, type Verdict } from "./policy";

export interface PolicyPreview extends Verdict {
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
  const [verdict, reason, outflows] = await guard.classify(
    safe,
    tx.to,
    BigInt(tx.value ?? 0),
    tx.data ?? "0x",
    tx.operation ?? 0,
    BigInt(tx.gasPrice ?? 0),
  );
  const described = describeVerdict({ verdict, reason, outflows });
  const moving = described.outflows.map((o) => amountOf(o.asset, o.amount)).join(", ");
  const what = moving ? `moves ${moving}` : "moves nothing";
  const summary =
    described.verdict === "instant"
      ? `instant: ${what}, ${described.explanation}`
      : described.verdict === "delayed"
        ? `delayed: ${what}; ${described.explanation}`
        : `forbidden: ${described.explanation}`;
  return { ...described, summary };
}
