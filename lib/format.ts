import Table from "cli-table3";
import { formatUnits } from "ethers";

/** Output helpers shared by tasks and scripts: plain tables for people, JSON (bigints as strings) for machines. */

/** Rows as a borderless table (cli-table3): a header line, then one line per row, columns two spaces apart. */
export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(none)";
  const head = Object.keys(rows[0]);
  const none = ["top", "top-mid", "top-left", "top-right", "bottom", "bottom-mid", "bottom-left", "bottom-right"];
  const sides = ["left", "left-mid", "mid", "mid-mid", "right", "right-mid"];
  const t = new Table({
    head,
    chars: { ...Object.fromEntries([...none, ...sides].map((c) => [c, ""])), middle: "  " },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const row of rows) t.push(head.map((c) => String(row[c] ?? "")));
  return t
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Formats a base-unit amount with the token's decimals and symbol, e.g. 1.5 ETH. */
export function formatAmount(amount: bigint, decimals = 18, symbol = "ETH"): string {
  const text = formatUnits(amount, decimals);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text} ${symbol}`;
}

/** "key: value" lines, aligned. */
export function keyValues(entries: [string, unknown][]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${(k + ":").padEnd(width + 2)}${String(v)}`).join("\n");
}

export const DAY = 86_400;

/** Duration units, largest first, as formatDuration writes them and lib/args durationArg reads them. */
export const DURATION_UNITS = [
  ["d", DAY],
  ["h", 3600],
  ["m", 60],
  ["s", 1],
] as const;

/** "90d", "7d 12h", "1h 30m", "45s": durations as people read them. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of DURATION_UNITS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** A unix time (seconds) as ISO 8601 UTC without milliseconds, e.g. 2026-12-02T07:00:00Z. */
export function isoTime(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
