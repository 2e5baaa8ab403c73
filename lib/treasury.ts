import { readFileSync } from "node:fs";
import { getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { z } from "zod";

import { UserError } from "./errors";
import { guardInstallCalls, type GuardPolicy } from "./guard/install";
import { guardPolicyForModules, recoveryCalls, spendingLimitCalls, type ModuleAddresses } from "./modules/install";
import { setupHook, type SafeCall } from "./safe/install";
import { deployToolkit, toolkitAddress, type ToolkitContract } from "./toolkit";
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

/** Reports every repeat of a key in a list, naming both positions. */
function checkUnique<T>(
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
function checkThreshold(threshold: number, count: number, members: string, ctx: z.RefinementCtx): void {
  if (threshold < 1 || threshold > count) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["threshold"],
      message: `must be between 1 and the number of ${members} (${count}), got ${threshold}`,
    });
  }
}

const assetKey = (asset: string) => (asset === "ETH" ? asset : asset.toLowerCase());

/** An amount of ETH or of a token, in token units with the token's decimals (so the address stays predictable). */
const TokenAmount = z
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
type TokenAmountInput = z.infer<typeof TokenAmount>;

function checkTokenAmount(c: TokenAmountInput, path: (string | number)[], ctx: z.RefinementCtx): void {
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
function toBaseUnits(c: TokenAmountInput): { asset: string; amount: bigint } {
  return c.asset === "ETH"
    ? { asset: ZeroAddress, amount: parseUnits(c.amount, 18) }
    : { asset: getAddress(c.asset), amount: parseUnits(c.amount, c.decimals) };
}

/** Delegates' allowances per rolling 24h (SpendingLimitModule). */
const SpendingLimitSchema = z
  .object({
    allowances: z.array(TokenAmount.extend({ delegate: account }).strict()).min(1, "give at least one allowance"),
    recipients: z.array(z.object({ delegate: account, recipient: account }).strict()).default([]),
    useGuardRecipients: z.boolean().default(false),
  })
  .strict()
  .superRefine((sl, ctx) => {
    sl.allowances.forEach((a, i) => checkTokenAmount(a, ["allowances", i], ctx));
    checkUnique(
      sl.allowances,
      (a) => `${a.delegate.toLowerCase()}/${assetKey(a.asset)}`,
      "allowances",
      (a) => `allowance for ${a.delegate} and ${a.asset}`,
      ctx,
    );
  });

/** Guardians and inactivity (RecoveryModule). */
const RecoverySchema = z
  .object({
    guardians: z.array(account).min(1, "give at least one guardian").max(32, "at most 32 guardians"),
    threshold: z.number().int("must be a whole number"),
    inactivityPeriod: z
      .number()
      .int()
      .refine(
        (v) => v === 0 || (v >= 86400 && v <= 3650 * 86400),
        "must be 0 (social recovery) or 1 to 3650 days, in seconds",
      ),
    recoveryDelay: z
      .number()
      .int()
      .min(3600, "must be at least 3600 seconds (1 hour)")
      .max(365 * 86400, "must be at most 365 days, in seconds"),
  })
  .strict()
  .superRefine((r, ctx) => {
    checkUnique(
      r.guardians,
      (g) => g.toLowerCase(),
      "guardians",
      (g) => `guardian ${g}`,
      ctx,
    );
    checkThreshold(r.threshold, r.guardians.length, "guardians", ctx);
  });

/** The TreasuryGuard's initial policy, installed in the Safe's creation transaction. */
const GuardSchema = z
  .object({
    caps: z.array(TokenAmount).default([]),
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
    offchainSignatures: z.boolean().optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    g.caps.forEach((c, i) => checkTokenAmount(c, ["caps", i], ctx));
    checkUnique(
      g.caps,
      (c) => assetKey(c.asset),
      "caps",
      (c) => `cap for ${c.asset}`,
      ctx,
      "asset",
    );
  });

/** The toolkit's handler (the default), Safe's own handler of the Safe's version, or any handler's address. */
export const FALLBACK_HANDLERS = ["TreasuryFallbackHandler", "CompatibilityFallbackHandler"] as const;
const FallbackHandlerSchema = z
  .string()
  .superRefine((value, ctx) => {
    if ((FALLBACK_HANDLERS as readonly string[]).includes(value)) return;
    if (!isAddress(value) || !isLowerOrChecksummed(value) || getAddress(value) === ZeroAddress) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be "TreasuryFallbackHandler" (the default), "CompatibilityFallbackHandler" or a handler's address, got "${value}"`,
      });
    }
  })
  .default("TreasuryFallbackHandler");

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
    fallbackHandler: FallbackHandlerSchema,
    setupTo: address.optional(),
    setupData: z
      .string()
      .regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x-prefixed hex bytes")
      .optional(),
    guard: GuardSchema.optional(),
    spendingLimit: SpendingLimitSchema.optional(),
    recovery: RecoverySchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    checkUnique(
      p.owners,
      (o) => (isAddress(o) ? o.toLowerCase() : undefined),
      "owners",
      (o) => `owner ${o}`,
      ctx,
    );
    checkThreshold(p.threshold, p.owners.length, "owners", ctx);
    if (p.spendingLimit?.useGuardRecipients && !p.guard) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["spendingLimit", "useGuardRecipients"],
        message: "needs a guard section: the guard's recipient whitelist is what it refers to",
      });
    }
    if ((p.guard || p.spendingLimit || p.recovery) && p.setupTo !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["setupTo"],
        message: "guard and modules are installed through the setup hook: give them or setupTo/setupData, not both",
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
    caps: guard.caps.map((c) => {
      const { asset, amount } = toBaseUnits(c);
      return { asset, cap: amount };
    }),
    recipients: guard.recipients.map((r) => getAddress(r)),
    trustedTargets: guard.trustedTargets.map((t) => getAddress(t)),
    trustedSelectors: guard.trustedSelectors.map((t) => ({ target: getAddress(t.target), selector: t.selector })),
    delay: guard.delay,
    expiry: guard.expiry,
    recoveryModule: guard.recoveryModule && getAddress(guard.recoveryModule),
    offchainSignatures: guard.offchainSignatures,
  };
}

