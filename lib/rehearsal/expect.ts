import { readFileSync } from "node:fs";

import { getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import { z } from "zod";

import { describeAsset } from "../assets";
import { UserError } from "../errors";
import type { Check } from "./invariants";
import { balanceChanges, type Observation } from "./observe";

/**
 * What a team states about a rehearsal beyond the built-in invariants (`--expect FILE`, JSON), checked over the whole
 * run (every rehearsed transaction together):
 *
 *   { "balances": [{ "account": "0x..", "asset": "ETH" | "0xToken", "change": "+100" }],
 *     "owners": ["0x..", ...], "threshold": 2, "guard": "0x..", "singleton": "0x..", "version": "1.5.0" }
 *
 * `change` is signed, in the asset's units (its decimals read from the chain): "+100" for "grows by 100 USDC".
 */
const address = z.string().refine((v) => isAddress(v), { message: "must be a 0x address" });
const schema = z
  .object({
    balances: z
      .array(
        z
          .object({
            account: address,
            asset: z.union([z.literal("ETH"), address]),
            change: z.string().regex(/^[+-]?\d+(\.\d+)?$/, 'must be a signed decimal such as "+100" or "-0.5"'),
          })
          .strict(),
      )
      .optional(),
    owners: z.array(address).optional(),
    threshold: z.number().int().positive().optional(),
    guard: address.optional(),
    singleton: address.optional(),
    version: z.string().optional(),
  })
  .strict();
export type Expectations = z.infer<typeof schema>;

export function readExpectations(file: string): Expectations {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UserError(`Cannot read --expect ${file}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new UserError(`--expect ${file} is not a valid expectations file: ${issues}.`);
  }
  return parsed.data;
}

export async function checkExpectations(
  provider: Provider,
  expect: Expectations,
  run: { fromBlock: number; toBlock: number; after: Observation },
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const b of expect.balances ?? []) {
    const asset = b.asset === "ETH" ? ZeroAddress : getAddress(b.asset);
    const info = await describeAsset(provider, asset);
    const wanted = parseUnits(b.change.replace(/^\+/, ""), info.decimals);
    const [change] = await balanceChanges(provider, [getAddress(b.account)], [asset], run.fromBlock, run.toBlock);
    const got = change?.delta ?? 0n;
    checks.push({
      name: "expect",
      ok: got === wanted,
      detail:
        `balance of ${b.account} in ${info.symbol} changes by ${b.change}` +
        (got === wanted ? "" : ` (it changed by ${got} base units)`),
    });
  }
  const state = run.after.state;
  const same = (a: string, b: string) => getAddress(a) === getAddress(b);
  if (expect.owners) {
    const ok =
      expect.owners.length === state.owners.length && expect.owners.every((o) => state.owners.some((x) => same(o, x)));
    checks.push({
      name: "expect",
      ok,
      detail: `owners are ${expect.owners.join(", ")}` + (ok ? "" : ` (they are ${state.owners.join(", ")})`),
    });
  }
  const fields = [
    ["threshold", expect.threshold, state.threshold],
    ["guard", expect.guard, state.guard],
    ["singleton", expect.singleton, state.singleton],
    ["version", expect.version, state.version],
  ] as const;
  for (const [name, wanted, got] of fields) {
    if (wanted === undefined) continue;
    const ok =
      typeof wanted === "string" && isAddress(wanted) ? same(wanted, String(got)) : String(wanted) === String(got);
    checks.push({ name: "expect", ok, detail: `${name} is ${wanted}` + (ok ? "" : ` (it is ${got})`) });
  }
  return checks;
}
