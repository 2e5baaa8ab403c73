import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { parseAmount, resolveAsset } from "../../lib/assets";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";

const fixture = () => guardedSafe("1.5.0");

describe("lib/assets", function () {
  hermetic();

  it("resolves ETH, addresses and known symbols; refuses unknown and ambiguous symbols", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    expect(await resolveAsset(ethers.provider, "eth", "asset")).to.deep.include({ address: ZeroAddress, decimals: 18 });
    expect(await resolveAsset(ethers.provider, token, "asset")).to.deep.equal({
      address: token,
      symbol: "TST",
      decimals: 18,
    });
    expect((await resolveAsset(ethers.provider, "TST", "asset", [token])).address).to.equal(token);
    // Not looked up outside the Safe's configuration.
    await expect(resolveAsset(ethers.provider, "TST", "asset", [])).to.be.rejectedWith(/--asset TST: unknown token/);
    const twin = await (await ethers.deployContract("TestERC20")).getAddress();
    await expect(resolveAsset(ethers.provider, "TST", "token", [token, twin])).to.be.rejectedWith(
      /--token TST is ambiguous/,
    );
    await expect(resolveAsset(ethers.provider, f.alice.address, "asset")).to.be.rejectedWith(/does not answer symbol/);
  });

  it("parses amounts in the asset's units and names the argument when it cannot", function () {
    const usdc = { address: ZeroAddress, symbol: "USDC", decimals: 6 };
    expect(parseAmount("1.5", usdc, "amount")).to.equal(1_500_000n);
    expect(parseAmount("0", usdc, "amount", { allowZero: true })).to.equal(0n);
    for (const bad of ["-1", "1e3", "1.1234567", "", " . ", "0x10"]) {
      expect(() => parseAmount(bad, usdc, "amount"), bad).to.throw(/--amount .* is not an amount of USDC/);
    }
    expect(() => parseAmount("0", usdc, "cap")).to.throw(/--cap must be more than 0 USDC/);
  });
});
