import type SafeApiKit from "@safe-global/api-kit";
import type { SafeMultisigTransactionResponse, SafeTransaction } from "@safe-global/types-kit";
import { getAddress, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../../errors";
import { buildSummary, type SafeTxFields, type SignerSummary } from "../../summary";
import { serviceRead } from "../service";

/**
 * The one propose -> confirm -> execute path over a Safe Transaction Service (hosted or embedded), used by the
 * tasks. Nobody signs what the tool has not shown: every signing step builds the signer-safety summary first and
 * hands it to `approve`, which shows it and decides; a transaction the guard forbids is refused before anyone signs.
 */

/** Shows the summary and says whether to go on (a prompt, or --yes). */
export type Approve = (summary: SignerSummary) => Promise<boolean>;

export function fieldsOf(tx: SafeTransaction["data"] | SafeMultisigTransactionResponse): SafeTxFields {
  return {
    to: getAddress(tx.to),
    value: BigInt(tx.value),
    data: tx.data ?? "0x",
    operation: Number(tx.operation),
    safeTxGas: BigInt(tx.safeTxGas),
    baseGas: BigInt(tx.baseGas),
    gasPrice: BigInt(tx.gasPrice),
    gasToken: getAddress(tx.gasToken ?? ZeroAddress),
    refundReceiver: getAddress(tx.refundReceiver ?? ZeroAddress),
    nonce: BigInt(tx.nonce),
  };
}

export async function summarize(hre: HardhatRuntimeEnvironment, safe: string, fields: SafeTxFields, api: SafeApiKit) {
  const history = await serviceRead("list the Safe's history", () =>
    api.getMultisigTransactions(safe, { executed: true }),
  );
  const paidBefore = new Set(history.results.map((t) => getAddress(t.to)));
  const summary = await buildSummary(hre, safe, fields, { paidBefore });
  if (!("unavailable" in summary.verdict) && summary.verdict.verdict === "forbidden") {
    throw new UserError(
      `The Safe's guard forbids this transaction (${summary.verdict.reason}: ${summary.verdict.explanation}). ` +
        "Nothing was signed.",
    );
  }
  return summary;
}

export async function approved(approve: Approve, summary: SignerSummary): Promise<void> {
  if (!(await approve(summary))) throw new UserError("Not signed: you declined after reading the summary.");
}

/** Loads a transaction from the service and checks it can still be signed. */
export async function pendingTransaction(api: SafeApiKit, safeTxHash: string) {
  const tx = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  if (tx.isExecuted) throw new UserError(`${safeTxHash} was already executed in ${tx.transactionHash}.`);
  return tx;
}
