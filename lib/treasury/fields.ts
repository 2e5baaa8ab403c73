import { getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import { z } from "zod";

import { GUARD_LIMITS } from "../limits";
import { SENTINEL } from "../safe/state";

/** The zod building blocks of the parameters schema: addresses, accounts, durations, amounts, uniqueness. */

/**
 * An address checked as users type them (checksummed or all-lowercase, with the checksummed form suggested), then
 * refused by `refuse` (a message) when its role forbids it.
 */
function checkedAddress(refuse: (address: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = !isAddress(value)
      ? `"${value}" is not an address (0x + 40 hex digits)`
      : !isLowerOrChecksummed(value)
        ? `"${value}" has a bad checksum: did you mean ${getAddress(value)}?`
        : refuse(getAddress(value));
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/** An owner (or guardian): not the zero address nor Safe's sentinel. */
export const ownerAddress = checkedAddress((a) =>
  [ZeroAddress, SENTINEL].includes(a) ? `${a} cannot be an owner (reserved by Safe)` : undefined,
);

/** Any account (recipient, token, target): checksummed or all-lowercase, not the zero address. */
export const nonZeroAddress = checkedAddress((a) =>
  a === ZeroAddress ? "the zero address is not allowed here" : undefined,
);

export const seconds = (what: string) =>
  z
    .number({ invalid_type_error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(GUARD_LIMITS.minDelay, `${what} must be at least ${GUARD_LIMITS.minDelay} seconds (1 hour)`)
    .max(GUARD_LIMITS.maxDelay, `${what} must be at most ${GUARD_LIMITS.maxDelay} seconds (30 days)`);

/** Reports every repeat of a key in a list, naming both positions. */
export function checkUnique<T>(
  items: T[],
  key: (item: T) => string | undefined,
  where: string,
  what: (item: T) => string,
  ctx: z.RefinementCtx,
  field?: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: field ? [where, i, field] : [where, i],
        message: `duplicate ${what(item)} (also ${where}[${seen.get(k)}])`,
      });
    } else seen.set(k, i);
  });
}

/** A threshold must be between 1 and the size of the set it counts. */
export function checkThreshold(threshold: number, count: number, members: string, ctx: z.RefinementCtx): void {
  if (threshold < 1 || threshold > count) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["threshold"],
      message: `must be between 1 and the number of ${members} (${count}), got ${threshold}`,
    });
  }
}

export const assetKey = (asset: string) => (asset === "ETH" ? asset : asset.toLowerCase());

/** An amount of ETH or of a token, in token units with the token's decimals (so the address stays predictable). */
export const TokenAmount = z
  .object({
    asset: z.string().superRefine((value, ctx) => {
      if (value !== "ETH" && !(isAddress(value) && isLowerOrChecksummed(value) && value !== ZeroAddress)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" must be "ETH" or a token address` });
      }
    }),
    amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount in token units, e.g. "10" or "2.5"'),
    decimals: z.number().int().min(0).max(36).optional(),
  })
  .strict();
export type TokenAmountInput = z.infer<typeof TokenAmount>;

export function checkTokenAmount(c: TokenAmountInput, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (c.asset !== "ETH" && isAddress(c.asset) && c.decimals === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [...path, "decimals"],
      message: "give the token's decimals (e.g. 6 for USDC, 18 for DAI)",
    });
  }
  if (c.asset === "ETH" && c.decimals !== undefined && c.decimals !== 18) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, "decimals"], message: "ETH has 18 decimals" });
  }
  const decimals = c.asset === "ETH" ? 18 : (c.decimals ?? 18);
  if ((c.amount.split(".")[1] ?? "").length > decimals) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [...path, "amount"],
      message: `has more than ${decimals} decimal places`,
    });
  }
}

/** Base units of a validated amount; address(0) stands for ETH. */
export function toBaseUnits(c: TokenAmountInput): { asset: string; amount: bigint } {
  return c.asset === "ETH"
    ? { asset: ZeroAddress, amount: parseUnits(c.amount, 18) }
    : { asset: getAddress(c.asset), amount: parseUnits(c.amount, c.decimals) };
}

export function isLowerOrChecksummed(value: string): boolean {
  const hex = value.slice(2);
  return hex === hex.toLowerCase() || hex === hex.toUpperCase() || getAddress(value) === value;
}
