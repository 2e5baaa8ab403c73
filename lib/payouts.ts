import type { MetaTransactionData } from "@safe-global/types-kit";
import { parse } from "csv-parse/sync";
import { Contract, getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { UserError } from "./errors";
import { formatAmount } from "./format";
import { erc20Interface } from "./abi";

/**
 * CSV payouts: one row per payment (`token,to,amount`; `recipient` is accepted for `to`; token empty or ETH for ETH,
 * else the ERC20's address; amounts in the asset's units, e.g. 1250.5), turned into MultiSendCallOnly batches. Every
 * row is checked before anything is built; all problems are reported at once with their line numbers, and nothing is
 * proposed while any remains. Batches are split where their estimated gas would pass BATCH_GAS_BOUND.
 */

export interface Payout {
  line: number;
  recipient: string;
  /** ZeroAddress for ETH. */
  asset: string;
  amount: bigint;
  symbol: string;
  decimals: number;
}

export class PayoutError extends UserError {}

/** The most rows one file holds (10 batches of the largest size): beyond it, split the file. */
export const MAX_PAYOUTS = 2500;

/**
 * Gas one payment may cost inside a guarded batch, on the high side: an ETH transfer to a new account (25,000 + the
 * call) or an ERC20 transfer to a new holder (about 30,000 cold), plus MultiSendCallOnly's loop and the guard's
 * per-call decoding and cap ledger (docs/benchmarks.md).
 */
export const PAYMENT_GAS = { eth: 40_000, token: 75_000 } as const;

/** The most gas one batch is planned to use: a third of a 30M block, so it is included without a fight. */
export const BATCH_GAS_BOUND = 10_000_000;

interface Row {
  to?: string;
  amount?: string;
  token?: string;
}

const header = (columns: string[]) =>
  columns.map((c) => {
    const name = c.trim().toLowerCase();
    return name === "recipient" ? "to" : name;
  });

export async function readPayouts(
  provider: Provider,
  csv: string,
  onProgress?: (checked: number, total: number) => void,
): Promise<Payout[]> {
  let rows: Row[];
  let lines: number[];
  try {
    const records = parse(csv, {
      columns: header,
      skip_empty_lines: true,
      trim: true,
      comment: "#",
      info: true,
    }) as { record: Row; info: { lines: number } }[];
    rows = records.map((r) => r.record);
    lines = records.map((r) => r.info.lines);
  } catch (error) {
    throw new PayoutError(`The CSV cannot be read: ${(error as Error).message}. Expected a header "token,to,amount".`);
  }
  if (rows.length === 0) throw new PayoutError('The CSV has no payments: one row per payment under "token,to,amount".');
  if (rows.length > MAX_PAYOUTS)
    throw new PayoutError(`The CSV has ${rows.length} payments; at most ${MAX_PAYOUTS} go in one file: split it.`);
  if (!("to" in rows[0]) || !("amount" in rows[0])) {
    throw new PayoutError('The CSV header must name "to" (or "recipient") and "amount", and optionally "token".');
  }
  const tokens = new Map<string, Promise<{ symbol: string; decimals: number } | undefined>>();
  const tokenInfo = (address: string) => {
    if (!tokens.has(address)) {
      const c = new Contract(address, erc20Interface, provider);
      tokens.set(
        address,
        Promise.all([c.decimals(), c.symbol()]).then(
          ([decimals, symbol]) => ({ decimals: Number(decimals), symbol: String(symbol) }),
          () => undefined,
        ),
      );
    }
    return tokens.get(address)!;
  };
  const problems: string[] = [];
  const payouts: Payout[] = [];
  for (const [i, row] of rows.entries()) {
    if (onProgress && i > 0 && i % 100 === 0) onProgress(i, rows.length);
    const line = lines[i];
    const recipient = row.to ?? "";
    const mixedCase = /^0x[0-9a-fA-F]{40}$/.test(recipient) && recipient.slice(2) !== recipient.slice(2).toLowerCase();
    if (mixedCase && !isAddress(recipient)) {
      problems.push(
        `line ${line}: recipient ${recipient} has a wrong checksum (a typo?); the checksummed form is required.`,
      );
      continue;
    }
    if (!isAddress(recipient)) {
      problems.push(`line ${line}: recipient "${recipient}" is not an address.`);
      continue;
    }
    if (getAddress(recipient) === ZeroAddress) {
      problems.push(`line ${line}: recipient is the zero address.`);
      continue;
    }
    let asset = ZeroAddress;
    let info: { symbol: string; decimals: number } | undefined = { symbol: "ETH", decimals: 18 };
    if (row.token && row.token.toUpperCase() !== "ETH") {
      if (!isAddress(row.token)) {
        problems.push(`line ${line}: token "${row.token}" is not an address (leave it empty for ETH).`);
        continue;
      }
      asset = getAddress(row.token);
      info = await tokenInfo(asset);
      if (!info) {
        problems.push(`line ${line}: ${asset} does not answer decimals() and symbol(): not an ERC20 on this chain.`);
        continue;
      }
    }
    let amount: bigint;
    try {
      if (!/^\d+(\.\d+)?$/.test(row.amount ?? "")) throw new Error("not a plain decimal");
      amount = parseUnits(row.amount!, info.decimals);
    } catch {
      problems.push(
        `line ${line}: amount "${row.amount ?? ""}" is not a positive ${info.symbol} amount with at most ${info.decimals} decimals.`,
      );
      continue;
    }
    if (amount === 0n) {
      problems.push(`line ${line}: amount is 0.`);
      continue;
    }
    payouts.push({ line, recipient: getAddress(recipient), asset, amount, ...info });
  }
  const seen = new Map<string, number>();
  for (const p of payouts) {
    const key = `${p.recipient}/${p.asset}/${p.amount}`;
    if (seen.has(key))
      problems.push(`line ${p.line}: the same payment as line ${seen.get(key)} (remove one, or change the amount).`);
    else seen.set(key, p.line);
  }
  if (problems.length > 0) {
    throw new PayoutError(
      `The CSV has ${problems.length} problem(s); nothing was proposed:\n  ${problems.join("\n  ")}`,
    );
  }
  return payouts;
}

/** Splits the payments, in the CSV's order, into batches whose estimated gas stays within `bound`. */
export function payoutBatches(payouts: Payout[], bound = BATCH_GAS_BOUND): Payout[][] {
  const batches: Payout[][] = [];
  let gas = 0;
  for (const p of payouts) {
    const cost = p.asset === ZeroAddress ? PAYMENT_GAS.eth : PAYMENT_GAS.token;
    if (batches.length === 0 || gas + cost > bound) {
      batches.push([]);
      gas = 0;
    }
    batches[batches.length - 1].push(p);
    gas += cost;
  }
  return batches;
}

/** The batch's calls: ETH transfers and ERC20 transfer()s, in the CSV's order. */
export function payoutTransactions(payouts: Payout[]): MetaTransactionData[] {
  return payouts.map((p) =>
    p.asset === ZeroAddress
      ? { to: p.recipient, value: p.amount.toString(), data: "0x" }
      : { to: p.asset, value: "0", data: erc20Interface.encodeFunctionData("transfer", [p.recipient, p.amount]) },
  );
}

/** Totals per asset, in the asset's units. */
export function payoutTotals(payouts: Payout[]): string[] {
  const totals = new Map<string, { amount: bigint; symbol: string; decimals: number; count: number }>();
  for (const p of payouts) {
    const t = totals.get(p.asset) ?? { amount: 0n, symbol: p.symbol, decimals: p.decimals, count: 0 };
    t.amount += p.amount;
    t.count += 1;
    totals.set(p.asset, t);
  }
  return [...totals.values()].map((t) => `${formatAmount(t.amount, t.decimals, t.symbol)} in ${t.count} payment(s)`);
}
