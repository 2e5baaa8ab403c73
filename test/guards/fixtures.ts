import { encodeMultiSendData } from "@safe-global/protocol-kit";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Interface, parseEther, ZeroAddress } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { canonicalAddresses, type SafeVersion } from "../../lib/safe/canonical";
import { createSafe } from "../../lib/safe/create";
import { execSafeTx, safeAt, type SafeTxInput } from "../fixtures/safe";

export const ETH = ZeroAddress;
export const HOUR = 3600n;
export const DAY = 24n * HOUR;

// ITreasuryGuard.Verdict / Reason / QueueState (enum order).
export const Verdict = { Instant: 0n, Delayed: 1n, Forbidden: 2n } as const;
export const Reason = {
  None: 0n,
  CapExceeded: 1n,
  NoCap: 2n,
  RecipientNotAllowed: 3n,
  UntrustedTarget: 4n,
  PolicyLoosened: 5n,
  SafeSelfCall: 6n,
  UnboundedAllowance: 7n,
  SafeLibraryDelegateCall: 8n,
  DelegateCallForbidden: 9n,
  PlainMultiSend: 10n,
  GasRefund: 11n,
  GuardCall: 12n,
} as const;
export const QueueState = { None: 0n, Waiting: 1n, Ready: 2n, Expired: 3n, Executed: 4n, Cancelled: 5n } as const;

export const CALL = 0;
export const DELEGATECALL = 1;

/** keccak256("guard_manager.guard.address") and keccak256("module_manager.module_guard.address") */
export const GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";
export const MODULE_GUARD_SLOT = "0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947";

export const erc20 = new Interface([
  "function transfer(address,uint256)",
  "function transferFrom(address,address,uint256)",
  "function approve(address,uint256)",
  "function increaseAllowance(address,uint256)",
  "function decreaseAllowance(address,uint256)",
]);
export const safeIface = new Interface([
  "function addOwnerWithThreshold(address,uint256)",
  "function swapOwner(address,address,address)",
  "function changeThreshold(uint256)",
  "function enableModule(address)",
  "function disableModule(address,address)",
  "function setGuard(address)",
  "function setModuleGuard(address)",
  "function setFallbackHandler(address)",
]);

export interface Call {
  to: string;
  value?: bigint;
  data?: string;
}

/** MultiSendCallOnly payload (protocol-kit's encoding), as a DELEGATECALL Safe transaction. */
export function batch(calls: Call[], multiSendCallOnly: string): SafeTxInput {
  const encoded = encodeMultiSendData(
    calls.map((c) => ({ to: c.to, value: (c.value ?? 0n).toString(), data: c.data ?? "0x", operation: 0 })),
  );
  const data = new Interface(["function multiSend(bytes)"]).encodeFunctionData("multiSend", [encoded]);
  return { to: multiSendCallOnly, data, operation: DELEGATECALL };
}

export async function storedAddress(contract: string, slot: string): Promise<string> {
  const raw = await ethers.provider.getStorage(contract, slot);
  return ethers.getAddress("0x" + raw.slice(26));
}

/**
 * A 2-of-3 Safe of `version` with the TreasuryGuard installed as guard, module guard (1.5.0) and module, and an
 * initial policy: ETH cap 10, token cap 1000, recipients alice and bob, a trusted target, delay 1 day, expiry 2 days,
 * a test module enabled (and named recovery module). Policy and installation run before the guard is on.
 */
export async function guardedSafe(version: SafeVersion) {
  await bootstrapSafeContracts(hre);
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const [, , , alice, bob, stranger, executor] = signers;
  const addresses = canonicalAddresses(version);

  const guard = await ethers.deployContract("TreasuryGuard");
  const token = await ethers.deployContract("TestERC20");
  const nft = await ethers.deployContract("TestERC721");
  const multiToken = await ethers.deployContract("TestERC1155");
  const target = await ethers.deployContract("TestTarget");
  const module = await ethers.deployContract("TestModule");
  const writer = await ethers.deployContract("SlotZeroWriter");
  const guardAddress = await guard.getAddress();

  const safeAddress = await createSafe(hre, {
    owners: await Promise.all(owners.map((o) => o.getAddress())),
    threshold: 2,
    version,
    // Distinct from the default salt other suites use for the same owners.
    saltNonce: 0x7ea5_6a7dn,
  });
  await (await signers[0].sendTransaction({ to: safeAddress, value: parseEther("100") })).wait();
  await (await token.mint(safeAddress, parseEther("10000"))).wait();
  await (await nft.mint(safeAddress, 1n)).wait();
  await (await nft.mint(safeAddress, 2n)).wait();
  await (await multiToken.mint(safeAddress, 7n, 100n)).wait();

  const signing = owners.slice(0, 2);
  const exec = (tx: SafeTxInput, by: Signer[] = signing): Promise<ContractTransactionResponse> =>
    execSafeTx(safeAddress, tx, by);

  const g = guard.interface;
  const setup: Call[] = [
    { to: guardAddress, data: g.encodeFunctionData("setCap", [ETH, parseEther("10")]) },
    { to: guardAddress, data: g.encodeFunctionData("setCap", [await token.getAddress(), parseEther("1000")]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecipient", [alice.address, true]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecipient", [bob.address, true]) },
    { to: guardAddress, data: g.encodeFunctionData("setTrustedTarget", [await target.getAddress(), true]) },
    { to: guardAddress, data: g.encodeFunctionData("setDelay", [Number(DAY)]) },
    { to: guardAddress, data: g.encodeFunctionData("setExpiry", [Number(2n * DAY)]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecoveryModule", [await module.getAddress()]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [await module.getAddress()]) },
    ...(version === "1.5.0"
      ? [{ to: safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [guardAddress]) }]
      : []),
    { to: safeAddress, data: safeIface.encodeFunctionData("setGuard", [guardAddress]) },
  ];
  await (await exec(batch(setup, addresses.multiSendCallOnly!))).wait();

  return {
    version,
    guard,
    guardAddress,
    token,
    nft,
    multiToken,
    target,
    module,
    writer,
    safe: safeAt(safeAddress),
    safeAddress,
    owners,
    alice,
    bob,
    stranger,
    executor,
    addresses,
    exec,
    multiSendCallOnly: addresses.multiSendCallOnly!,
  };
}

// loadFixture caches by function identity and each suite restores the chain when it ends (see hermetic.ts), so
// every test file declares its own fixture functions: `const fixture = () => guardedSafe("1.5.0")`.

/** Queues `tx` through an instant Safe transaction and returns its id and eta. */
export async function queueTx(
  f: Awaited<ReturnType<typeof guardedSafe>>,
  tx: { to: string; value?: bigint; data?: string; operation?: number },
): Promise<{ id: bigint; eta: bigint; expiresAt: bigint }> {
  const id = (await f.guard.policy(f.safeAddress)).queued;
  const data = f.guard.interface.encodeFunctionData("queue", [
    tx.to,
    tx.value ?? 0n,
    tx.data ?? "0x",
    tx.operation ?? 0,
  ]);
  await (await f.exec({ to: f.guardAddress, data })).wait();
  const item = await f.guard.queuedTransaction(f.safeAddress, id);
  return { id, eta: item.eta, expiresAt: item.expiresAt };
}

export { time };
