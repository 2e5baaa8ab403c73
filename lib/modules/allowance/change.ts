import type { MetaTransactionData } from "@safe-global/types-kit";
import { Contract } from "ethers";

import { UserError } from "../../errors";
import { spendingLimitInterface } from "../../abi";

/** What the Safe grants and revokes: Safe transactions, proposed through the one propose path. */

/**
 * The Safe call that sets `delegate`'s allowance of `asset` to `amount`: lowerAllowance when it does not raise it
 * (a selector the TreasuryGuard trusts, so it stays instant), setAllowance when it does (queued under the guard).
 */
export async function allowanceChange(
  module: Contract,
  safe: string,
  delegate: string,
  asset: string,
  amount: bigint,
): Promise<{ transaction: MetaTransactionData; method: "setAllowance" | "lowerAllowance"; current: bigint }> {
  const [current] = (await module.getAllowance(safe, delegate, asset)) as [bigint];
  const method = amount <= current ? "lowerAllowance" : "setAllowance";
  return {
    transaction: {
      to: await module.getAddress(),
      value: "0",
      data: spendingLimitInterface.encodeFunctionData(method, [delegate, asset, amount]),
    },
    method,
    current,
  };
}

/**
 * Revoking is lowerAllowance(delegate, asset, 0): instant under the guard, and the module voids every outstanding
 * signature of the delegate for the asset for good (SignaturesInvalidated), so a relayer holding one cannot use it
 * even if the allowance is granted again.
 */
export async function revokeChange(module: Contract, safe: string, delegate: string, asset: string) {
  const change = await allowanceChange(module, safe, delegate, asset, 0n);
  if (change.current === 0n) {
    throw new UserError(`${delegate} has no allowance of this asset on ${safe}: there is nothing to revoke.`);
  }
  return change;
}
