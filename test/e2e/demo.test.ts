import { expect } from "chai";
import { execFileSync } from "node:child_process";
import hre from "hardhat";

import { readTreasuryParams, toolkitAddressesFor, treasurySetup } from "../../lib/treasury";

// The README's quick start: `npm run demo` must exit 0 and tell the whole story. @slow: a separate Hardhat process.
describe("@slow demo (npm run demo)", function () {
  this.timeout(240_000);

  it("runs the treasury's life on the embedded service: pay, cap, queue, CSV, delegate, recovery", async function () {
    // The address follows from the parameters and the toolkit's singletons (compiled code), never from the chain.
    const params = readTreasuryParams("deploy/parameters/full.json");
    const predicted = treasurySetup(params, await toolkitAddressesFor(hre, params)).predictedAddress;
    // --no-compile: the test run has compiled already; recompiling here would overwrite the artifacts the rest of
    // the run uses (under coverage, the instrumented ones).
    const output = execFileSync("npx", ["hardhat", "run", "--no-compile", "scripts/demo.ts"], {
      encoding: "utf8",
      env: { ...process.env, FORK_URL: "", FORK_BLOCK_NUMBER: "", TX_SERVICE_URL: "", SAFE_API_KEY: "" },
    });
    const [recipient] = params.guard!.recipients;
    const [guardianA, guardianB] = params.recovery!.guardians;
    const expected = [
      new RegExp(`treasury: +${predicted} \\(deployed\\)`),
      /listening on http:\/\/127\.0\.0\.1:\d+\/api/,
      // the summary owner 1 reads: the call, the warning, the guard's verdict, the simulation, the hashes
      new RegExp(`0  call  ${recipient}  send 1 ETH`),
      /! \[call 0\] 0x9965…A4dc was never paid before/,
      /Guard verdict: INSTANT - within the policy\n\s+cap of ETH: 2 ETH left afterwards/,
      new RegExp(`${recipient.toLowerCase()}: \\+1 ETH`),
      /safeTxHash: +0x[0-9a-f]{64}/,
      /recipient now holds 10001 ETH/,
      /verdict: delayed\n\s+verdict: instant/, // the over-cap payment, then its queue wrapper
      /queued as item 0: waiting/,
      /guard\.execute: 0x[0-9a-f]{64}; recipient now holds 10003\.5 ETH/,
      /2 payments: 1 ETH in 2 payment\(s\)/,
      /recipient now holds 10004\.5 ETH/,
      /the delegate has 1\.5 ETH left of 2 ETH today/,
      new RegExp(`finalized: owners now ${guardianB}, ${guardianA} \\(threshold 1\\)`),
      /treasury holds 15 ETH/,
      /Demo complete\./,
    ];
    let at = 0;
    for (const pattern of expected) {
      const match = pattern.exec(output.slice(at));
      expect(match, `${pattern} after offset ${at} in:\n${output}`).to.not.equal(null);
      at += match!.index + match![0].length;
    }
  });
});
