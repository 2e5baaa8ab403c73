import { expect } from "chai";
import { parseEther } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { protocolKit } from "../../lib/safe/kit";
import { buildSafeTransaction, executeSigned, signByOwners } from "../../lib/safe/transactions";
import {
  deployTreasury,
  EXAMPLE_PARAMETERS,
  readTreasuryParams,
  toolkitAddressesFor,
  treasurySetup,
} from "../../lib/treasury";

interface HardhatMetadata {
  forkedNetwork: { chainId: number; forkBlockNumber: number } | null;
}

// Runs only with FORK_URL set (npm run test:fork): the chain is a real fork of a node playing production.
describe("@fork production treasury", function () {
  const params = readTreasuryParams(EXAMPLE_PARAMETERS);
  let treasury: string;
  before(async function () {
    treasury = treasurySetup(params, await toolkitAddressesFor(hre, params)).predictedAddress;
  });

  it("runs on a real fork of FORK_URL, pinned to FORK_BLOCK_NUMBER when given", async function () {
    const metadata: HardhatMetadata = await hre.network.provider.send("hardhat_metadata");
    expect(metadata.forkedNetwork, "not forking: set FORK_URL").to.not.equal(null);
    const pinned = process.env.FORK_BLOCK_NUMBER;
    if (pinned) expect(metadata.forkedNetwork?.forkBlockNumber).to.equal(Number(pinned));
  });

  it("finds Safe at its canonical addresses already: the bootstrap sends nothing", async function () {
    const result = await bootstrapSafeContracts(hre);
    expect(result.transactions).to.equal(0);
    expect(result.entries.every((e) => e.status === "present")).to.equal(true);
  });

  it("reads the existing treasury instead of redeploying it", async function () {
    const block = await hre.ethers.provider.getBlockNumber();
    const result = await deployTreasury(hre, params);
    expect(result).to.deep.include({ status: "present", address: treasury });
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    const kit = await protocolKit(hre, treasury);
    expect(await kit.getOwners()).to.deep.equal(params.owners);
    expect(await kit.getThreshold()).to.equal(params.threshold);
    expect(await kit.getNonce(), "production executed a payment before the fork").to.be.greaterThan(0);
    expect(await hre.ethers.provider.getBalance(treasury)).to.be.greaterThan(0n);
  });

  it("rehearses a payment from the production treasury on the fork", async function () {
    const [, , , , , , , , , payee] = await hre.ethers.getSigners();
    const kit = await protocolKit(hre, treasury);
    const nonce = await kit.getNonce();
    const before = await hre.ethers.provider.getBalance(payee.address);
    const tx = await buildSafeTransaction(kit, [
      { to: payee.address, value: parseEther("0.5").toString(), data: "0x" },
    ]);
    const signed = await signByOwners(hre, treasury, tx, params.owners.slice(1, 1 + params.threshold));
    const result = await executeSigned(hre, treasury, signed.safeTx, params.owners[2]);
    expect(result.success).to.equal(true);
    expect(await hre.ethers.provider.getBalance(payee.address)).to.equal(before + parseEther("0.5"));
    expect(await kit.getNonce()).to.equal(nonce + 1);
  });
});
