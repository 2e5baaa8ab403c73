import { expect } from "chai";
import { parseEther } from "ethers";
import hre, { ethers } from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import type { SafeVersion } from "../../lib/safe/canonical";
import { toolkitAddress } from "../../lib/toolkit";
import { deployTreasury, parseTreasuryParams } from "../../lib/treasury";
import type { TxService } from "../../service";
import { api, rpcServer, service } from "../service/helpers";

/** What a task printed with console.log while `run` ran. */
export async function captured(run: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await run();
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

/**
 * Mocha hooks for a suite of task tests: the in-process chain served over HTTP, the embedded service on it, and
 * TX_SERVICE_URL pointing the tasks at that service (restored afterwards). `ctx.svc` is the running service.
 */
export function withEmbeddedService(): { svc: TxService; rpcUrl: string } {
  const ctx = {} as { svc: TxService; rpcUrl: string };
  let rpc: Awaited<ReturnType<typeof rpcServer>> | undefined;
  const previousUrl = process.env.TX_SERVICE_URL;
  before(async function () {
    rpc = await rpcServer();
    ctx.rpcUrl = rpc.url;
    ctx.svc = await service(rpc.url);
    process.env.TX_SERVICE_URL = ctx.svc.url;
  });
  after(async function () {
    if (previousUrl === undefined) delete process.env.TX_SERVICE_URL;
    else process.env.TX_SERVICE_URL = previousUrl;
    await ctx.svc?.close();
    await rpc?.close();
  });
  return ctx;
}

/** What a task printed with --json, parsed. */
export async function json<T = Record<string, unknown>>(task: string, args: Record<string, unknown>): Promise<T> {
  return JSON.parse(await captured(() => hre.run(task, { ...args, json: true }))) as T;
}

/**
 * A 2-of-3 treasury (Hardhat accounts 0..2) created through the users' path (deployTreasury, toolkit singletons):
 * the TreasuryGuard with an ETH cap of 10 and a TST cap of 1000, alice (#5) whitelisted, delay 1 day; the
 * SpendingLimitModule with `granted` (#6) allowed 2 ETH per day, paying the guard's recipients. Funded with 100 ETH
 * and 10,000 TST. Each test takes its own salt: the embedded service keeps proposals across chain snapshots, so a
 * Safe address is never reused. `safeVersion` 1.4.1 makes a Safe to migrate; `guardExtra` adds guard policy fields.
 */
export async function guardedTreasury(
  saltNonce: number,
  token: string,
  safeVersion: SafeVersion = "1.5.0",
  guardExtra: Record<string, unknown> = {},
) {
  await bootstrapSafeContracts(hre);
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const [bob, alice, granted, delegate, stranger, relayer] = signers.slice(4, 10);
  const params = parseTreasuryParams({
    Treasury: {
      owners: owners.map((o) => o.address),
      threshold: 2,
      saltNonce: String(saltNonce),
      safeVersion,
      guard: {
        caps: [
          { asset: "ETH", amount: "10" },
          { asset: token, amount: "1000", decimals: 18 },
        ],
        recipients: [alice.address],
        delay: 86400,
        ...guardExtra,
      },
      spendingLimit: {
        allowances: [{ delegate: granted.address, asset: "ETH", amount: "2" }],
        useGuardRecipients: true,
      },
    },
  });
  const { address: safe } = await deployTreasury(hre, params);
  await (await owners[0].sendTransaction({ to: safe, value: parseEther("100") })).wait();
  const tst = await ethers.getContractAt("TestERC20", token);
  await (await tst.mint(safe, parseEther("10000"))).wait();
  const [guard, spending] = await Promise.all([
    ethers.getContractAt("TreasuryGuard", await toolkitAddress(hre, "TreasuryGuard")),
    ethers.getContractAt("SpendingLimitModule", await toolkitAddress(hre, "SpendingLimitModule")),
  ]);
  return { safe, guard, spending, token: tst, owners, alice, bob, granted, delegate, stranger, relayer };
}

/** The one pending proposal of `safe` at its current nonce (there must be exactly one). */
export async function pendingAtNonce(svc: TxService, safe: string) {
  const nonce = await (await ethers.getContractAt(["function nonce() view returns (uint256)"], safe)).nonce();
  const pending = (await api(svc).getPendingTransactions(safe)).results.filter((t) => BigInt(t.nonce) === nonce);
  expect(pending, `pending proposals of ${safe} at nonce ${nonce}`).to.have.length(1);
  return pending[0];
}

/** The second owner confirms the pending proposal and executes it (the first proposed and signed it). */
export async function confirmAndExecute(svc: TxService, safe: string, second: string) {
  const pending = await pendingAtNonce(svc, safe);
  await captured(() =>
    hre.run("safe:confirm", { safeTxHash: pending.safeTxHash, signer: second, yes: true, json: true }),
  );
  await captured(() => hre.run("safe:execute", { safeTxHash: pending.safeTxHash, signer: second, json: true }));
  return pending;
}

/** `safe:propose` of an ETH payment (`value` in ETH) by the owner `signer`, output swallowed. */
export async function proposePayment(safe: string, to: string, value: string, signer: string) {
  await captured(() => hre.run("safe:propose", { safe, to, value, signer, yes: true, json: true }));
}
