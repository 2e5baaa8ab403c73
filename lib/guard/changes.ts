import type { MetaTransactionData } from "@safe-global/types-kit";
import { id } from "ethers";

import { UserError } from "../errors";
import { GUARD_LIMITS } from "../limits";
import { treasuryGuardInterface } from "../abi";

/**
 * One policy change of a Safe's TreasuryGuard as the Safe transaction that makes it (the Safe calls its guard's
 * setter). Whether it is instant or waits in the guard's queue is the guard's own verdict (classify), which the one
 * propose path applies: lowering a cap, removing a recipient or target, lengthening the delay and shortening the
 * expiry are instant; the opposite changes are queued.
 */

/** TreasuryGuard.MIN_DELAY / MAX_DELAY, also MIN_EXPIRY / MAX_EXPIRY (1 hour .. 30 days). */
export const POLICY_SECONDS = { min: GUARD_LIMITS.minDelay, max: GUARD_LIMITS.maxDelay } as const;

const call = (guard: string, data: string): MetaTransactionData => ({ to: guard, value: "0", data });

/** setCap(asset, cap): cap in base units, address(0) for ETH; 0 removes the cap (outflows then always queue). */
export function capChange(guard: string, asset: string, cap: bigint): MetaTransactionData {
  return call(guard, treasuryGuardInterface.encodeFunctionData("setCap", [asset, cap]));
}

export function recipientChange(guard: string, recipient: string, allowed: boolean): MetaTransactionData {
  return call(guard, treasuryGuardInterface.encodeFunctionData("setRecipient", [recipient, allowed]));
}

/** setTrustedTarget(target, trusted), or setTrustedSelector(target, selector, trusted) with a selector. */
export function targetChange(guard: string, target: string, trusted: boolean, selector?: string): MetaTransactionData {
  return call(
    guard,
    selector === undefined
      ? treasuryGuardInterface.encodeFunctionData("setTrustedTarget", [target, trusted])
      : treasuryGuardInterface.encodeFunctionData("setTrustedSelector", [target, selector, trusted]),
  );
}

function checkSeconds(seconds: number, name: string): void {
  if (!Number.isInteger(seconds) || seconds < POLICY_SECONDS.min || seconds > POLICY_SECONDS.max) {
    throw new UserError(
      `--${name} ${seconds} is outside what the guard accepts: ${POLICY_SECONDS.min} (1 hour) to ` +
        `${POLICY_SECONDS.max} (30 days) seconds.`,
    );
  }
}

export function delayChange(guard: string, seconds: number, name = "seconds"): MetaTransactionData {
  checkSeconds(seconds, name);
  return call(guard, treasuryGuardInterface.encodeFunctionData("setDelay", [seconds]));
}

export function expiryChange(guard: string, seconds: number, name = "seconds"): MetaTransactionData {
  checkSeconds(seconds, name);
  return call(guard, treasuryGuardInterface.encodeFunctionData("setExpiry", [seconds]));
}

/** `--name value` as a 4-byte selector: "0xa9059cbb", or a signature such as "transfer(address,uint256)". */
export function parseSelector(value: string, name: string): string {
  const text = value.trim();
  if (/^0x[0-9a-fA-F]{8}$/.test(text)) return text.toLowerCase();
  if (/^[A-Za-z_$][\w$]*\(.*\)$/.test(text)) return id(text.replace(/\s+/g, "")).slice(0, 10);
  throw new UserError(
    `--${name} ${value} is neither a 4-byte selector (0x + 8 hex digits) nor a function signature like ` +
      '"transfer(address,uint256)".',
  );
}
