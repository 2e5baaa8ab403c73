/**
 * The quick-start demo on the embedded default chain (Hardhat's in-process network):
 * bootstrap Safe at its canonical addresses, create a 2-of-3 treasury from deploy/parameters/example.json,
 * fund it, propose an ETH transfer with protocol-kit, collect two owner signatures, execute, and show balances.
 *
 *   npm run demo
 */
import hre from "hardhat";
import { parseEther, ZeroAddress } from "ethers";

import { bootstrapSafeContracts } from "../lib/bootstrap";
import { UserError } from "../lib/errors";
import { guardInstallTransactions } from "../lib/guard/install";
import { previewTransaction } from "../lib/guard/preview";
import { explainRevert } from "../lib/revert";
import { deployToolkit } from "../lib/toolkit";
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

  step(7, "Install the TreasuryGuard: 2 ETH per rolling 24h, the recipient whitelisted (one Safe transaction)");
  const [guardEntry, handlerEntry] = await deployToolkit(hre, ["TreasuryGuard", "TreasuryFallbackHandler"]);
  const guard = guardEntry.address;
  const install = await buildSafeTransaction(
    kit,
    guardInstallTransactions(
      treasury.address,
      guard,
      treasury.version,
      { caps: [{ asset: ZeroAddress, cap: parseEther("2") }], recipients: [recipient] },
      // Already the treasury's handler (the default at creation); an existing Safe gets it in this batch.
      handlerEntry.address,
    ),
  );
  const installSigned = await signByOwners(hre, treasury.address, install, params.owners.slice(0, params.threshold));
  const installed = await executeSigned(hre, treasury.address, installSigned.safeTx, params.owners[0]);
  console.log(
    keyValues([
      ["guard", `${guard} (${guardEntry.status})`],
      ["install transaction", installed.hash],
    ]),
  );

  step(8, "Preview two payments before anyone signs (the guard's classify view)");
  const small = { to: recipient, value: parseEther("1") };
  const large = { to: recipient, value: parseEther("5") };
  console.log(`  1 ETH: ${(await previewTransaction(hre, guard, treasury.address, small)).summary}`);
  console.log(`  5 ETH: ${(await previewTransaction(hre, guard, treasury.address, large)).summary}`);

  step(9, "Execute both: the one within policy passes, the other is refused on chain and nothing moves");
  const pay = async (tx: { to: string; value: bigint }) => {
    const built = await buildSafeTransaction(kit, [{ to: tx.to, value: tx.value.toString(), data: "0x" }]);
    const signedTx = await signByOwners(hre, treasury.address, built, params.owners.slice(0, params.threshold));
    return executeSigned(hre, treasury.address, signedTx.safeTx, params.owners[1]);
  };
  const paid = await pay(small);
  console.log(`  1 ETH: executed in ${paid.hash}; recipient now ${await balance(recipient)}`);
  const beforeRefusal = await provider.getBalance(treasury.address);
  try {
    await pay(large);
    throw new Error("The guard let an over-cap payment through.");
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("The guard let")) throw error;
    console.log(`  5 ETH: ${explainRevert(error, [])}`);
  }
  if ((await provider.getBalance(treasury.address)) !== beforeRefusal) throw new Error("Funds moved on a refusal.");
  console.log(`  treasury still holds ${await balance(treasury.address)}`);
  console.log("\nDemo complete.");
}

main().catch((error: unknown) => {
  if (error instanceof UserError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
