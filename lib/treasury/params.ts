import { readFileSync } from "node:fs";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { z } from "zod";

import { TREASURY_MODULE_ID } from "../../deploy/modules/Treasury";
import { UserError } from "../errors";
import {
  nonZeroAddress,
  ownerAddress,
  assetKey,
  checkThreshold,
  checkTokenAmount,
  checkUnique,
  isLowerOrChecksummed,
  seconds,
  TokenAmount,
} from "./fields";
import { RECOVERY_LIMITS as R } from "../limits";
import { DEFAULT_SAFE_VERSION, SAFE_VERSIONS, type SafeVersion } from "../safe/canonical";

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

/** Delegates' allowances per rolling 24h (SpendingLimitModule). */
const SpendingLimitSchema = z
  .object({
    allowances: z
      .array(TokenAmount.extend({ delegate: nonZeroAddress }).strict())
      .min(1, "give at least one allowance"),
    recipients: z.array(z.object({ delegate: nonZeroAddress, recipient: nonZeroAddress }).strict()).default([]),
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
    guardians: z
      .array(nonZeroAddress)
      .min(1, "give at least one guardian")
      .max(R.maxGuardians, `at most ${R.maxGuardians} guardians`),
    threshold: z.number().int("must be a whole number"),
    inactivityPeriod: z
      .number()
      .int()
      .refine(
        (v) => v === 0 || (v >= R.minInactivityPeriod && v <= R.maxInactivityPeriod),
        "must be 0 (social recovery) or 1 to 3650 days, in seconds",
      ),
    recoveryDelay: z
      .number()
      .int()
      .min(R.minRecoveryDelay, `must be at least ${R.minRecoveryDelay} seconds (1 hour)`)
      .max(R.maxRecoveryDelay, "must be at most 365 days, in seconds"),
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
    recipients: z.array(nonZeroAddress).default([]),
    trustedTargets: z.array(nonZeroAddress).default([]),
    trustedSelectors: z
      .array(
        z
          .object({
            target: nonZeroAddress,
            selector: z.string().regex(/^0x[0-9a-fA-F]{8}$/, "must be a 4-byte selector"),
          })
          .strict(),
      )
      .default([]),
    delay: seconds("delay").optional(),
    expiry: seconds("expiry").optional(),
    recoveryModule: nonZeroAddress.optional(),
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

const TreasuryParamsSchema = z
  .object({
    owners: z.array(ownerAddress).min(1, "give at least one owner"),
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
    setupTo: ownerAddress.optional(),
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
