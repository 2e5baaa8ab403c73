import { getAddress, ZeroAddress } from "ethers";

import { formatAmount } from "../format";
import { canonicalAddresses, SAFE_VERSIONS } from "../safe/canonical";
import type { DecodedCall } from "../summary/decode";
import type { BalanceChange } from "../summary/simulate";
import type { Execution } from "./execute";
import type { Observation } from "./observe";
import { safeConfigInterface, tokenInterface } from "../abi";

/**
 * The invariants every rehearsed transaction must keep. Each is named in the report and in the failure, so a CI log
 * says which promise a pending transaction would break.
 */
export const INVARIANTS = {
  executes: "the transaction executes (no revert, no ExecutionFailure), and a queued call runs after its delay",
  "singleton-canonical": "slot 0 changes only by a DELEGATECALL to SafeMigration 1.5.0, to a canonical singleton",
  "guard-installed":
    "the TreasuryGuard stays installed (transaction guard, module guard, module) unless its removal ran through the queue",
  "owners-unchanged": "owners and threshold change only as the transaction's own owner calls say",
  "no-unannounced-outflow": "no asset leaves the Safe beyond what its decoded calls announce",
  "pending-signatures-valid": "the pending proposals hash as they did: signatures collected for them stay valid",
  expect: "what the team's --expect file states",
  "policy-carried-over": "the policy read back from the new guard equals the old guard's",
  "safe-upgraded":
    "the Safe ends on the target version's canonical singleton with guard, module guard and policy intact",
} as const;
export type InvariantName = keyof typeof INVARIANTS;

export interface Check {
  name: InvariantName;
  ok: boolean;
  detail: string;
}

const SINGLETONS = new Set(
  SAFE_VERSIONS.flatMap((v) => [canonicalAddresses(v).safe, canonicalAddresses(v).safeL2]).map((a) => getAddress(a!)),
);
const SAFE_MIGRATION = getAddress(canonicalAddresses("1.5.0").safeMigration!);

/** The calls that take effect: a batch's entries rather than the batch, the queued call rather than its wrapper. */
export function effectiveCalls(calls: DecodedCall[], viaQueue: boolean): DecodedCall[] {
  const chosen = viaQueue ? calls.filter((c) => c.index === "q" || c.index.startsWith("q.")) : calls;
  return chosen.filter((c) => !chosen.some((o) => o !== c && (o.index.startsWith(`${c.index}.`) || c.index === "0")));
}

/** What the calls announce leaving the Safe, per asset (ETH as address(0)): values and token transfers out. */
export function announcedOutflows(calls: DecodedCall[], safe: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (asset: string, amount: bigint) => out.set(asset, (out.get(asset) ?? 0n) + amount);
  const self = getAddress(safe);
  for (const call of calls) {
    if (call.value > 0n) add(ZeroAddress, call.value);
    const fragment = call.data.length >= 10 ? tokenInterface.getFunction(call.data.slice(0, 10)) : null;
    if (!fragment) continue;
    let args;
    try {
      args = tokenInterface.decodeFunctionData(fragment, call.data);
    } catch {
      continue;
    }
    const names = fragment.inputs.map((i) => i.name);
    const amountAt = names.findIndex((n) => n === "amount" || n === "amountOrId");
    if (
      amountAt < 0 ||
      !/^(transfer|send|operatorSend|transferFrom|transferAndCall|transferFromAndCall)$/.test(fragment.name)
    ) {
      continue;
    }
    const from = names.indexOf("from");
    if (from >= 0 && getAddress(args[from] as string) !== self) continue;
    add(getAddress(call.to), args[amountAt] as bigint);
  }
  return out;
}

/** The owners and threshold the calls' own owner-management calls lead to, starting from `before`. */
export function announcedOwners(calls: DecodedCall[], safe: string, before: { owners: string[]; threshold: number }) {
  let owners = before.owners.map((o) => getAddress(o));
  let threshold = before.threshold;
  let announced = false;
  for (const call of calls) {
    const to = getAddress(call.to);
    if ((to !== getAddress(safe) && to !== ZeroAddress) || call.data.length < 10) continue;
    const parsed = safeConfigInterface.parseTransaction({ data: call.data });
    if (!parsed) continue;
    const a = parsed.args;
    if (parsed.name === "addOwnerWithThreshold") {
      owners = [getAddress(a.owner), ...owners];
      threshold = Number(a.threshold);
    } else if (parsed.name === "removeOwner") {
      owners = owners.filter((o) => o !== getAddress(a.owner));
      threshold = Number(a.threshold);
    } else if (parsed.name === "swapOwner") {
      owners = owners.map((o) => (o === getAddress(a.oldOwner) ? getAddress(a.newOwner) : o));
    } else if (parsed.name === "changeThreshold") {
      threshold = Number(a.threshold);
    } else continue;
    announced = true;
  }
  return { owners, threshold, announced };
}

