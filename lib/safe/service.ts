import type Safe from "@safe-global/protocol-kit";
import { EthSafeSignature } from "@safe-global/protocol-kit";
import type { SafeMultisigTransactionResponse, SafeTransaction } from "@safe-global/types-kit";

import type { SafeTxFields } from "../summary/types";
import { safeTxData } from "./hashes";
import { partFromConfirmation } from "./signatures";

/**
 * A service's transaction (hosted or embedded) as a protocol-kit SafeTransaction with every confirmation as a
 * signature of the right kind. protocol-kit's own conversion treats every confirmation as an EOA signature, so a
 * contract owner's (EIP-1271) standalone signature lands among the static parts and the Safe reverts with GS021
 * (safe-global/safe-core-sdk#1300); here contract signatures become dynamic parts.
 */
export async function safeTransactionFromService(
  kit: Safe,
  tx: Pick<
    SafeMultisigTransactionResponse,
    | "to"
    | "value"
    | "data"
    | "operation"
    | "safeTxGas"
    | "baseGas"
    | "gasPrice"
    | "gasToken"
    | "refundReceiver"
    | "nonce"
    | "confirmations"
  >,
): Promise<SafeTransaction> {
  const safeTx = await kit.createTransaction({
    transactions: [{ to: tx.to, value: tx.value, data: tx.data ?? "0x", operation: tx.operation }],
    options: {
      safeTxGas: String(tx.safeTxGas),
      baseGas: String(tx.baseGas),
      gasPrice: String(tx.gasPrice),
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: Number(tx.nonce),
    },
  });
  for (const confirmation of tx.confirmations ?? []) {
    const part = partFromConfirmation(confirmation);
    safeTx.addSignature(
      part.type === "CONTRACT_SIGNATURE"
        ? new EthSafeSignature(part.owner, part.data ?? "0x", true)
        : new EthSafeSignature(part.owner, part.signature),
    );
  }
  return safeTx;
}

/**
 * The body of a proposal as api-kit posts it to /v2/safes/{safe}/multisig-transactions/ (integers as decimal
 * strings, the nonce a number), for clients that speak to a service without api-kit (benchmarks, crash tests).
 */
export function proposalBody(tx: SafeTxFields, safeTxHash: string, sender: string, signature: string) {
  return { ...safeTxData(tx), contractTransactionHash: safeTxHash, sender, signature };
}
