import { z } from "zod";

import { UserError } from "./errors";

/**
 * Environment configuration, read once and validated. Every key is documented in `.env.sample`.
 * A bad value fails fast with a message naming the variable and what to set.
 */
const EnvSchema = z.object({
  FORK_URL: z.string().url("FORK_URL must be an http(s) JSON-RPC URL, e.g. http://127.0.0.1:8545").optional(),
  FORK_BLOCK_NUMBER: z
    .string()
    .regex(/^\d+$/, "FORK_BLOCK_NUMBER must be a decimal block number")
    .transform((v) => Number(v))
    .optional(),
  LOCAL_NODE_URL: z
    .string()
    .url("LOCAL_NODE_URL must be the http URL of a local `hardhat node`, e.g. http://127.0.0.1:8545")
    .default("http://127.0.0.1:8545"),
  TX_SERVICE_URL: z.string().url("TX_SERVICE_URL must be the base URL of a Safe Transaction Service").optional(),
  SAFE_API_KEY: z.string().min(1).optional(),
  TX_SERVICE_TOKEN: z
    .string()
    .min(16, "TX_SERVICE_TOKEN must be at least 16 characters (it guards writes to the embedded service)")
    .optional(),
  RPC_URL: z.string().url("RPC_URL must be the http(s) JSON-RPC URL of the chain the `remote` network uses").optional(),
  CHAIN_ID: z
    .string()
    .regex(/^\d+$/, "CHAIN_ID must be a decimal chain id, e.g. 1 for Ethereum mainnet")
    .transform((v) => BigInt(v))
    .optional(),
  PRIVATE_KEY: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, "PRIVATE_KEY must be 32 bytes of hex (64 hex digits, 0x optional)")
    .optional(),
  MNEMONIC: z
    .string()
    .refine((v) => [12, 15, 18, 21, 24].includes(v.trim().split(/\s+/).length), "MNEMONIC must have 12 to 24 words")
    .optional(),
  ACCOUNT_INDEX: z
    .string()
    .regex(/^\d+$/, "ACCOUNT_INDEX must be a decimal index into MNEMONIC's accounts (m/44'/60'/0'/0/i)")
    .transform((v) => Number(v))
    .optional(),
  LEDGER_ACCOUNT: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "LEDGER_ACCOUNT must be the address of the Ledger account that signs (0x + 40 hex)")
    .optional(),
  REPORT_GAS: z
    .enum(["true", "false", "1", "0", ""])
    .transform((v) => v === "true" || v === "1")
    .optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends UserError {}

/** Parses an environment (process.env by default); empty strings count as unset. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment (see .env.sample):\n${lines.join("\n")}`);
  }
  if (parsed.data.PRIVATE_KEY !== undefined && parsed.data.MNEMONIC !== undefined) {
    throw new ConfigError("Both PRIVATE_KEY and MNEMONIC are set: set only one of them (the owner key to sign with).");
  }
  if (parsed.data.ACCOUNT_INDEX !== undefined && parsed.data.MNEMONIC === undefined) {
    throw new ConfigError("ACCOUNT_INDEX is set but MNEMONIC is not: ACCOUNT_INDEX selects an account of MNEMONIC.");
  }
  if (parsed.data.CHAIN_ID !== undefined && parsed.data.RPC_URL === undefined) {
    throw new ConfigError("CHAIN_ID is set but RPC_URL is not: CHAIN_ID checks the chain behind RPC_URL.");
  }
  if (parsed.data.FORK_BLOCK_NUMBER !== undefined && parsed.data.FORK_URL === undefined) {
    throw new ConfigError("FORK_BLOCK_NUMBER is set but FORK_URL is not: set FORK_URL to the RPC you want to fork.");
  }
  return parsed.data;
}
