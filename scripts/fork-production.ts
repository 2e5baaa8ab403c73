/**
 * Plays "production" on a running node (used by `npm run test:fork`): bootstraps Safe, creates the treasury from
 * deploy/parameters/example.json, funds it and executes one payment, so the fork suite finds a live treasury with
 * history. Idempotent: on a chain that already has a used treasury it sends nothing and only reports.
 *
 *   npx hardhat run scripts/fork-production.ts --network localhost
 */
import hre from "hardhat";
import { parseEther } from "ethers";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { UserError } from "../lib/errors";
import { formatAmount, keyValues } from "../lib/format";
import { protocolKit } from "../lib/safe/kit";
import { buildSafeTransaction, executeSigned, signByOwners } from "../lib/safe/transactions";
import { deployTreasury, EXAMPLE_PARAMETERS, readTreasuryParams } from "../lib/treasury";

const PRODUCTION_FUNDING = parseEther("25");
const PRODUCTION_PAYMENT = parseEther("1");

async function main() {
  const boot = await bootstrapSafeContracts(hre);
  const params = readTreasuryParams(EXAMPLE_PARAMETERS);
  const treasury = await deployTreasury(hre, params);
  const kit = await protocolKit(hre, treasury.address);
  if ((await kit.getNonce()) === 0) {
    const [funder, , , , , , , payee] = await hre.ethers.getSigners();
    await (await funder.sendTransaction({ to: treasury.address, value: PRODUCTION_FUNDING })).wait();
    const tx = await buildSafeTransaction(kit, [
      { to: payee.address, value: PRODUCTION_PAYMENT.toString(), data: "0x" },
    ]);
    const signed = await signByOwners(hre, treasury.address, tx, params.owners.slice(0, params.threshold));
    await executeSigned(hre, treasury.address, signed.safeTx, params.owners[0]);
  }
  console.log(
    keyValues([
      ["chain", boot.chainId],
      ["bootstrap transactions", boot.transactions],
      ["treasury", `${treasury.address} (${treasury.status})`],
      ["nonce", await kit.getNonce()],
      ["balance", formatAmount(await hre.ethers.provider.getBalance(treasury.address))],
      ["block", await hre.ethers.provider.getBlockNumber()],
    ]),
  );
}

main().catch((error: unknown) => {
  if (error instanceof UserError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
