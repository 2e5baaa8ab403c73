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
  if (parsed.data.FORK_BLOCK_NUMBER !== undefined && parsed.data.FORK_URL === undefined) {
    throw new ConfigError("FORK_BLOCK_NUMBER is set but FORK_URL is not: set FORK_URL to the RPC you want to fork.");
  }
  return parsed.data;
}
