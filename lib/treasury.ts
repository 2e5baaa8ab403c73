import { readFileSync } from "node:fs";
import { getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { z } from "zod";

import { UserError } from "./errors";
import { guardSetupHook, type GuardPolicy } from "./guard/install";
import { deployToolkit, toolkitAddress } from "./toolkit";
import TreasuryModule, { TREASURY_MODULE_ID } from "../deploy/modules/Treasury";
import { canonicalContract, DEFAULT_SAFE_VERSION, SAFE_VERSIONS, type SafeVersion } from "./safe/canonical";
import { resolveSafeSetup, type ResolvedSafeSetup } from "./safe/create";

/** The example treasury (2-of-3 on Hardhat's first three accounts) used by the demo and the fork rehearsal. */
export const EXAMPLE_PARAMETERS = "deploy/parameters/example.json";

/** Raised for a bad parameters file: lists every field at fault; nothing has been sent when it is thrown. */
export class TreasuryParamsError extends UserError {
  constructor(
    readonly problems: { field: string; message: string }[],
    source: string,
  ) {
    super(
      `Invalid treasury parameters in ${source}; nothing was sent:\n` +
        problems.map((p) => `  ${p.field}: ${p.message}`).join("\n"),
    );
  }
}

const SENTINEL = "0x0000000000000000000000000000000000000001";

const address = z.string().superRefine((value, ctx) => {
  if (!isAddress(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" is not an address (0x + 40 hex digits)` });
  } else if (!isLowerOrChecksummed(value)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" has a bad checksum: did you mean ${getAddress(value)}?`,
    });
  } else if ([ZeroAddress, SENTINEL].includes(getAddress(value))) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${value} cannot be an owner (reserved by Safe)` });
  }
});

/** Any account (recipient, token, target): checksummed or all-lowercase, not the zero address. */
const account = z.string().superRefine((value, ctx) => {
  if (!isAddress(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" is not an address (0x + 40 hex digits)` });
  } else if (!isLowerOrChecksummed(value)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" has a bad checksum: did you mean ${getAddress(value)}?`,
    });
  } else if (getAddress(value) === ZeroAddress) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "the zero address is not allowed here" });
  }
});

const seconds = (what: string) =>
  z
    .number({ invalid_type_error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(3600, `${what} must be at least 3600 seconds (1 hour)`)
    .max(30 * 86400, `${what} must be at most 2592000 seconds (30 days)`);

/** The TreasuryGuard's initial policy, installed in the Safe's creation transaction. */
const GuardSchema = z
  .object({
    caps: z
      .array(
        z
          .object({
            asset: z.string().superRefine((value, ctx) => {
              if (value !== "ETH" && !(isAddress(value) && isLowerOrChecksummed(value) && value !== ZeroAddress)) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" must be "ETH" or a token address` });
              }
            }),
            amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount in token units, e.g. "10" or "2.5"'),
            decimals: z.number().int().min(0).max(36).optional(),
          })
          .strict(),
      )
      .default([]),
    recipients: z.array(account).default([]),
    trustedTargets: z.array(account).default([]),
    trustedSelectors: z
      .array(
        z
          .object({ target: account, selector: z.string().regex(/^0x[0-9a-fA-F]{8}$/, "must be a 4-byte selector") })
          .strict(),
      )
      .default([]),
    delay: seconds("delay").optional(),
    expiry: seconds("expiry").optional(),
    recoveryModule: account.optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    const seen = new Map<string, number>();
    g.caps.forEach((c, i) => {
      const key = c.asset === "ETH" ? c.asset : c.asset.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["caps", i, "asset"],
          message: `duplicate cap for ${c.asset} (also caps[${seen.get(key)}])`,
        });
      } else seen.set(key, i);
      if (c.asset !== "ETH" && isAddress(c.asset) && c.decimals === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["caps", i, "decimals"],
          message: "give the token's decimals (e.g. 6 for USDC, 18 for DAI)",
        });
      }
      const decimals = c.asset === "ETH" ? 18 : (c.decimals ?? 18);
      if (c.asset === "ETH" && c.decimals !== undefined && c.decimals !== 18) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["caps", i, "decimals"], message: "ETH has 18 decimals" });
      }
      const fraction = c.amount.split(".")[1] ?? "";
      if (fraction.length > decimals) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["caps", i, "amount"],
          message: `has more than ${decimals} decimal places`,
        });
      }
    });
  });

