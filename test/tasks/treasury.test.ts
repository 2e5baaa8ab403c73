import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { readTreasuryParams, toolkitAddressesFor, treasurySetup } from "../../lib/treasury";

/** Where the parameters file's Safe lands (the toolkit's fallback handler is part of the address). */
async function predicted(file: string): Promise<string> {
  const params = readTreasuryParams(file);
  return treasurySetup(params, await toolkitAddressesFor(hre, params)).predictedAddress;
}

async function chain() {
  await bootstrapSafeContracts(hre);
}

function parametersFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "treasury-")), "parameters.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function chainState() {
  const [deployer] = await hre.ethers.getSigners();
  return {
    block: await hre.ethers.provider.getBlockNumber(),
    nonce: await hre.ethers.provider.getTransactionCount(deployer.address),
  };
}

describe("treasury:deploy task", function () {
  const owners = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  ];

  it("rejects a bad file with every field named, and sends no transaction", async function () {
    await loadFixture(chain);
    const before = await chainState();
    const file = parametersFile({ Treasury: { owners: [owners[0], owners[1], owners[1]], threshold: 4 } });
    await expect(hre.run("treasury:deploy", { parameters: file })).to.be.rejectedWith(
      /Treasury\.owners\[2\]: duplicate owner[\s\S]*Treasury\.threshold: must be between 1 and the number of owners \(3\), got 4/,
    );
    expect(await chainState()).to.deep.equal(before);
  });

  it("rejects a file that is not JSON, naming the file", async function () {
    await loadFixture(chain);
    const before = await chainState();
    const file = parametersFile("{ not json");
    await expect(hre.run("treasury:deploy", { parameters: file })).to.be.rejectedWith(
      new RegExp(`Invalid treasury parameters in ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    expect(await chainState()).to.deep.equal(before);
  });

  it("--dry-run predicts the address and sends nothing", async function () {
    await loadFixture(chain);
    const before = await chainState();
    const file = parametersFile({ Treasury: { owners, threshold: 2, saltNonce: "5" } });
    await hre.run("treasury:deploy", { parameters: file, dryRun: true });
    expect(await chainState()).to.deep.equal(before);
    expect(await hre.ethers.provider.getCode(await predicted(file))).to.equal("0x");
  });

  it("creates the Safe at the predicted address", async function () {
    await loadFixture(chain);
    const file = parametersFile({ Treasury: { owners, threshold: 2, saltNonce: "6" } });
    await hre.run("treasury:deploy", { parameters: file });
    expect(await hre.ethers.provider.getCode(await predicted(file))).to.not.equal("0x");
  });

  it("routes `ignition deploy` of the Treasury module through the same validation", async function () {
    await loadFixture(chain);
    const before = await chainState();
    const file = parametersFile({ Treasury: { owners: [owners[0], "0xabc"], threshold: 1 } });
    await expect(
      hre.run({ scope: "ignition", task: "deploy" }, { modulePath: "deploy/modules/Treasury.ts", parameters: file }),
    ).to.be.rejectedWith(/Treasury\.owners\[1\]: "0xabc" is not an address/);
    expect(await chainState()).to.deep.equal(before);
    const good = parametersFile({ Treasury: { owners, threshold: 2, saltNonce: "7" } });
    await hre.run(
      { scope: "ignition", task: "deploy" },
      { modulePath: "deploy/modules/Treasury.ts", parameters: good },
    );
    expect(await hre.ethers.provider.getCode(await predicted(good))).to.not.equal("0x");
  });
});
