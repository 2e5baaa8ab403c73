import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { CALL, Reason, Verdict } from "../fixtures/constants";
import { guardedSafe } from "../fixtures/guard";
import { hermetic } from "../fixtures/hermetic";
import { tokenInterface } from "../../lib/abi";

const fixture = () => guardedSafe("1.5.0");

describe("TreasuryGuard decoding of token calls (classify)", function () {
  hermetic();

  it("judges every decoded selector by its decoding: recipient, amount and asset", async function () {
    const f = await loadFixture(fixture);
    const token = await f.token.getAddress();
    const safe = f.safeAddress;
    const ok = f.alice.address; // whitelisted
    const bad = f.stranger.address; // not whitelisted
    const other = f.bob.address; // whitelisted, not the Safe
    type Case = [signature: string, args: unknown[], verdict: bigint, reason: bigint, counted: bigint];
    const cases: Case[] = [
      ["transfer(address,uint256)", [ok, 5n], Verdict.Instant, Reason.None, 5n],
      ["transfer(address,uint256)", [bad, 5n], Verdict.Delayed, Reason.RecipientNotAllowed, 5n],
      ["transfer(address,uint256)", [safe, 5n], Verdict.Instant, Reason.None, 0n],
      ["send(address,uint256,bytes)", [bad, 5n, "0x"], Verdict.Delayed, Reason.RecipientNotAllowed, 5n],
      ["send(address,uint256,bytes)", [ok, 5n, "0x"], Verdict.Instant, Reason.None, 5n],
      ["transferAndCall(address,uint256)", [bad, 5n], Verdict.Delayed, Reason.RecipientNotAllowed, 5n],
      ["transferAndCall(address,uint256,bytes)", [ok, 6n, "0x12"], Verdict.Instant, Reason.None, 6n],
      ["approveAndCall(address,uint256)", [bad, 5n], Verdict.Delayed, Reason.RecipientNotAllowed, 5n],
      ["approveAndCall(address,uint256,bytes)", [ok, 7n, "0x"], Verdict.Instant, Reason.None, 7n],
      ["approve(address,uint256)", [bad, 0n], Verdict.Instant, Reason.None, 0n],
      ["increaseAllowance(address,uint256)", [ok, 3n], Verdict.Instant, Reason.None, 3n],
      ["decreaseAllowance(address,uint256)", [bad, 3n], Verdict.Instant, Reason.None, 0n],
      ["transferFrom(address,address,uint256)", [safe, bad, 4n], Verdict.Delayed, Reason.RecipientNotAllowed, 4n],
      ["transferFrom(address,address,uint256)", [other, ok, 4n], Verdict.Instant, Reason.None, 0n],
      ["transferFrom(address,address,uint256)", [other, bad, 4n], Verdict.Delayed, Reason.RecipientNotAllowed, 0n],
      ["transferFromAndCall(address,address,uint256)", [safe, ok, 8n], Verdict.Instant, Reason.None, 8n],
      [
        "transferFromAndCall(address,address,uint256,bytes)",
        [safe, bad, 8n, "0x"],
        Verdict.Delayed,
        Reason.RecipientNotAllowed,
        8n,
      ],
      [
        "operatorSend(address,address,uint256,bytes,bytes)",
        [safe, ok, 9n, "0x", "0x"],
        Verdict.Instant,
        Reason.None,
        9n,
      ],
      [
        "operatorSend(address,address,uint256,bytes,bytes)",
        [other, safe, 9n, "0x", "0x"],
        Verdict.Instant,
        Reason.None,
        0n,
      ],
      ["safeTransferFrom(address,address,uint256)", [safe, bad, 1n], Verdict.Delayed, Reason.RecipientNotAllowed, 0n],
      ["safeTransferFrom(address,address,uint256,bytes)", [safe, ok, 1n, "0x"], Verdict.Instant, Reason.None, 0n],
      [
        "safeTransferFrom(address,address,uint256,uint256,bytes)",
        [safe, bad, 1n, 2n, "0x"],
        Verdict.Delayed,
        Reason.RecipientNotAllowed,
        0n,
      ],
      [
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        [safe, bad, [1n], [2n], "0x"],
        Verdict.Delayed,
        Reason.RecipientNotAllowed,
        0n,
      ],
      [
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        [safe, ok, [1n], [2n], "0x"],
        Verdict.Instant,
        Reason.None,
        0n,
      ],
      ["setApprovalForAll(address,bool)", [bad, true], Verdict.Delayed, Reason.RecipientNotAllowed, 0n],
      ["setApprovalForAll(address,bool)", [ok, true], Verdict.Instant, Reason.None, 0n],
      ["setApprovalForAll(address,bool)", [bad, false], Verdict.Instant, Reason.None, 0n],
      ["authorizeOperator(address)", [ok], Verdict.Delayed, Reason.UnboundedAllowance, 0n],
      ["revokeOperator(address)", [bad], Verdict.Instant, Reason.None, 0n],
    ];
    for (const [signature, args, verdict, reason, counted] of cases) {
      const data = tokenInterface.encodeFunctionData(signature, args);
      const [v, r, outflows] = await f.guard.classify(safe, token, 0n, data, CALL, 0n);
      expect(
        [v, r],
        `${signature} ${JSON.stringify(args, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`,
      ).to.deep.equal([verdict, reason]);
      expect(outflows.map((o) => [o.asset, o.amount])).to.deep.equal(counted ? [[token, counted]] : []);
    }
  });

  it("needs the queue for a decoded selector with truncated arguments", async function () {
    const f = await loadFixture(fixture);
    const data = tokenInterface
      .encodeFunctionData("transfer(address,uint256)", [f.alice.address, 5n])
      .slice(0, 2 + 2 * 40);
    const [v, r, outflows] = await f.guard.classify(f.safeAddress, await f.token.getAddress(), 0n, data, CALL, 0n);
    expect([v, r, outflows.length]).to.deep.equal([Verdict.Delayed, Reason.UntrustedTarget, 0]);
  });
});