export interface StepFacts {
  safe: string;
  before: Observation;
  after: Observation;
  /** The calls that took effect (effectiveCalls). */
  calls: DecodedCall[];
  execution: Execution;
  balances: BalanceChange[];
  /** The transaction's gas token, in which the Safe's announced refund (execution.payment) is paid. */
  gasToken: string;
  /** Token symbols and decimals for the messages. */
  describe(asset: string): { symbol: string; decimals: number };
}

/** The invariants of one rehearsed transaction (all but `expect` and `pending-signatures-valid`, checked around it). */
export function checkStep(f: StepFacts): Check[] {
  const { before, after, execution } = f;
  const checks: Check[] = [];
  const check = (name: InvariantName, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const viaQueue = execution.queue !== undefined;

  check(
    "executes",
    execution.success,
    execution.success
      ? execution.queue
        ? `executed, then queue item ${execution.queue.id} ran ${execution.queue.waited} s later`
        : "executed"
      : execution.error!,
  );

  const [s0, s1] = [before.state.singleton, after.state.singleton];
  if (s0 === s1) check("singleton-canonical", true, "slot 0 unchanged");
  else {
    const migration = f.calls.some((c) => c.operation === 1 && getAddress(c.to) === SAFE_MIGRATION);
    const canonical = SINGLETONS.has(getAddress(s1));
    check(
      "singleton-canonical",
      migration && canonical,
      `slot 0 ${s0} -> ${s1}: ` +
        (!canonical
          ? "not a canonical Safe singleton"
          : migration
            ? "a canonical singleton, through SafeMigration 1.5.0"
            : "changed without a SafeMigration call"),
    );
  }

  const roles = [
    ["transaction guard", before.treasuryGuard.transactionGuard, after.treasuryGuard.transactionGuard],
    ["module guard", before.treasuryGuard.moduleGuard, after.treasuryGuard.moduleGuard],
    ["module", before.treasuryGuard.module !== undefined, after.treasuryGuard.module !== undefined],
  ] as const;
  const lost = roles.filter(([, had, has]) => had && !has).map(([name]) => name);
  check(
    "guard-installed",
    lost.length === 0 || viaQueue,
    lost.length === 0
      ? before.treasuryGuard.transactionGuard
        ? `still installed (${after.state.guard})`
        : "the Safe had no TreasuryGuard"
      : `the TreasuryGuard is no longer the Safe's ${lost.join(", ")}` +
          (viaQueue ? " (its removal ran through the queue: allowed)" : ", and not through the queue"),
  );

  const expected = announcedOwners(f.calls, f.safe, before.state);
  const sameOwners = (a: string[], b: string[]) =>
    a.length === b.length && a.every((o) => b.map((x) => getAddress(x)).includes(getAddress(o)));
  const unchanged =
    sameOwners(before.state.owners, after.state.owners) && before.state.threshold === after.state.threshold;
  const asAnnounced = sameOwners(expected.owners, after.state.owners) && expected.threshold === after.state.threshold;
  check(
    "owners-unchanged",
    asAnnounced,
    unchanged && asAnnounced
      ? "owners and threshold unchanged"
      : asAnnounced
        ? `changed as the transaction's owner calls say: ${after.state.owners.join(", ")} (threshold ${after.state.threshold})`
        : `owners ${after.state.owners.join(", ")} threshold ${after.state.threshold}, but the calls announce ` +
          (expected.announced ? `${expected.owners.join(", ")} threshold ${expected.threshold}` : "no owner change"),
  );

  const announced = announcedOutflows(f.calls, f.safe);
  const gasToken = getAddress(f.gasToken);
  const problems: string[] = [];
  for (const b of f.balances) {
    if (getAddress(b.account) !== getAddress(f.safe) || b.delta >= 0n) continue;
    const asset = getAddress(b.asset);
    const allowed = (announced.get(asset) ?? 0n) + (asset === gasToken ? execution.payment : 0n);
    if (-b.delta > allowed) {
      const { symbol, decimals } = f.describe(asset);
      problems.push(
        `${formatAmount(-b.delta, decimals, symbol)} left the Safe, the calls announce ${formatAmount(allowed, decimals, symbol)}`,
      );
    }
  }
  check("no-unannounced-outflow", problems.length === 0, problems.join("; ") || "outflows as announced");
  return checks;
}