function isLowerOrChecksummed(value: string): boolean {
  const hex = value.slice(2);
  return hex === hex.toLowerCase() || hex === hex.toUpperCase() || getAddress(value) === value;
}

const TreasuryParamsSchema = z
  .object({
    owners: z.array(address).min(1, "give at least one owner"),
    threshold: z.number({ invalid_type_error: "must be a number" }).int("must be a whole number"),
    saltNonce: z
      .union([z.string().regex(/^\d+$/, "must be a decimal integer"), z.number().int().nonnegative()])
      .default("0")
      .transform((v) => BigInt(v)),
    safeVersion: z
      .enum(SAFE_VERSIONS, { errorMap: () => ({ message: `must be one of ${SAFE_VERSIONS.join(", ")}` }) })
      .default(DEFAULT_SAFE_VERSION),
    l2: z.boolean().default(false),
    setupTo: address.optional(),
    setupData: z
      .string()
      .regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x-prefixed hex bytes")
      .optional(),
    guard: GuardSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.owners.forEach((o, i) => {
      if (!isAddress(o)) return;
      const key = o.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["owners", i],
          message: `duplicate owner ${o} (also owners[${seen.get(key)}])`,
        });
      } else seen.set(key, i);
    });
    if (p.threshold < 1 || p.threshold > p.owners.length) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["threshold"],
        message: `must be between 1 and the number of owners (${p.owners.length}), got ${p.threshold}`,
      });
    }
    if (p.guard && p.setupTo !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["setupTo"],
        message: "the guard is installed through the setup hook: give either guard or setupTo/setupData",
      });
    }
    if ((p.setupTo === undefined) !== (p.setupData === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["setupTo"], message: "setupTo and setupData go together" });
    }
  });

export type TreasuryParams = z.infer<typeof TreasuryParamsSchema> & { safeVersion: SafeVersion };

