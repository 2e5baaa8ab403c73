import { readFileSync } from "node:fs";

import { getAddress, Interface, parseEther, ZeroAddress } from "ethers";
import type { Signer } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { canonicalAddresses } from "../../lib/safe/canonical";
import { createSafe, safeInterface } from "../../lib/safe/create";
import { batch } from "../fixtures/batch";
import { DAY, ETH, HOUR, safeIface } from "../fixtures/constants";
import { tokenInterface } from "../../lib/abi";

/**
 * The world every fuzz sequence starts from: a 2-of-3 Safe 1.5.0 with the TreasuryGuard as transaction guard, module
 * guard and module, holding ETH, two ERC20s, an ERC777/ERC1363-style token with receiver hooks, three NFTs (ids 0, 1,
 * 2) and an ERC1155 balance. Two modules are enabled: `recovery` (named the guard's recovery module) and `rogue` (a
 * compromised module with no privilege). Sequences start from an evm_snapshot of this world and revert to it.
 *
 * FUZZ_GUARD_CODE names a file holding the runtime bytecode of a mutated guard (scripts/fuzz-mutants.ts): it is set
 * at the guard's address before the policy is written, so the whole world runs the mutant. The guard has no
 * constructor and no immutables, so its runtime code alone is the contract.
 */

export const CAPS = {
  eth: parseEther("10"),
  tokenA: parseEther("1000"),
  hook: parseEther("500"),
} as const;
export const INITIAL_DELAY = HOUR;
export const INITIAL_EXPIRY = 2n * DAY;

/** keccak256("fallback_manager.handler.address") */
export const FALLBACK_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";

export const hookIface = new Interface([
  ...tokenInterface.fragments,
  "function isOperatorFor(address,address) view returns (bool)",
]);
export const nftIface = new Interface([
  "function transferFrom(address,address,uint256)",
  "function approve(address,uint256)",
  "function safeTransferFrom(address,address,uint256)",
  "function safeTransferFrom(address,address,uint256,bytes)",
  "function setApprovalForAll(address,bool)",
  "function ownerOf(uint256) view returns (address)",
  "function getApproved(uint256) view returns (address)",
  "function isApprovedForAll(address,address) view returns (bool)",
]);
export const multiIface = new Interface([
  "function safeTransferFrom(address,address,uint256,uint256,bytes)",
  "function safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
  "function setApprovalForAll(address,bool)",
  "function balanceOf(address,uint256) view returns (uint256)",
  "function isApprovedForAll(address,address) view returns (bool)",
]);
export const safeAdminIface = new Interface([
  ...safeIface.fragments,
  "function removeOwner(address,address,uint256)",
  "function disableModule(address,address)",
]);
export const moduleIface = new Interface(["function exec(address,address,uint256,bytes,uint8) returns (bool)"]);

