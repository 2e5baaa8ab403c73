import { encodeMultiSendData } from "@safe-global/protocol-kit";
import { Interface, parseEther } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { canonicalAddresses, type SafeVersion } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { execSafeTx, safeAt, type SafeTxInput } from "../fixtures/safe";

export const SAFE_VERSIONS: SafeVersion[] = ["1.5.0", "1.4.1"];
export const HOUR = 3600n;
export const DAY = 24n * HOUR;
export const SENTINEL = "0x0000000000000000000000000000000000000001";

export const safeIface = new Interface([
  "function enableModule(address)",
  "function setGuard(address)",
  "function setModuleGuard(address)",
  "function addOwnerWithThreshold(address,uint256)",
]);

export interface Call {
  to: string;
  value?: bigint;
  data?: string;
}

/** A MultiSendCallOnly batch of `calls`, as a DELEGATECALL Safe transaction (calls to the Safe use its address). */
export function batch(version: SafeVersion, calls: Call[]): SafeTxInput {
  const encoded = encodeMultiSendData(
    calls.map((c) => ({ to: c.to, value: (c.value ?? 0n).toString(), data: c.data ?? "0x", operation: 0 })),
  );
  const data = new Interface(["function multiSend(bytes)"]).encodeFunctionData("multiSend", [encoded]);
  return { to: canonicalAddresses(version).multiSendCallOnly!, data, operation: 1 };
}

/** Addresses sorted ascending, as RecoveryModule proposals require. */
export function sorted(addresses: string[]): string[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/**
 * A funded Safe of `version` owned by `owners` (threshold `threshold`), created with a salt private to the module
 * suites, and an `exec` that runs a Safe transaction signed by the first `threshold` owners.
 */
export async function moduleSafe(version: SafeVersion, owners: Signer[], threshold: number, saltNonce: bigint) {
  await bootstrapSafeContracts(hre);
  const safeAddress = await createSafe(hre, {
    owners: await Promise.all(owners.map((o) => o.getAddress())),
    threshold,
    version,
    saltNonce,
  });
  const [funder] = await ethers.getSigners();
  await (await funder.sendTransaction({ to: safeAddress, value: parseEther("100") })).wait();
  const signing = owners.slice(0, threshold);
  const exec = (tx: SafeTxInput, by: Signer[] = signing): Promise<ContractTransactionResponse> =>
    execSafeTx(safeAddress, tx, by);
  return { safe: safeAt(safeAddress), safeAddress, exec };
}
