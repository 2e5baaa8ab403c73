import { expect } from "chai";
import { getAddress, parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import {
  BATCH_GAS_BOUND,
  MAX_PAYOUTS,
  PAYMENT_GAS,
  payoutBatches,
  payoutTotals,
  payoutTransactions,
  readPayouts,
} from "../../lib/payouts";

describe("lib/payouts", function () {
  const alice = getAddress("0x00000000000000000000000000000000000a11ce");
  const bob = getAddress("0x0000000000000000000000000000000000000b0b");

  it("reads ETH and ERC20 payments in the asset's units, in order, with totals", async function () {
    const token = await ethers.deployContract("TestERC20");
    const t = await token.getAddress();
    const payouts = await readPayouts(
      ethers.provider,
      `recipient,amount,token\n${alice},1.5,\n# a comment\n${bob.toLowerCase()},250.25,${t}\n${bob},0.000000000000000001,\n`,
    );
    expect(payouts.map((p) => [p.line, p.recipient, p.asset, p.amount])).to.deep.equal([
      [2, alice, ZeroAddress, parseEther("1.5")],
      [4, bob, t, parseEther("250.25")],
      [5, bob, ZeroAddress, 1n],
    ]);
    expect(payoutTotals(payouts)).to.deep.equal([
      "1.500000000000000001 ETH in 2 payment(s)",
      "250.25 TST in 1 payment(s)",
    ]);
    const txs = payoutTransactions(payouts);
    expect(txs[0]).to.deep.equal({ to: alice, value: parseEther("1.5").toString(), data: "0x" });
    expect(txs[1].to).to.equal(t);
    expect(token.interface.decodeFunctionData("transfer", txs[1].data)).to.deep.equal([bob, parseEther("250.25")]);
  });

  it("reports every bad row with its line, at once, and returns nothing", async function () {
    const wrongChecksum = alice.replace("A11cE", "a11cE"); // one letter's case changed
    const csv = [
      "recipient,amount,token",
      `not-an-address,1,`,
      `${wrongChecksum},1,`,
      `${ZeroAddress},1,`,
      `${alice},0,`,
      `${alice},-3,`,
      `${alice},1.0000000000000000001,`,
      `${alice},1e18,`,
      `${alice},1,${bob}`,
      `${bob},2,`,
      `${bob},2,`,
    ].join("\n");
    const error = await readPayouts(ethers.provider, csv).then(
      () => expect.fail("accepted a bad CSV"),
      (e: Error) => e,
    );
    expect(error.message).to.match(/has 9 problem\(s\); nothing was proposed/);
    for (const expected of [
      /line 2: recipient "not-an-address" is not an address/,
      /line 3: .*wrong checksum/,
      /line 4: recipient is the zero address/,
      /line 5: amount is 0/,
      /line 6: amount "-3" is not a positive ETH amount/,
      /line 7: .*at most 18 decimals/,
      /line 8: amount "1e18"/,
      /line 9: .*not an ERC20 on this chain/,
      /line 11: the same payment as line 10/,
    ]) {
      expect(error.message).to.match(expected);
    }
  });

  it("refuses an empty CSV, a header without the columns and more rows than one file holds", async function () {
    await expect(readPayouts(ethers.provider, "token,to,amount\n")).to.be.rejectedWith(/no payments/);
    await expect(readPayouts(ethers.provider, `to,value\n${alice},1\n`)).to.be.rejectedWith(
      /must name "to" \(or "recipient"\) and "amount"/,
    );
    const many = ["to,amount"].concat(Array.from({ length: MAX_PAYOUTS + 1 }, (_, i) => `${alice},${i + 1}`));
    await expect(readPayouts(ethers.provider, many.join("\n"))).to.be.rejectedWith(/at most 2500 go in one file/);
    await expect(readPayouts(ethers.provider, `recipient,amount\n"${alice},1\n`)).to.be.rejectedWith(/cannot be read/);
  });

  it("reads the token,to,amount header (ETH by name), reports progress, and splits batches at the gas bound", async function () {
    const token = await ethers.deployContract("TestERC20");
    const t = await token.getAddress();
    const rows = Array.from({ length: 420 }, (_, i) => (i % 2 ? `${t},${alice},${i + 1}` : `ETH,${bob},${i + 1}`));
    const progress: number[] = [];
    const payouts = await readPayouts(ethers.provider, ["token,to,amount", ...rows].join("\n"), (n) =>
      progress.push(n),
    );
    expect(progress).to.deep.equal([100, 200, 300, 400]);
    expect(payouts.filter((p) => p.asset === ZeroAddress)).to.have.length(210);
    const batches = payoutBatches(payouts);
    // 86 ETH+token pairs (9.89M gas) and one ETH payment fit in 10M; the next token payment would not.
    expect(batches.map((b) => b.length)).to.deep.equal([173, 173, 74]);
    expect(batches.flat()).to.deep.equal(payouts); // the CSV's order, every row once
    const gasOf = (b: typeof payouts) =>
      b.reduce((sum, p) => sum + (p.asset === ZeroAddress ? PAYMENT_GAS.eth : PAYMENT_GAS.token), 0);
    for (const [i, b] of batches.entries()) {
      expect(gasOf(b)).to.be.at.most(BATCH_GAS_BOUND);
      if (i + 1 < batches.length) expect(gasOf([...b, batches[i + 1][0]])).to.be.above(BATCH_GAS_BOUND);
    }
  });
});
