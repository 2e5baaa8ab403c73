import { writeFileSync } from "node:fs";

import { expect } from "chai";
import fc from "fast-check";

import { hermetic } from "../fixtures/hermetic";
import { FIXED_SEEDS, Fuzzer, timing } from "./runner";

/**
 * Invariant fuzzing of the guarded Safe (issue 13). `npm test` runs a short run (FUZZ_RUNS unset: one fixed seed,
 * 40 sequences); `npm run fuzz` runs FUZZ_RUNS sequences (2,000 by default) split over the fixed seeds and one
 * random seed it prints. FUZZ_SEED (and FUZZ_PATH, both printed by fast-check on failure) replays one
 * counterexample; FUZZ_TIME_LIMIT (seconds) bounds a long run; FUZZ_SEED_LIST ("fixed", or seeds separated by commas) replaces the seeds. FUZZ_REPORT names a JSON file for the result (scripts/fuzz-mutants.ts reads it).
 */
describe("TreasuryGuard invariants under random transactions @fuzz", function () {
  hermetic();

  it("nothing leaks, caps hold, configuration moves only through the queue, the guard matches the model, removal always works", async function () {
    this.timeout(0);
    const started = Date.now();
    const fuzzer = await Fuzzer.create();
    console.log(`      fuzz: world ready in ${(Date.now() - started) / 1000} s`);
    const total = Number(process.env.FUZZ_RUNS ?? 40);
    const timeLimit = Number(process.env.FUZZ_TIME_LIMIT ?? 0) * 1000;
    const replay = process.env.FUZZ_SEED;
    const list = process.env.FUZZ_SEED_LIST;
    const seeds = replay
      ? [Number(replay)]
      : list === "fixed"
        ? FIXED_SEEDS
        : list
          ? list.split(",").map(Number)
          : process.env.FUZZ_RUNS
            ? [...FIXED_SEEDS, Math.floor(Math.random() * 0x7fffffff)]
            : [FIXED_SEEDS[0]];
    const report: Record<string, unknown> = { seeds, sequences: 0, steps: 0 };
    let failure: string | undefined;
    for (const seed of seeds) {
      const numRuns = replay ? 1 : Math.ceil(total / seeds.length);
      console.log(`      fuzz: seed ${seed}, ${numRuns} sequences, invariants ${[...fuzzer.invariants].join(",")}`);
      const result = await fc.check(
        fc.asyncProperty(fuzzer.arbitrary(), async (steps) => {
          const violation = await fuzzer.run(steps);
          if (violation) throw new Error(violation);
        }),
        {
          seed,
          numRuns,
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
          // FUZZ_TIME_LIMIT (seconds, whole run): a bounded long run stops starting sequences once it is reached.
          ...(timeLimit
            ? { interruptAfterTimeLimit: Math.max(1, started + timeLimit - Date.now()), markInterruptAsFailure: false }
            : {}),
        },
      );
      if (result.interrupted) {
        report.interrupted = true;
        console.log(`      fuzz: FUZZ_TIME_LIMIT reached during seed ${seed}`);
        break;
      }
      if (result.failed) {
        failure = fc.defaultReportMessage(result);
        Object.assign(report, {
          failedSeed: seed,
          path: result.counterexamplePath,
          counterexample: fc.stringify(result.counterexample),
          error: String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance),
          sequencesToFailure: result.numRuns,
          shrinks: result.numShrinks,
        });
        break;
      }
    }
    Object.assign(report, { sequences: fuzzer.sequences, steps: fuzzer.steps, seconds: (Date.now() - started) / 1000 });
    console.log(`      fuzz: ${fuzzer.sequences} sequences, ${fuzzer.steps} steps in ${report.seconds} s`);
    const outcomes = [...fuzzer.outcomes].sort(([a], [b]) => a.localeCompare(b));
    console.log(`      fuzz: steps by outcome: ${outcomes.map(([k, v]) => `${k}: ${v}`).join("; ")}`);
    report.outcomes = Object.fromEntries(outcomes);
    console.log(`      fuzz: time (ms) ${JSON.stringify(timing)}`);
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(report, null, 2));
    expect(failure, failure).to.equal(undefined);
  });
});
