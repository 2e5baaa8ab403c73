import { getAddress, isAddress, ZeroAddress } from "ethers";
import { z } from "zod";

import { MAX_SIGNATURE_BYTES } from "../lib/safe/signatures";

/** Request bodies, field by field with the hosted service's rules (history/serializers.py), plus bounds. */

const UINT256_MAX = (1n << 256n) - 1n;

export const checksummed = z
  .string({ invalid_type_error: "Must be an address string." })
  .refine((v) => isAddress(v), { message: "Must be a 20-byte hex address (0x + 40 hex digits)." })
  .refine((v) => !isAddress(v) || v === getAddress(v), {
    message: "Address is not checksummed: send it as ethers.getAddress() returns it.",
  });

const nonZeroAddress = checksummed.refine((v) => v !== ZeroAddress, { message: "Must not be the zero address." });

/** An unsigned integer up to `max`, given as a decimal string or a JSON number, as a decimal string. */
function unsigned(max: bigint, message: string) {
  return z
    .union([z.string(), z.number()], { invalid_type_error: "Must be an unsigned integer (a decimal string)." })
    .transform((v, ctx) => {
      const text = typeof v === "number" ? (Number.isSafeInteger(v) ? v.toString() : "") : v;
      if (!/^\d{1,78}$/.test(text) || BigInt(text) > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message });
        return z.NEVER;
      }
      return BigInt(text).toString();
    });
}

export const uint256 = unsigned(UINT256_MAX, "Must be an unsigned 256-bit integer in decimal.");

/** A nonce the SQLite index can order (any Safe nonce in practice: 2^53 transactions never happen). */
export const nonce = unsigned(
  BigInt(Number.MAX_SAFE_INTEGER),
  `Must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.`,
);

export const hexBytes = z
  .string({ invalid_type_error: "Must be 0x-prefixed hex." })
  .regex(/^0x([0-9a-fA-F]{2})*$/, "Must be 0x-prefixed hex with an even number of digits.");

export const bytes32 = z
  .string({ invalid_type_error: "Must be a 32-byte hash." })
  .regex(/^0x[0-9a-fA-F]{64}$/, "Must be a 32-byte hash (0x + 64 hex digits).");

export const signature = hexBytes
  .refine((v) => v.length >= 2 + 130, { message: "A Safe signature is at least 65 bytes (r, s, v)." })
  .refine((v) => v.length <= 2 + 2 * MAX_SIGNATURE_BYTES, {
    message: `A signature is at most ${MAX_SIGNATURE_BYTES} bytes.`,
  });

export const ProposalSchema = z
  .object({
    to: checksummed,
    value: uint256,
    data: hexBytes.nullable().optional(),
    operation: z.union([z.literal(0), z.literal(1)], {
      errorMap: () => ({ message: "Must be 0 (CALL) or 1 (DELEGATECALL)." }),
    }),
    safeTxGas: uint256,
    baseGas: uint256,
    gasPrice: uint256,
    gasToken: checksummed.nullable().optional(),
    refundReceiver: checksummed.nullable().optional(),
    nonce,
    contractTransactionHash: bytes32,
    sender: nonZeroAddress,
    signature: signature.nullable().optional(),
    origin: z.string().max(200, "At most 200 characters.").nullable().optional(),
  })
  .strip();
export type Proposal = z.infer<typeof ProposalSchema>;

export const ConfirmationSchema = z.object({ signature }).strip();

export const DelegateSchema = z
  .object({
    safe: checksummed.nullable().optional(),
    delegate: nonZeroAddress,
    delegator: nonZeroAddress,
    label: z.string().min(1, "Give the delegate a label.").max(50, "At most 50 characters."),
    signature: signature,
    expiryDate: z.string().datetime({ message: "Must be an ISO 8601 date-time." }).nullable().optional(),
  })
  .strip();

export const DelegateDeleteSchema = z
  .object({ delegator: nonZeroAddress, signature, safe: checksummed.nullable().optional() })
  .strip();

const typedData = z
  .object({
    types: z.record(z.array(z.object({ name: z.string(), type: z.string() }))),
    domain: z.record(z.unknown()),
    primaryType: z.string(),
    message: z.record(z.unknown()),
  })
  .strip();

export const MessageSchema = z
  .object({
    message: z.union([z.string().min(1).max(100_000), typedData], {
      errorMap: () => ({ message: "Must be a string or EIP-712 typed data {types, domain, primaryType, message}." }),
    }),
    safeAppId: z.number().int().nonnegative().nullable().optional(),
    signature,
    origin: z.string().max(200).nullable().optional(),
  })
  .strip();

/** Query flags: "true"/"false" (or 1/0), as Django's BooleanFilter reads them. */
export function queryBool(value: unknown, name: string): number | null {
  if (value === undefined || value === "") return null;
  if (value === "true" || value === "True" || value === "1") return 1;
  if (value === "false" || value === "False" || value === "0") return 0;
  throw new QueryError(name, "Must be true or false.");
}

export function queryInt(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (value === undefined || value === "") return null;
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value) || Number(value) > max) {
    throw new QueryError(name, `Must be a whole number from 0 to ${max}.`);
  }
  return Number(value);
}

export class QueryError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}
