import type { PolicyView } from "./read";

/** A Safe's policy as two readings (two blocks, or two guards) compare it. */

const byAddress = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1);

/** The policy in force, in a form two guards' policies compare by (caps in base units, sorted lists). */
export interface PolicyConfiguration {
  delay: number;
  expiry: number;
  recoveryModule: string;
  offchainSignatures: boolean;
  caps: Record<string, string>;
  recipients: string[];
  /** "target" or "target:selector". */
  targets: string[];
}

export function policyConfiguration(view: PolicyView): PolicyConfiguration {
  const allowed = view.recipients.filter((r) => r.allowed).map((r) => r.address);
  const trusted = view.targets
    .filter((t) => t.trusted)
    .map((t) => (t.selector ? `${t.target}:${t.selector}` : t.target));
  return {
    delay: view.delay,
    expiry: view.expiry,
    recoveryModule: view.recoveryModule,
    offchainSignatures: view.offchainSignatures,
    caps: Object.fromEntries(view.caps.filter((c) => c.cap > 0n).map((c) => [c.asset, c.cap.toString()])),
    recipients: allowed.sort(byAddress),
    targets: trusted.sort(byAddress),
  };
}

/** What differs between two policies, one line per difference (empty when they are the same). */
export function policyDifferences(before: PolicyConfiguration, after: PolicyConfiguration): string[] {
  const out: string[] = [];
  for (const key of ["delay", "expiry", "recoveryModule", "offchainSignatures"] as const) {
    if (String(before[key]) !== String(after[key])) out.push(`${key}: ${before[key]} -> ${after[key]}`);
  }
  for (const asset of new Set([...Object.keys(before.caps), ...Object.keys(after.caps)])) {
    const [a, b] = [before.caps[asset] ?? "none", after.caps[asset] ?? "none"];
    if (a !== b) out.push(`cap of ${asset}: ${a} -> ${b}`);
  }
  for (const key of ["recipients", "targets"] as const) {
    const [a, b] = [new Set(before[key]), new Set(after[key])];
    for (const x of a) if (!b.has(x)) out.push(`${key}: ${x} removed`);
    for (const x of b) if (!a.has(x)) out.push(`${key}: ${x} added`);
  }
  return out;
}
