import { INVARIANTS, type Check } from "./invariants";
import type { RehearsalReport, RehearsalStep } from "./rehearse";

/**
 * A rehearsal report as markdown: what the terminal prints and what `--out FILE.md` files (a CI artifact, or the
 * record a team keeps). `--json` prints the report object itself.
 */
export function formatRehearsal(report: RehearsalReport, title = "Rehearsal"): string {
  const lines = [
    `# ${title}: ${report.ok ? "PASSED" : "FAILED"}`,
    "",
    `- Safe: ${report.safe} (Safe ${report.before.state.version}, nonce ${report.before.state.nonce})`,
    `- Chain: ${report.chainId}, ${report.mode === "fork" ? "in-process fork" : "snapshot of the in-process chain"} from block ${report.block}`,
    `- Transactions rehearsed: ${report.steps.length}`,
  ];
  for (const s of report.skipped) lines.push(`- Skipped ${s.safeTxHash} (nonce ${s.nonce}): ${s.reason}`);
  for (const step of report.steps) lines.push("", ...formatStep(step));
  if (report.checks.length) lines.push("", "## Over the whole run", "", ...report.checks.map(checkLine));
  const failed = [...report.steps.flatMap((s) => s.checks), ...report.checks].filter((c) => !c.ok);
  if (failed.length) {
    lines.push("", "## Broken invariants", "");
    for (const name of new Set(failed.map((c) => c.name))) lines.push(`- **${name}**: ${INVARIANTS[name]}`);
  }
  return lines.join("\n") + "\n";
}

function formatStep(s: RehearsalStep): string[] {
  const lines = [
    `## Nonce ${s.nonce}: ${s.ok ? "ok" : "FAILED"}`,
    "",
    `- Safe transaction hash: ${s.safeTxHash}${s.origin ? ` (${s.origin})` : ""}`,
    `- Result: ${s.success ? "executed" : `failed: ${s.error}`}, gas ${s.gasUsed}`,
  ];
  if (s.queue) {
    lines.push(
      `- Queued as item ${s.queue.id} in ${s.queue.guard}; the clock moved ${s.queue.waited} s, then guard.execute ran it`,
    );
  }
  lines.push("", "Calls:", ...s.calls.map((c) => `- ${c.index}: ${c.to}: ${c.text}`));
  lines.push(
    "",
    "Balance changes:",
    ...(s.balances.length ? s.balances.map((b) => `- ${b.account} ${b.text}`) : ["- none"]),
  );
  lines.push(
    "",
    "Safe configuration:",
    ...(s.config.length ? s.config.map((c) => `- ${c.field}: ${c.before} -> ${c.after}`) : ["- unchanged"]),
  );
  lines.push("", "Guard policy:", ...(s.policy.length ? s.policy.map((p) => `- ${p}`) : ["- unchanged"]));
  if (s.events.length) {
    lines.push("", "Events:", ...s.events.map((e) => `- ${e.address} ${e.name}(${e.args.join(", ")})`));
  }
  lines.push("", "Invariants:", ...s.checks.map(checkLine));
  return lines;
}

function checkLine(c: Check): string {
  return `- [${c.ok ? "x" : " "}] ${c.name}: ${c.detail}`;
}

/** The names of the invariants a report breaks, for the one-line failure. */
export function brokenInvariants(report: RehearsalReport): string[] {
  return [
    ...new Set([...report.steps.flatMap((s) => s.checks), ...report.checks].filter((c) => !c.ok).map((c) => c.name)),
  ];
}
