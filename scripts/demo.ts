/**
 * The quick-start demo on the embedded default chain (Hardhat's in-process network):
 * bootstrap Safe at its canonical addresses, create a 2-of-3 treasury from deploy/parameters/example.json,
 * fund it, propose an ETH transfer with protocol-kit, collect two owner signatures, execute, and show balances.
 *
 *   npm run demo
 */
import hre from "hardhat";
import { parseEther } from "ethers";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { UserError } from "../lib/errors";
import { formatAmount, keyValues } from "../lib/format";
import { protocolKit } from "../lib/safe/kit";
import { buildSafeTransaction, executeSigned, signByOwners } from "../lib/safe/transactions";
import { deployTreasury, EXAMPLE_PARAMETERS, readTreasuryParams } from "../lib/treasury";

const PARAMETERS = EXAMPLE_PARAMETERS;

function step(n: number, title: string) {
  console.log(`\n[${n}] ${title}`);
}

async function main() {
  const provider = hre.ethers.provider;
  const balance = async (a: string) => formatAmount(await provider.getBalance(a));

  step(1, "Bootstrap Safe contracts at their canonical addresses");
  const boot = await bootstrapSafeContracts(hre);
  const deployed = boot.entries.filter((e) => e.status === "deployed").length;
  console.log(
    `chain ${boot.chainId}: ${deployed} contracts deployed, ${boot.entries.length - deployed} already present`,
  );

  step(2, `Create the treasury from ${PARAMETERS} (Ignition, deterministic address)`);
  const params = readTreasuryParams(PARAMETERS);
  const treasury = await deployTreasury(hre, params);
  const kit = await protocolKit(hre, treasury.address);
  console.log(
    keyValues([
      ["treasury", `${treasury.address} (${treasury.status})`],
      ["version", await kit.getContractVersion()],
      ["owners", (await kit.getOwners()).join(", ")],
      ["threshold", `${await kit.getThreshold()} of ${(await kit.getOwners()).length}`],
    ]),
  );

  step(3, "Fund the treasury");
  const [funder, , , , , recipientSigner] = await hre.ethers.getSigners();
  await (await funder.sendTransaction({ to: treasury.address, value: parseEther("10") })).wait();
  const recipient = recipientSigner.address;
  console.log(keyValues([["treasury balance", await balance(treasury.address)]]));

  step(4, "Propose: send 1.5 ETH to the recipient (protocol-kit builds the Safe transaction)");
  const amount = parseEther("1.5");
  const proposer = params.owners[0];
  const safeTx = await buildSafeTransaction(await protocolKit(hre, treasury.address, { signer: proposer }), [
    { to: recipient, value: amount.toString(), data: "0x" },
  ]);
  console.log(
    keyValues([
      ["to", safeTx.data.to],
      ["value", formatAmount(BigInt(safeTx.data.value))],
      ["nonce", safeTx.data.nonce],
      ["safeTxHash", await kit.getTransactionHash(safeTx)],
    ]),
  );

  step(5, `Collect signatures from two of three owners`);
  const signed = await signByOwners(hre, treasury.address, safeTx, params.owners.slice(0, params.threshold));
  for (const [signer, signature] of signed.safeTx.signatures) {
    console.log(`  ${signer}: ${signature.data.slice(0, 20)}…`);
  }

  step(6, "Execute");
  const before = {
    treasury: await provider.getBalance(treasury.address),
    recipient: await provider.getBalance(recipient),
  };
  const result = await executeSigned(hre, treasury.address, signed.safeTx, params.owners[1]);
  if (!result.success) throw new UserError(`The Safe reported ExecutionFailure for ${result.hash}.`);
  console.log(
    keyValues([
      ["transaction", result.hash],
      ["gas used", result.gasUsed],
      ["treasury", `${formatAmount(before.treasury)} -> ${await balance(treasury.address)}`],
      ["recipient", `${formatAmount(before.recipient)} -> ${await balance(recipient)}`],
    ]),
  );
  const delta = (await provider.getBalance(recipient)) - before.recipient;
  if (delta !== amount) throw new Error(`Recipient received ${delta}, expected ${amount}.`);
  console.log("\nDemo complete.");
}

main().catch((error: unknown) => {
  if (error instanceof UserError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