/** Addresses of the toolkit singletons the parameters install (the same on every chain). */
export interface ToolkitAddresses {
  guard?: string;
  /** The TreasuryFallbackHandler (needed unless the parameters name another fallback handler). */
  fallbackHandler?: string;
  spendingLimit?: string;
  recovery?: string;
}

const usesToolkitHandler = (params: TreasuryParams) => params.fallbackHandler === "TreasuryFallbackHandler";

/** Resolves the toolkit singletons the parameters need (reads compiled artifacts, not the chain). */
export async function toolkitAddressesFor(
  hre: HardhatRuntimeEnvironment,
  params: TreasuryParams,
): Promise<ToolkitAddresses> {
  return {
    ...(params.guard ? { guard: await toolkitAddress(hre, "TreasuryGuard") } : {}),
    ...(usesToolkitHandler(params) ? { fallbackHandler: await toolkitAddress(hre, "TreasuryFallbackHandler") } : {}),
    ...(params.spendingLimit ? { spendingLimit: await toolkitAddress(hre, "SpendingLimitModule") } : {}),
    ...(params.recovery ? { recovery: await toolkitAddress(hre, "RecoveryModule") } : {}),
  };
}

/** The toolkit singletons a treasury's parameters install. */
export function toolkitContractsFor(params: TreasuryParams): ToolkitContract[] {
  return [
    ...(params.guard ? (["TreasuryGuard"] as const) : []),
    ...(usesToolkitHandler(params) ? (["TreasuryFallbackHandler"] as const) : []),
    ...(params.spendingLimit ? (["SpendingLimitModule"] as const) : []),
    ...(params.recovery ? (["RecoveryModule"] as const) : []),
  ];
}

function need(address: string | undefined, what: string): string {
  if (!address) throw new Error(`treasurySetup: the parameters install the ${what}; pass its address`);
  return address;
}

/**
 * Every call the creation transaction makes: modules first (enabled and configured), then the guard, whose policy
 * also learns about the modules, switched on last.
 */
