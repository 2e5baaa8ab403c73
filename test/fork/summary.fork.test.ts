import { expect } from "chai";
import { JsonRpcProvider, parseEther, ZeroAddress } from "ethers";
import hre from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { buildSummary } from "../../lib/summary";
import { EXAMPLE_PARAMETERS, readTreasuryParams, toolkitAddressesFor, treasurySetup } from "../../lib/treasury";

// Runs only with FORK_URL set (npm run test:fork). A task run with --network pointing at a real RPC simulates on an
// in-process fork of that RPC: here the "remote" network is the production node itself.
describe("@fork signer summary against a remote network", function () {
  it("simulates on an in-process fork of the network's RPC and sends nothing to it", async function () {
    const url = process.env.FORK_URL!;
    const production = new JsonRpcProvider(url);
    const params = readTreasuryParams(EXAMPLE_PARAMETERS);
    const treasury = treasurySetup(params, await toolkitAddressesFor(hre, params)).predictedAddress;
    const [, , , , , , , , , payee] = await hre.ethers.getSigners();
    const remote = {
      ...hre,
      network: { ...hre.network, name: "production", config: { ...hre.network.config, url } },
    } as unknown as HardhatRuntimeEnvironment;
    const safe = await hre.ethers.getContractAt(["function nonce() view returns (uint256)"], treasury);
    const block = await production.getBlockNumber();
    const summary = await buildSummary(remote, treasury, {
      to: payee.address,
      value: parseEther("0.25"),
      data: "0x",
      operation: 0,
      safeTxGas: 0n,
      baseGas: 0n,
      gasPrice: 0n,
      gasToken: ZeroAddress,
      refundReceiver: ZeroAddress,
      nonce: await safe.nonce(),
    });
    if ("unavailable" in summary.simulation) throw new Error(summary.simulation.unavailable);
    expect(summary.simulation.mode).to.equal("fork");
    expect(summary.simulation.success, summary.simulation.error).to.equal(true);
    const paid = summary.simulation.balances.find((b) => b.account === payee.address.toLowerCase());
    expect(paid?.delta).to.equal(parseEther("0.25"));
    expect(await production.getBlockNumber()).to.equal(block);
    production.destroy();
  });
});