export async function fuzzWorld() {
  await bootstrapSafeContracts(hre);
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const [, , , alice, bob, stranger, carol, executor] = signers;
  const addresses = canonicalAddresses("1.5.0");
  const addresses141 = canonicalAddresses("1.4.1");

  const guard = await ethers.deployContract("TreasuryGuard");
  const guardAddress = await guard.getAddress();
  const mutant = process.env.FUZZ_GUARD_CODE;
  if (mutant) {
    const code = readFileSync(mutant, "utf8").trim();
    await hre.network.provider.send("hardhat_setCode", [guardAddress, code.startsWith("0x") ? code : "0x" + code]);
  }
  const tokenA = await ethers.deployContract("TestERC20");
  const tokenB = await ethers.deployContract("TestERC20");
  const hook = await ethers.deployContract("TestHookToken");
  const nft = await ethers.deployContract("TestERC721");
  const multi = await ethers.deployContract("TestERC1155");
  const target = await ethers.deployContract("TestTarget");
  const recovery = await ethers.deployContract("TestModule");
  const rogue = await ethers.deployContract("TestModule");
  const writer = await ethers.deployContract("SlotZeroWriter");
  const probe = await ethers.deployContract("FuzzProbe");

  const safeAddress = await createSafe(hre, {
    owners: await Promise.all(owners.map((o) => o.getAddress())),
    threshold: 2,
    version: "1.5.0",
    saltNonce: 0xf022_0001n,
  });
  await (await signers[0].sendTransaction({ to: safeAddress, value: parseEther("100") })).wait();
  for (const t of [tokenA, tokenB, hook]) await (await t.mint(safeAddress, parseEther("10000"))).wait();
  for (const id of [0n, 1n, 2n]) await (await nft.mint(safeAddress, id)).wait();
  await (await multi.mint(safeAddress, 7n, 100n)).wait();

  const [tokenAAddress, tokenBAddress, hookAddress, nftAddress, multiAddress, targetAddress] = await Promise.all(
    [tokenA, tokenB, hook, nft, multi, target].map((c) => c.getAddress()),
  );
  const [recoveryAddress, rogueAddress, writerAddress] = await Promise.all(
    [recovery, rogue, writer].map((c) => c.getAddress()),
  );

  const g = guard.interface;
  const setup = [
    { to: guardAddress, data: g.encodeFunctionData("setCap", [ETH, CAPS.eth]) },
    { to: guardAddress, data: g.encodeFunctionData("setCap", [tokenAAddress, CAPS.tokenA]) },
    { to: guardAddress, data: g.encodeFunctionData("setCap", [hookAddress, CAPS.hook]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecipient", [alice.address, true]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecipient", [bob.address, true]) },
    { to: guardAddress, data: g.encodeFunctionData("setTrustedTarget", [targetAddress, true]) },
    { to: guardAddress, data: g.encodeFunctionData("setDelay", [Number(INITIAL_DELAY)]) },
    { to: guardAddress, data: g.encodeFunctionData("setExpiry", [Number(INITIAL_EXPIRY)]) },
    { to: guardAddress, data: g.encodeFunctionData("setRecoveryModule", [recoveryAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [guardAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [recoveryAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("enableModule", [rogueAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("setModuleGuard", [guardAddress]) },
    { to: safeAddress, data: safeIface.encodeFunctionData("setGuard", [guardAddress]) },
  ];
  const { execSafeTx } = await import("../../lib/safe/prevalidated");
  await (await execSafeTx(safeAddress, batch(setup, addresses.multiSendCallOnly!), owners.slice(0, 2))).wait();

  // Everyone the fuzzer can name as a recipient, spender, operator or new owner, and whose holdings it watches.
  const named = {
    owner0: owners[0].address,
    owner1: owners[1].address,
    owner2: owners[2].address,
    alice: alice.address,
    bob: bob.address,
    stranger: stranger.address,
    carol: carol.address,
    executor: executor.address,
    guard: guardAddress,
    recovery: recoveryAddress,
    rogue: rogueAddress,
    target: targetAddress,
    tokenA: tokenAAddress,
    tokenB: tokenBAddress,
    hook: hookAddress,
    nft: nftAddress,
    multi: multiAddress,
    writer: writerAddress,
    zero: ZeroAddress,
  };
  const signerOf = new Map<string, Signer>(signers.map((s) => [getAddress(s.address), s]));

  return {
    guard,
    guardAddress,
    tokenA: tokenAAddress,
    tokenB: tokenBAddress,
    hook: hookAddress,
    nft: nftAddress,
    multi: multiAddress,
    target: targetAddress,
    recovery: recoveryAddress,
    rogue: rogueAddress,
    writer: writerAddress,
    probe,
    safeAddress,
    safe: new ethers.Contract(safeAddress, safeInterface("1.5.0"), ethers.provider),
    owners,
    alice,
    bob,
    stranger,
    carol,
    executor,
    signers,
    signerOf,
    named,
    /**
     * Parties watched by the invariants, and the only addresses the generator names as recipients, spenders or
     * operators (every read costs a call frame per snapshot: the list is short on purpose). The other owners are
     * left out: they are never named as recipients.
     */
    parties: [
      named.owner0,
      named.alice,
      named.bob,
      named.stranger,
      named.carol,
      named.executor,
      named.guard,
      named.recovery,
      named.rogue,
      named.target,
      named.tokenA,
      named.zero,
    ],
    /** EOA parties: the only addresses the fuzzer makes owners, so the Safe can always sign. */
    eoas: [owners[0], owners[1], owners[2], alice, bob, stranger, carol, executor].map((s) => s.address),
    canonical: {
      multiSendCallOnly150: addresses.multiSendCallOnly!,
      multiSendCallOnly141: addresses141.multiSendCallOnly!,
      multiSendCallOnly130: "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",
      multiSend150: addresses.multiSend!,
      safeMigration: addresses.safeMigration!,
      signMessageLib150: addresses.signMessageLib!,
      signMessageLib141: addresses141.signMessageLib!,
    },
  };
}

export type World = Awaited<ReturnType<typeof fuzzWorld>>;
