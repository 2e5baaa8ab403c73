import { keyValues, table } from "../format";
import type { SignerSummary } from "./index";

/** The summary as a person reads it before signing: calls, warnings, verdict, simulation, hashes. */
export function formatSummary(s: SignerSummary): string {
  const out: string[] = [];
  out.push(`Safe ${s.safe} (v${s.version}, chain ${s.chainId})`, "");
  out.push("Calls");
  out.push(
    table(
      s.calls.map((c) => ({
        "#": c.index,
        op: c.operation === 1 ? "DELEGATECALL" : "call",
        to: c.toName ? `${c.to} (${c.toName})` : c.to,
        what: c.text,
      })),
    ),
    "",
  );
  out.push(`Warnings (${s.warnings.length})`);
  out.push(
    ...(s.warnings.length ? s.warnings.map((w) => `  ! ${w.call ? `[call ${w.call}] ` : ""}${w.message}`) : ["  none"]),
  );
  out.push("");
  if ("unavailable" in s.verdict) out.push(`Guard verdict: unavailable (${s.verdict.unavailable})`);
  else {
    out.push(`Guard verdict: ${s.verdict.verdict.toUpperCase()} - ${s.verdict.explanation}`);
    for (const r of s.verdict.remainingAfter) out.push(`  cap of ${r.symbol}: ${r.text}`);
  }
  out.push("");
  if ("unavailable" in s.simulation) out.push(`Simulation: unavailable (${s.simulation.unavailable})`);
  else {
    const sim = s.simulation;
    const mode = sim.mode === "accessor" ? "offline, SimulateTxAccessor: success and gas only" : sim.mode;
    out.push(`Simulation (${mode}): ${sim.success ? "succeeds" : `FAILS - ${sim.error}`}, gas ${sim.gasUsed}`);
    if (sim.events.length) out.push(`  events: ${sim.events.map((e) => e.name).join(", ")}`);
    for (const b of sim.balances)
      out.push(`  ${b.account}: ${b.text ?? `${b.delta > 0n ? "+" : ""}${b.delta} of ${b.asset}`}`);
  }
  out.push("", "Hashes (compare with your hardware wallet's screen)");
  out.push(
    keyValues([
      ["domain hash", s.hashes.domainHash],
      ["message hash", s.hashes.messageHash],
      ["safeTxHash", s.hashes.safeTxHash],
    ]),
  );
  return out.join("\n");
}
