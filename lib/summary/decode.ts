import { decodeMultiSendData } from "@safe-global/protocol-kit";
import { getAddress, Interface } from "ethers";
import type { Result } from "ethers";

import { formatAmount } from "../format";
import type { AddressBook } from "./names";
import { FUNGIBLE_AMOUNT_FUNCTIONS, safeConfigInterface, safeLibraryInterface, tokenInterface } from "../abi";

/** One call the Safe will make: the transaction itself, or each sub-call of a MultiSendCallOnly batch. */
export interface DecodedCall {
  /** "0" for the transaction itself, "1", "2", ... for batch entries. */
  index: string;
  to: string;
  toName?: string;
  value: bigint;
  operation: 0 | 1;
  data: string;
  /** Function signature, or undefined if the selector is unknown (or there is no data). */
  signature?: string;
  args: { name: string; type: string; value: string; text: string }[];
  /** A human line: "transfer(to: 0x12…34, amount: 1.5 USDC)". */
  text: string;
}

export interface SafeTxLike {
  to: string;
  value: bigint;
  data: string;
  operation: number;
}

const MULTI_SEND_SELECTOR = safeLibraryInterface.getFunction("multiSend")!.selector;

/**
 * Decodes a Safe transaction into the calls it makes. A DELEGATECALL to a canonical MultiSendCallOnly is unpacked
 * with protocol-kit's decoder (each entry a call of its own); to = address(0) in an entry is the Safe itself on 1.5.0
 * and is shown as given. Everything else is one call.
 */
export async function decodeCalls(tx: SafeTxLike, book: AddressBook, safe: string): Promise<DecodedCall[]> {
  const top = await decodeCall("0", tx, book, safe);
  const target = book.get(tx.to);
  if (isQueueWrapper(top, target)) {
    // The owners sign guard.queue(to, value, data, operation): what runs after the delay is the inner transaction,
    // decoded like any other (index "q", its batch entries "q.1", "q.2", ...).
    const [to, value, data, operation] = top.args.map((a) => a.value);
    const inner = await decodeCalls({ to, value: BigInt(value), data, operation: Number(operation) }, book, safe);
    return [
      { ...top, text: `queue for the guard's delay, then run call q${inner.length > 1 ? " and its batch" : ""}` },
      ...inner.map((c) => ({ ...c, index: c.index === "0" ? "q" : `q.${c.index}` })),
    ];
  }
  const isBatch =
    tx.operation === 1 && target?.name.startsWith("MultiSendCallOnly") && tx.data.startsWith(MULTI_SEND_SELECTOR);
  if (!isBatch) return [top];
  let entries: { to: string; value: string; data: string; operation?: number }[];
  try {
    entries = decodeMultiSendData(tx.data);
  } catch {
    return [{ ...top, text: `${top.text} (malformed batch: it cannot be decoded and the guard refuses it)` }];
  }
  const calls = [top];
  for (const [i, e] of entries.entries()) {
    const call = { to: e.to, value: BigInt(e.value), data: e.data, operation: e.operation ?? 0 };
    calls.push(await decodeCall(String(i + 1), call, book, safe));
  }
  return calls;
}

/** guard.queue(...) on a TreasuryGuard the book knows (the Safe's own guard or the toolkit's singleton). */
export function isQueueWrapper(call: DecodedCall, target = undefined as { kind: string } | undefined): boolean {
  return call.signature === "queue(address,uint256,bytes,uint8)" && target?.kind === "toolkit";
}

async function decodeCall(index: string, tx: SafeTxLike, book: AddressBook, safe: string): Promise<DecodedCall> {
  const to = getAddress(tx.to);
  const base: DecodedCall = {
    index,
    to,
    toName: book.get(to)?.name,
    value: tx.value,
    operation: tx.operation === 1 ? 1 : 0,
    data: tx.data,
    args: [],
    text: "",
  };
  const valueText = tx.value !== 0n ? formatAmount(tx.value) : "";
  if (tx.data === "0x" || tx.data.length < 10) {
    return { ...base, text: valueText ? `send ${valueText}` : "call with no data and no value" };
  }
  const candidates: Interface[] = [];
  const own = book.interfaces.get(to.toLowerCase());
  if (own) candidates.push(own);
  if (to.toLowerCase() === safe.toLowerCase()) candidates.push(safeConfigInterface);
  candidates.push(safeLibraryInterface, tokenInterface, safeConfigInterface);
  for (const iface of candidates) {
    const fragment = iface.getFunction(tx.data.slice(0, 10));
    if (!fragment) continue;
    let decoded: Result;
    try {
      decoded = iface.decodeFunctionData(fragment, tx.data);
    } catch {
      return { ...base, signature: fragment.format("sighash"), text: `${fragment.name}(…) with undecodable arguments` };
    }
    const token =
      iface === tokenInterface && FUNGIBLE_AMOUNT_FUNCTIONS.has(fragment.name) ? await book.token(to) : null;
    const args = fragment.inputs.map((input, i) => {
      const value = decoded[i];
      const raw = Array.isArray(value) ? `[${value.map(String).join(", ")}]` : String(value);
      let text = raw;
      if (input.type === "address") text = book.label(String(value));
      else if (token && input.type === "uint256" && /amount/i.test(input.name)) {
        text = formatAmount(value as bigint, token.decimals, token.symbol);
      }
      return { name: input.name, type: input.type, value: raw, text };
    });
    const call = `${fragment.name}(${args.map((a) => `${a.name}: ${a.text}`).join(", ")})`;
    // A token looked up above now has a name in the book.
    base.toName = book.get(to)?.name;
    return {
      ...base,
      signature: fragment.format("sighash"),
      args,
      text: valueText ? `${call} with ${valueText}` : call,
    };
  }
  return { ...base, text: `unknown function ${tx.data.slice(0, 10)}${valueText ? ` with ${valueText}` : ""}` };
}
