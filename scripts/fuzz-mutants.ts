/**
 * Mutation check of the invariant fuzzer (issue 13): for each of the five invariants, a deliberately broken copy of
 * TreasuryGuard.sol must be caught by that invariant alone within the CI run's budget.
 *
 * Each mutant is a textual patch of one of the guard's sources (contracts/guards/TreasuryGuard.sol and its abstract
 * bases in contracts/guards/base/), compiled in memory with the project's solc
 * (the `solc` npm package, wasm) from the compiler input Hardhat recorded for the guard (same settings, including the
 * TreasuryGuard optimizer override), and never written into contracts/. The fuzz suite then runs with the mutant's
 * runtime code at the guard's address (FUZZ_GUARD_CODE), only the targeted invariant checked (FUZZ_INVARIANTS), and
 * the CI budget of sequences; the seed and the shrunk counterexample are printed.
 *
 *   npm run fuzz:mutants            all mutants, FUZZ_RUNS (default 2000) sequences each at most
 *   MUTANTS=count-no-batch npm run fuzz:mutants
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const GUARD = "contracts/guards/TreasuryGuard.sol";
// The guard's own sources: the top contract and its abstract bases (a mutant patches the one holding its `find`).
const GUARD_SOURCES = "contracts/guards/";

interface Mutant {
  name: string;
  invariant: number;
  description: string;
  find: string;
  replace: string;
}

export const MUTANTS: Mutant[] = [
  {
    name: "zero-amount-recipient",
    invariant: 1,
    description: "skip the recipient check for amount 0 (the token id 0 hole of issue 8)",
    find: "        if (!_recipients[safe][recipient]) _escalate(c, Verdict.Delayed, Reason.RecipientNotAllowed);\n        if (amount != 0) _addOutflow(c, asset, amount);",
    replace:
      "        if (amount != 0 && !_recipients[safe][recipient]) _escalate(c, Verdict.Delayed, Reason.RecipientNotAllowed);\n        if (amount != 0) _addOutflow(c, asset, amount);",
  },
  {
    name: "count-no-batch",
    invariant: 2,
    description: "count nothing for MultiSendCallOnly batches (recipients still checked)",
    find: "            _classifyBatch(c, safe, data, SafeCanonical.zeroMeansSelf(to));",
    replace: "            _classifyBatch(c, safe, data, SafeCanonical.zeroMeansSelf(to));\n            c.count = 0;",
  },
  {
    name: "set-guard-instant",
    invariant: 3,
    description: "let a Safe self-call of setGuard through without the queue",
    find: "            if (data.length != 0) _escalate(c, Verdict.Delayed, Reason.SafeSelfCall);",
    replace:
      "            if (data.length != 0 && bytes4(data) != 0xe19a9dd9) _escalate(c, Verdict.Delayed, Reason.SafeSelfCall);",
  },
  {
    name: "set-cap-raise-instant",
    invariant: 4,
    description: "let setCap raise a cap instantly",
    find: "            loosens =\n                newCap > _caps[safe][asset] ||\n                _decodeCap(_encodeCap(newCap)) > _decodeCap(_windows[safe][asset].extra());",
    replace: "            loosens = asset == address(1) && newCap == 0;",
  },
  {
    name: "queue-judged-as-module",
    invariant: 5,
    description: "the module guard judges the guard's own queued executions like any module transaction",
    find: "            module == address(this) ||\n            (module == _recoveryModules[safe] &&",
    replace: "            (module == _recoveryModules[safe] &&",
  },
];

interface BuildInfo {
  solcLongVersion: string;
  input: { sources: Record<string, { content: string }>; settings: Record<string, unknown> };
}

function guardBuildInfo(root: string): BuildInfo {
  const dbg = path.join(root, "artifacts", GUARD, "TreasuryGuard.dbg.json");
  if (!existsSync(dbg)) throw new Error(`${dbg} is missing: run \`npx hardhat compile\` first`);
  const { buildInfo } = JSON.parse(readFileSync(dbg, "utf8")) as { buildInfo: string };
  return JSON.parse(readFileSync(path.resolve(path.dirname(dbg), buildInfo), "utf8")) as BuildInfo;
}

/** The mutant's runtime bytecode, compiled with the recorded input (cached by source hash in the temp dir). */
function compileMutant(info: BuildInfo, file: string, source: string, dir: string): string {
  const hash = createHash("sha256")
    .update(file)
    .update(source)
    .update(JSON.stringify(info.input.settings))
    .digest("hex")
    .slice(0, 16);
  const out = path.join(dir, `${hash}.hex`);
  if (existsSync(out)) return out;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string; compile(input: string): string };
  if (
    !info.solcLongVersion.startsWith(
      solc
        .version()
        .replace(/\.Emscripten\.clang$/, "")
        .split("+")[0],
    )
  ) {
    throw new Error(`solc ${solc.version()} differs from the guard's build (${info.solcLongVersion})`);
  }
  const input = {
    language: "Solidity",
    sources: { ...info.input.sources, [file]: { content: source } },
    settings: {
      ...info.input.settings,
      outputSelection: { [GUARD]: { TreasuryGuard: ["evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  writeFileSync(out, output.contracts[GUARD].TreasuryGuard.evm.deployedBytecode.object);
  return out;
}

function main() {
  const root = path.resolve(__dirname, "..");
  const info = guardBuildInfo(root);
  const originals = new Map<string, string>();
  for (const file of Object.keys(info.input.sources).filter((f) => f.startsWith(GUARD_SOURCES))) {
    const content = readFileSync(path.join(root, file), "utf8");
    if (info.input.sources[file].content !== content)
      throw new Error(`${file} changed since the last compile: compile first`);
    originals.set(file, content);
  }
  const dir = path.join(tmpdir(), "treasury-guard-mutants");
  mkdirSync(dir, { recursive: true });
  const runs = process.env.FUZZ_RUNS ?? "2000";
  const only = process.env.MUTANTS?.split(",");
  const results: string[] = [];
  let survived = 0;
  for (const m of MUTANTS.filter((x) => !only || only.includes(x.name))) {
    const matches = [...originals].map(([file, content]) => ({ file, content, n: content.split(m.find).length - 1 }));
    const occurrences = matches.reduce((sum, x) => sum + x.n, 0);
    if (occurrences !== 1)
      throw new Error(`mutant ${m.name}: its patch matches ${occurrences} times (the guard changed?)`);
    const target = matches.find((x) => x.n === 1);
    if (!target) throw new Error(`mutant ${m.name}: no source holds its patch`);
    const started = Date.now();
    const code = compileMutant(info, target.file, target.content.replace(m.find, m.replace), dir);
    const compiled = (Date.now() - started) / 1000;
    const report = path.join(dir, `${m.name}.report.json`);
    const child = spawnSync("npx", ["hardhat", "test", "--no-compile", "test/fuzz/TreasuryGuard.fuzz.test.ts"], {
      cwd: root,
      env: {
        ...process.env,
        FUZZ_GUARD_CODE: code,
        FUZZ_INVARIANTS: String(m.invariant),
        FUZZ_RUNS: runs,
        // The fixed seeds only: a mutant is found (or not) the same way on every run.
        FUZZ_SEED_LIST: process.env.FUZZ_SEED_LIST ?? "fixed",
        FUZZ_REPORT: report,
      },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const r = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as Record<string, unknown>) : {};
    const caught =
      child.status !== 0 && typeof r.error === "string" && (r.error as string).includes(`: ${m.invariant}: `);
    if (!caught) survived++;
    const line = caught
      ? `KILLED   ${m.name} (invariant ${m.invariant}): seed ${r.failedSeed}, after ${r.sequencesToFailure} sequence(s), ${r.shrinks} shrinks, compile ${compiled} s, fuzz ${r.seconds} s\n         ${r.error}\n         shrunk: ${r.counterexample}`
      : `SURVIVED ${m.name} (invariant ${m.invariant}) after ${r.sequences ?? "?"} sequences\n${child.stdout.slice(-3000)}${child.stderr.slice(-3000)}`;
    console.log(line);
    results.push(line);
  }
  writeFileSync(path.join(dir, "summary.txt"), results.join("\n"));
  if (survived > 0) {
    console.error(`${survived} mutant(s) survived`);
    process.exitCode = 1;
  }
}

main();
