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
