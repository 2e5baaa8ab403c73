import { getAddress, isAddress } from "ethers";

import { UserError } from "./errors";
import { DURATION_UNITS } from "./format";

/** Parsers of task arguments that are not one layer's: each returns the typed value or a UserError naming the argument. */

/** A checksummed address from a task argument, or a UserError naming the argument. */
export function addressArg(value: string, name: string): string {
  if (!isAddress(value)) throw new UserError(`--${name} ${value} is not an address (0x + 40 hex digits).`);
  return getAddress(value);
}

/** The non-empty items of a comma-separated argument, trimmed. */
export function listArg(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Comma-separated addresses from a task argument (checksummed, no duplicates), or a UserError naming the argument.
 * With `allowNone`, `none` is the empty list.
 */
export function addressListArg(value: string, name: string, allowNone = false): string[] {
  if (allowNone && value.trim().toLowerCase() === "none") return [];
  const items = listArg(value);
  if (items.length === 0) throw new UserError(`--${name} is empty: give comma-separated addresses.`);
  const seen = new Set<string>();
  return items.map((item, i) => {
    if (!isAddress(item)) {
      throw new UserError(`--${name}: item ${i + 1} "${item}" is not an address (0x + 40 hex digits).`);
    }
    const address = getAddress(item);
    if (seen.has(address)) throw new UserError(`--${name} lists ${address} twice.`);
    seen.add(address);
    return address;
  });
}

/** Addresses in ascending numeric order (the order Safe and its modules take owner sets in). */
export function sortAddresses(addresses: string[]): string[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

const UNIT_SECONDS: Record<string, number> = Object.fromEntries(DURATION_UNITS);

/** Seconds from "3600", "90d", "12h", "30m" or "45s", or a UserError naming the argument. */
export function durationArg(value: string, name: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new UserError(`--${name} ${value} is not a duration: give seconds, or a number with s, m, h or d.`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || "s"];
}
