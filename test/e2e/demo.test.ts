import { expect } from "chai";
import { execFileSync } from "node:child_process";
import hre from "hardhat";

import { EXAMPLE_PARAMETERS, readTreasuryParams, toolkitAddressesFor, treasurySetup } from "../../lib/treasury";

// The README's quick start: `npm run demo` must exit 0 and show the whole flow. @slow: a separate Hardhat process.
describe("@slow demo (npm run demo)", function () {
  this.timeout(180_000);

  it("creates the 2-of-3 treasury at its deterministic address, executes a transfer and shows the guard refusing", async function () {
    // The address follows from the parameters and the toolkit's fallback handler (whose address follows from the
    // compiled guard and handler), never from the chain.
    const params = readTreasuryParams(EXAMPLE_PARAMETERS);
    const predicted = treasurySetup(params, await toolkitAddressesFor(hre, params)).predictedAddress;
    // --no-compile: the test run has compiled already; recompiling here would overwrite the artifacts the rest of
    // the run uses (under coverage, the instrumented ones).
    const output = execFileSync("npx", ["hardhat", "run", "--no-compile", "scripts/demo.ts"], {
      encoding: "utf8",
      env: { ...process.env, FORK_URL: "", FORK_BLOCK_NUMBER: "" },
    });
    expect(output).to.match(new RegExp(`treasury: +${predicted} \\(deployed\\)`));
    expect(output).to.match(/threshold: +2 of 3/);
    expect(output).to.match(/treasury: +10 ETH -> 8\.5 ETH/);
    expect(output).to.match(/1 ETH: instant: moves 1 ETH, within the policy/);
    expect(output).to.match(/5 ETH: delayed: moves 5 ETH; an outflow exceeds the remaining rolling 24h capacity/);
    expect(output).to.match(/5 ETH: The guard refuses: 5 ETH exceeds the 1 ETH still available in the rolling 24h cap/);
    expect(output).to.match(/treasury still holds 7\.5 ETH/);
    expect(output).to.contain("Demo complete.");
  });
});
