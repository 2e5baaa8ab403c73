import { getAddress, isAddress } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";

import { UserError } from "../lib/errors";

const PLUGIN = "safe-treasury";

/** Runs a task body; expected failures (UserError) become a one-line Hardhat error without a stack trace. */
export async function userFacing<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UserError) throw new HardhatPluginError(PLUGIN, error.message);
    throw error;
  }
}

/** A checksummed address from a task argument, or a UserError naming the argument. */
export function addressArg(value: string, name: string): string {
  if (!isAddress(value)) throw new UserError(`--${name} ${value} is not an address (0x + 40 hex digits).`);
  return getAddress(value);
}

/** Help texts shared by the signing tasks. */
export const HELP = {
  signer: "Unlocked local account to sign or send with (local networks; otherwise PRIVATE_KEY/MNEMONIC)",
  yes: "Sign without asking, after printing the summary",
  json: "Print JSON",
  nonce: "Nonce (default: the service's next, pending proposals counted)",
} as const;
