import { HttpError } from "@safe-global/api-kit";
import type Safe from "@safe-global/protocol-kit";
import { EthSafeSignature } from "@safe-global/protocol-kit";
import type { SafeMultisigTransactionResponse, SafeTransaction } from "@safe-global/types-kit";

import { UserError } from "../errors";
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

export class ServiceRequestError extends UserError {}

/** The service's refusal in words, with its own message (api-kit keeps the body in `data`; its message is often only "Bad Request"). */
function serviceError(what: string, error: unknown): unknown {
  if (!(error instanceof HttpError)) return error;
  const data = error.data === undefined ? "" : ` ${JSON.stringify(error.data).slice(0, 600)}`;
  return new ServiceRequestError(
    `The transaction service refused to ${what} (HTTP ${error.statusCode}): ${error.message}.${data}`,
  );
}

/** A write (propose, confirm): sent once, its refusal explained. */
export async function serviceCall<T>(what: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    throw serviceError(what, error);
  }
}

/** Reads are retried on 429 (rate limit: the hosted service allows a few requests per second) and 5xx. */
export const READ_RETRY = { attempts: 5, firstDelayMs: 500 };

/** A read, retried with exponential backoff (0.5, 1, 2, 4 s) while the service answers 429 or 5xx. */
export async function serviceRead<T>(
  what: string,
  read: () => Promise<T>,
  retry = READ_RETRY,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const transient = error instanceof HttpError && (error.statusCode === 429 || error.statusCode >= 500);
      if (!transient || attempt >= retry.attempts) throw serviceError(what, error);
      await sleep(retry.firstDelayMs * 2 ** (attempt - 1));
    }
  }
}