export function treasuryInstallCalls(params: TreasuryParams, toolkit: ToolkitAddresses): SafeCall[] {
  const calls: SafeCall[] = [];
  const guard = params.guard ? need(toolkit.guard, "TreasuryGuard") : undefined;
  const modules: ModuleAddresses = { guard };
  if (params.spendingLimit) {
    modules.spendingLimit = need(toolkit.spendingLimit, "SpendingLimitModule");
    calls.push(
      ...spendingLimitCalls(
        modules.spendingLimit,
        {
          allowances: params.spendingLimit.allowances.map((a) => {
            const { asset, amount } = toBaseUnits(a);
            return { delegate: getAddress(a.delegate), asset, amount };
          }),
          recipients: params.spendingLimit.recipients.map((r) => ({
            delegate: getAddress(r.delegate),
            recipient: getAddress(r.recipient),
          })),
          useGuardRecipients: params.spendingLimit.useGuardRecipients,
        },
        guard,
      ),
    );
  }
  // The recovery module is configured after the guard is installed: it trusts the guard's activity record only if
  // the guard was already the Safe's guard when the module first observed the Safe.
  const recovery: SafeCall[] = [];
  if (params.recovery) {
    modules.recovery = need(toolkit.recovery, "RecoveryModule");
    recovery.push(
      ...recoveryCalls(
        modules.recovery,
        { ...params.recovery, guardians: params.recovery.guardians.map((g) => getAddress(g)) },
        guard,
      ),
    );
  }
  if (params.guard && guard) {
    const policy = guardPolicy(params.guard);
    const forModules = guardPolicyForModules(modules);
    calls.push(
      ...guardInstallCalls(guard, params.safeVersion, {
        ...policy,
        recoveryModule: policy.recoveryModule ?? forModules.recoveryModule,
        trustedSelectors: [...(policy.trustedSelectors ?? []), ...forModules.trustedSelectors],
      }),
    );
  }
  return [...calls, ...recovery];
}

export type TreasurySetup = ResolvedSafeSetup & { fallbackHandler: string; setupTo: string; setupData: string };

/**
 * The fallback handler Safe.setup installs: by default the TreasuryFallbackHandler, so the owners' off-chain
 * signatures do not count as the Safe's unless it opts in through the guard (docs/threat-model.md).
 */
function fallbackHandlerFor(params: TreasuryParams, toolkit: ToolkitAddresses): string {
  if (usesToolkitHandler(params)) return need(toolkit.fallbackHandler, "TreasuryFallbackHandler");
  if (params.fallbackHandler === "CompatibilityFallbackHandler") {
    return canonicalContract(params.safeVersion, "compatibilityFallbackHandler").address;
  }
  return getAddress(params.fallbackHandler);
}

/**
 * The deterministic Safe setup the parameters describe (address predicted without touching a chain). With a
 * guard, spendingLimit or recovery section, the creation transaction installs them through Safe.setup's hook
 * (see treasuryInstallCalls).
 */
export function treasurySetup(params: TreasuryParams, toolkit: ToolkitAddresses = {}): TreasurySetup {
  const fallbackHandler = fallbackHandlerFor(params, toolkit);
  let hook = { to: params.setupTo, data: params.setupData };
  const calls = treasuryInstallCalls(params, toolkit);
  if (calls.length > 0) {
    const { setupTo, setupData } = setupHook(calls);
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
  const safeContracts = [setup.singleton, setup.proxyFactory];
  if (params.fallbackHandler === "CompatibilityFallbackHandler") safeContracts.push(setup.fallbackHandler);
  for (const required of safeContracts) {
    if ((await hre.ethers.provider.getCode(required)) === "0x") {
      throw new UserError(
        `Safe ${params.safeVersion} contract ${required} is missing on this chain: run \`npx hardhat safe:bootstrap\` first.`,
      );
    }
  }
  if (!usesToolkitHandler(params) && (await hre.ethers.provider.getCode(setup.fallbackHandler)) === "0x") {
    throw new UserError(
      `Treasury.fallbackHandler ${setup.fallbackHandler} has no code on this chain: deploy it first, or use "TreasuryFallbackHandler".`,
    );
  }
  const toolkit = toolkitContractsFor(params);
  if (toolkit.length > 0) await deployToolkit(hre, toolkit);
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
