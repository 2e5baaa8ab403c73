import { ZeroAddress } from "ethers";

import { formatAmount } from "../format";
import { treasuryGuardErrors } from "../abi";

/** ITreasuryGuard.Verdict, in enum order. */
export const VERDICTS = ["instant", "delayed", "forbidden"] as const;
export type VerdictName = (typeof VERDICTS)[number];

/** ITreasuryGuard.Reason, in enum order, with a sentence a person can act on. */
export const REASONS = [
  ["none", "within the policy"],
  [
    "cap-exceeded",
    "an outflow exceeds the remaining rolling 24h capacity of its asset: queue it, or wait for capacity",
  ],
  ["no-cap", "an outflow of an asset that has no cap: queue it, or give the asset a cap (a delayed change)"],
  ["recipient-not-allowed", "an outflow, allowance or operator goes to a non-whitelisted address: queue it"],
  ["untrusted-target", "a call to a contract or selector that is not trusted: queue it"],
  ["policy-loosened", "this loosens the guard's policy: queue it"],
  ["safe-self-call", "a privileged call on the Safe itself (owners, modules, guards, fallback handler): queue it"],
  ["unbounded-allowance", "an ERC777 operator could move any amount: queue it"],
  ["safe-library-delegatecall", "DELEGATECALL to SafeMigration or SignMessageLib: queue it"],
  [
    "delegatecall-forbidden",
    "DELEGATECALL to a contract other than MultiSendCallOnly and the Safe libraries is never allowed",
  ],
  ["plain-multisend", "DELEGATECALL to MultiSend is never allowed: batch with MultiSendCallOnly"],
  ["gas-refund", "a non-zero gasPrice is never allowed (refunds would move value outside the ledger)"],
  ["guard-call", "this call to the guard is never needed from the Safe, and modules may not call the guard at all"],
] as const;
export type ReasonName = (typeof REASONS)[number][0];

/** ITreasuryGuard.QueueState, in enum order. */
export const QUEUE_STATES = ["none", "waiting", "ready", "expired", "executed", "cancelled"] as const;
export type QueueStateName = (typeof QUEUE_STATES)[number];

export interface Verdict {
  verdict: VerdictName;
  reason: ReasonName;
  explanation: string;
  outflows: { asset: string; amount: bigint }[];
}

/** Names the raw result of ITreasuryGuard.classify. */
export function describeVerdict(raw: {
  verdict: bigint | number;
  reason: bigint | number;
  outflows: readonly { asset: string; amount: bigint }[];
}): Verdict {
  const reason = REASONS[Number(raw.reason)];
  const verdict = VERDICTS[Number(raw.verdict)];
  if (!reason || !verdict) throw new Error(`Unknown guard verdict ${raw.verdict} / reason ${raw.reason}`);
  return {
    verdict,
    reason: reason[0],
    explanation: reason[1],
    outflows: raw.outflows.map((o) => ({ asset: o.asset, amount: o.amount })),
  };
}

/** ETH amounts with their 18 decimals; token amounts in base units (the token's decimals are not known here). */
export const amountOf = (asset: string, amount: bigint) =>
  asset === ZeroAddress ? formatAmount(amount) : `${amount} base units of token ${asset}`;

/**
 * A sentence for a TreasuryGuard revert (the data of a failed call or estimate), or undefined if the data is not
 * one of its errors. Amounts are in base units: format them with the token's decimals before showing them.
 */
export function explainGuardError(revertData: string): string | undefined {
  let parsed;
  try {
    parsed = treasuryGuardErrors.parseError(revertData);
  } catch {
    return undefined;
  }
  // parseError also knows the built-in Error(string) and Panic(uint256): those are not the guard's.
  if (!parsed || parsed.name === "Error" || parsed.name === "Panic") return undefined;
  const a = parsed.args;
  switch (parsed.name) {
    case "CapExceeded":
      return `The guard refuses: ${amountOf(a.asset, a.requested)} exceeds the ${amountOf(a.asset, a.available)} still available in the rolling 24h cap. Queue it (guard.queue) or wait.`;
    case "DelayRequired":
      return `The guard requires the queue: ${REASONS[Number(a.reason)]?.[1] ?? `reason ${a.reason}`}.`;
    case "TransactionForbidden":
      return `The guard forbids this transaction: ${REASONS[Number(a.reason)]?.[1] ?? `reason ${a.reason}`}.`;
    case "MalformedBatch":
      return "The guard refuses a malformed MultiSendCallOnly batch: rebuild it with protocol-kit.";
    case "TransactionNotQueued":
      return `Queued transaction ${a.id} of ${a.safe} is ${QUEUE_STATES[Number(a.state)] ?? a.state}, not waiting or ready.`;
    case "TransactionNotReady":
      return `Queued transaction ${a.id} of ${a.safe} cannot run before ${new Date(Number(a.eta) * 1000).toISOString()}.`;
    case "QueuedTransactionFailed":
      return `Queued transaction ${a.id} of ${a.safe} failed inside the Safe; it stays ready until it expires.`;
    case "QueueWouldBeLost":
      return `Queued transaction ${a.id} of ${a.safe} would disable the guard's module while the guard still guards the Safe, so nothing queued could ever run again: cancel it, and queue the module's removal together with the guards' removal.`;
    case "NotSafeOwner":
      return `${a.account} is not an owner of ${a.safe}: only owners can veto.`;
    case "AlreadyVetoed":
      return `${a.owner} already vetoed queued transaction ${a.id} of ${a.safe}.`;
    case "InvalidDelay":
      return `A delay of ${a.delay}s is outside ${a.minDelay}s .. ${a.maxDelay}s.`;
    case "InvalidExpiry":
      return `An expiry of ${a.expiry}s is outside ${a.minExpiry}s .. ${a.maxExpiry}s.`;
    case "TooManyAssets":
      return `The Safe already caps the maximum of ${a.maxAssets} assets.`;
    default:
      return `The guard refused the transaction (${parsed.name}).`;
  }
}
