/**
 * Guard overhead benchmark: gasUsed of the same Safe transaction with and without the TreasuryGuard, in the same
 * run, on two otherwise identical 1-of-1 Safes (1.5.0). Each scenario runs once on both Safes to warm up (first-time
 * storage writes: recipients' balances, the guard's window header) and is then measured on both, in the same hour
 * (steady state). Not measured here: the first spend of an asset (one zero -> non-zero write, about +17,100) and the
 * first spend after the hour changes (the window flushes the previous hour into its ring: about +5,000, plus 2,100
 * per expiring non-empty bucket).
 *
 *   npx hardhat run scripts/bench-gas.ts            (prints a Markdown table; `--json` via BENCH_JSON=1)
 */
import { encodeMultiSendData } from "@safe-global/protocol-kit";
import { Interface, parseEther, ZeroAddress } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { canonicalAddresses } from "../lib/safe/canonical";
import { createSafe } from "../lib/safe/create";
import { execSafeTx, type SafeTxInput } from "../test/fixtures/safe";

const erc20 = new Interface(["function transfer(address,uint256)"]);
const multiSend = new Interface(["function multiSend(bytes)"]);
const safeIface = new Interface([
  "function enableModule(address)",
  "function setGuard(address)",
  "function setModuleGuard(address)",
]);

interface Row {
  scenario: string;
  without: bigint;
  with: bigint;
  overhead: bigint;
  budget: bigint;
}

async function main() {
  await bootstrapSafeContracts(hre);
  const [owner] = await ethers.getSigners();
  const addresses = canonicalAddresses("1.5.0");
  const guard = await ethers.deployContract("TreasuryGuard");
  const token = await ethers.deployContract("TestERC20");
  const guardAddress = await guard.getAddress();
  const tokenAddress = await token.getAddress();
  const recipients = Array.from({ length: 20 }, (_, i) =>
    ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0xbe000 + i), 20)),
  );

  const plain = await createSafe(hre, { owners: [owner.address], threshold: 1, saltNonce: 0xbe4c01n });
  const guarded = await createSafe(hre, { owners: [owner.address], threshold: 1, saltNonce: 0xbe4c02n });
  for (const safe of [plain, guarded]) {
    await (await owner.sendTransaction({ to: safe, value: parseEther("100") })).wait();
    await (await token.mint(safe, parseEther("1000000"))).wait();
  }
  const g = guard.interface;
  const setup = [
    { to: guardAddress, data: g.encodeFunctionData("setCap", [ZeroAddress, parseEther("1000")]) },
    { to: guardAddress, data: g.encodeFunctionData("setCap", [tokenAddress, parseEther("1000000")]) },
    ...recipients.map((r) => ({ to: guardAddress, data: g.encodeFunctionData("setRecipient", [r, true]) })),
    { to: guarded, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
    { to: guarded, data: safeIface.encodeFunctionData("setModuleGuard", [guardAddress]) },
    { to: guarded, data: safeIface.encodeFunctionData("setGuard", [guardAddress]) },
  ];
  const toBatch = (calls: { to: string; value?: bigint; data: string }[]): SafeTxInput => ({
    to: addresses.multiSendCallOnly!,
    operation: 1,
    data: multiSend.encodeFunctionData("multiSend", [
      encodeMultiSendData(
        calls.map((c) => ({ to: c.to, value: (c.value ?? 0n).toString(), data: c.data, operation: 0 })),
      ),
    ]),
  });
  await (await execSafeTx(guarded, toBatch(setup), [owner])).wait();

  const gasOf = async (safe: string, tx: SafeTxInput) => (await (await execSafeTx(safe, tx, [owner])).wait())!.gasUsed;
  const scenarios: { name: string; tx: SafeTxInput; budget: bigint }[] = [
    { name: "ETH transfer, whitelisted, under cap", tx: { to: recipients[0], value: 1000n }, budget: 18_000n },
    {
      name: "ERC20 transfer, whitelisted, under cap",
      tx: { to: tokenAddress, data: erc20.encodeFunctionData("transfer", [recipients[1], 1000n]) },
      budget: 18_000n,
    },
    {
      name: "MultiSendCallOnly, 20 ERC20 transfers",
      tx: toBatch(
        recipients.map((r) => ({ to: tokenAddress, data: erc20.encodeFunctionData("transfer", [r, 1000n]) })),
      ),
      budget: 15_000n + 3_000n * 20n,
    },
  ];
  const rows: Row[] = [];
  for (const s of scenarios) {
    await gasOf(plain, s.tx);
    await gasOf(guarded, s.tx);
    const without = await gasOf(plain, s.tx);
    const withGuard = await gasOf(guarded, s.tx);
    if (withGuard - without > s.budget) process.exitCode = 1;
    rows.push({
      scenario: s.name,
      without,
      with: withGuard,
      overhead: withGuard - without,
      budget: s.budget,
    });
  }
  if (process.env.BENCH_JSON) {
    console.log(JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v), 2));
    return;
  }
  console.log("| Scenario | Without guard | With guard | Overhead | Budget |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) {
    const ok = r.overhead <= r.budget ? "ok" : "OVER";
    console.log(`| ${r.scenario} | ${r.without} | ${r.with} | ${r.overhead} | ${r.budget} (${ok}) |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