function fieldName(path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${part}`),
    TREASURY_MODULE_ID,
  );
}

/** Validates an Ignition parameters object ({ "Treasury": {...} }); throws TreasuryParamsError naming each field. */
export function parseTreasuryParams(raw: unknown, source = "parameters"): TreasuryParams {
  const section = (raw as Record<string, unknown> | null)?.[TREASURY_MODULE_ID];
  if (section === undefined) {
    throw new TreasuryParamsError(
      [{ field: TREASURY_MODULE_ID, message: 'missing: the file needs a "Treasury" object' }],
      source,
    );
  }
  const parsed = TreasuryParamsSchema.safeParse(section);
  if (!parsed.success) {
    throw new TreasuryParamsError(
      parsed.error.issues.map((i) => ({ field: fieldName(i.path), message: i.message })),
      source,
    );
  }
  return { ...parsed.data, owners: parsed.data.owners.map((o) => getAddress(o)) };
}

export function readTreasuryParams(file: string): TreasuryParams {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new TreasuryParamsError([{ field: "(file)", message: (error as Error).message }], file);
  }
  return parseTreasuryParams(raw, file);
}

/** The guard section as the policy lib/guard/install.ts writes (amounts in base units). */
export function guardPolicy(guard: NonNullable<TreasuryParams["guard"]>): GuardPolicy {
  return {
    caps: guard.caps.map((c) => ({
      asset: c.asset === "ETH" ? ZeroAddress : getAddress(c.asset),
      cap: parseUnits(c.amount, c.asset === "ETH" ? 18 : c.decimals),
    })),
    recipients: guard.recipients.map((r) => getAddress(r)),
    trustedTargets: guard.trustedTargets.map((t) => getAddress(t)),
    trustedSelectors: guard.trustedSelectors.map((t) => ({ target: getAddress(t.target), selector: t.selector })),
    delay: guard.delay,
    expiry: guard.expiry,
    recoveryModule: guard.recoveryModule && getAddress(guard.recoveryModule),
  };
}

/** Addresses of the toolkit singletons the parameters install (the same on every chain). */
export interface ToolkitAddresses {
  guard?: string;
}

/** Resolves the toolkit singletons the parameters need (reads compiled artifacts, not the chain). */
export async function toolkitAddressesFor(
  hre: HardhatRuntimeEnvironment,
  params: TreasuryParams,
): Promise<ToolkitAddresses> {
  return params.guard ? { guard: await toolkitAddress(hre, "TreasuryGuard") } : {};
}

export type TreasurySetup = ResolvedSafeSetup & { fallbackHandler: string; setupTo: string; setupData: string };

/**
 * The deterministic Safe setup the parameters describe (address predicted without touching a chain). With a
 * guard section, the creation transaction installs the TreasuryGuard (module, module guard on 1.5.0, guard) and
 * its initial policy through Safe.setup's hook.
 */
export function treasurySetup(params: TreasuryParams, toolkit: ToolkitAddresses = {}): TreasurySetup {
  const fallbackHandler = canonicalContract(params.safeVersion, "compatibilityFallbackHandler").address;
  let hook = { to: params.setupTo, data: params.setupData };
  if (params.guard) {
    if (!toolkit.guard) throw new Error("treasurySetup: the parameters install a guard; pass its address");
    const { setupTo, setupData } = guardSetupHook(toolkit.guard, params.safeVersion, guardPolicy(params.guard));
    hook = { to: setupTo, data: setupData };
  }
  return {
    ...resolveSafeSetup({
      owners: params.owners,
      threshold: params.threshold,
      saltNonce: params.saltNonce,
      version: params.safeVersion,
      l2: params.l2,
      to: hook.to,
      data: hook.data,
      fallbackHandler,
    }),
    fallbackHandler,
    setupTo: hook.to ?? ZeroAddress,
    setupData: hook.data ?? "0x",
  };
}

/**
 * Ignition keeps a journal per deployment id. Keying it by the chain's genesis hash as well as the Safe address
 * keeps a restarted dev node (new genesis, same chain id) from being mistaken for one that already has the Safe.
 */
async function deploymentId(hre: HardhatRuntimeEnvironment, safe: string): Promise<string> {
  const genesis = await hre.ethers.provider.getBlock(0);
  return `treasury-${safe.toLowerCase().slice(2, 10)}-${(genesis?.hash ?? "0x").slice(2, 10)}`;
}

export interface TreasuryDeployment {
  address: string;
  status: "deployed" | "present";
  version: SafeVersion;
  setup: ResolvedSafeSetup;
}

/**
 * Deploys the treasury Safe with the Treasury Ignition module, after checking that the chain has the canonical
 * Safe contracts. Idempotent: an existing Safe at the predicted address is returned untouched.
 */
export async function deployTreasury(
  hre: HardhatRuntimeEnvironment,
  params: TreasuryParams,
): Promise<TreasuryDeployment> {
  const setup = treasurySetup(params, await toolkitAddressesFor(hre, params));
  const base = { version: params.safeVersion, setup, address: setup.predictedAddress };
  if ((await hre.ethers.provider.getCode(setup.predictedAddress)) !== "0x") return { ...base, status: "present" };
  for (const required of [setup.singleton, setup.proxyFactory, setup.fallbackHandler]) {
    if ((await hre.ethers.provider.getCode(required)) === "0x") {
      throw new UserError(
        `Safe ${params.safeVersion} contract ${required} is missing on this chain: run \`npx hardhat safe:bootstrap\` first.`,
      );
    }
  }
  if (params.guard) await deployToolkit(hre, ["TreasuryGuard"]);
  const { treasury } = await hre.ignition.deploy(TreasuryModule, {
    parameters: {
      [TREASURY_MODULE_ID]: {
        owners: params.owners,
        threshold: params.threshold,
        saltNonce: params.saltNonce.toString(),
        singleton: setup.singleton,
        proxyFactory: setup.proxyFactory,
        fallbackHandler: setup.fallbackHandler,
        setupTo: setup.setupTo,
        setupData: setup.setupData,
      },
    },
    deploymentId: await deploymentId(hre, setup.predictedAddress),
  });
  const deployed = await treasury.getAddress();
  if (deployed !== setup.predictedAddress) {
    throw new Error(`Treasury deployed at ${deployed}, expected ${setup.predictedAddress}.`);
  }
  return { ...base, status: "deployed" };
}
