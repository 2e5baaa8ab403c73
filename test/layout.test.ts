import { expect } from "chai";
import hre from "hardhat";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir` whose name ends in `ext`, with its line count. */
function lineCounts(dir: string, ext: string): [string, number][] {
  return readdirSync(dir).flatMap((name): [string, number][] => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return lineCounts(path, ext);
    return path.endsWith(ext) ? [[path, readFileSync(path, "utf8").split("\n").length - 1]] : [];
  });
}

describe("layout: the size limits of docs/architecture.md", function () {
  it("keeps every contract file under 500 lines and TreasuryGuard.sol's top contract under 300", function () {
    const over = lineCounts("contracts", ".sol").filter(([, lines]) => lines > 500);
    expect(over, "contract files over 500 lines").to.deep.equal([]);
    expect(lineCounts("contracts/guards", "TreasuryGuard.sol")[0][1]).to.be.below(300);
  });

  it("keeps every lib file under 250 lines", function () {
    expect(
      lineCounts("lib", ".ts").filter(([, lines]) => lines > 250),
      "lib files over 250 lines",
    ).to.deep.equal([]);
  });

  it("deploys each singleton as one contract: no linked libraries, and within EIP-170's 24,576 bytes", async function () {
    for (const name of ["TreasuryGuard", "SpendingLimitModule", "RecoveryModule", "TreasuryFallbackHandler"]) {
      const artifact = await hre.artifacts.readArtifact(name);
      expect(artifact.deployedLinkReferences, `${name} links a library`).to.deep.equal({});
      expect((artifact.deployedBytecode.length - 2) / 2, `${name} size`).to.be.at.most(24_576);
    }
  });
});
