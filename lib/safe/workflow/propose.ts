import type SafeApiKit from "@safe-global/api-kit";
import type { MetaTransactionData, SafeTransaction } from "@safe-global/types-kit";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../../errors";
import { guardOf } from "../../guard/queue";
import type { OwnerSigner } from "../../signer";
import type { SignerSummary } from "../../summary";
import { apiKit, protocolKit } from "../kit";
import { serviceCall, serviceRead } from "../service";
import { approved, fieldsOf, summarize, type Approve } from "./common";
import { guardQueueInterface } from "../../abi";

/** Proposing: the summary approved, delayed transactions wrapped in the guard's queue, the first signature posted. */

export interface ProposeOptions {
  safe: string;
  transactions: MetaTransactionData[];
  signer: OwnerSigner;
  /** Defaults to the service's next nonce (pending proposals counted). */
  nonce?: number;
  origin?: string;
}

export async function proposeTransaction(
  hre: HardhatRuntimeEnvironment,
  options: ProposeOptions,
  approve: Approve,
): Promise<Proposed> {
  const { api, kit, nonce } = await proposer(hre, options);
  if (options.transactions.length === 0) throw new UserError("Nothing to propose: give at least one transaction.");
  let safeTx = await kit.createTransaction({
    transactions: options.transactions,
    onlyCalls: true,
    options: { nonce },
  });
  let summary = await summarize(hre, options.safe, fieldsOf(safeTx.data), api);
  let queued: QueuedInfo | undefined;
  if (!("unavailable" in summary.verdict) && summary.verdict.verdict === "delayed") {
    // Outside the policy: what the owners sign is the guard's queue wrapper; the transaction itself runs after the
    // Safe's delay (queue:execute). The wrapped transaction's summary is shown, then the wrapper's.
    queued = await queueWrapper(hre, options.safe, safeTx.data, summary);
    await approved(approve, summary);
    safeTx = await kit.createTransaction({ transactions: [queued.call], options: { nonce } });
    summary = await summarize(hre, options.safe, fieldsOf(safeTx.data), api);
  }
  return { ...(await signAndPropose(api, kit, options, safeTx, summary, approve)), nonce, queued };
}

/**
 * Proposes the Safe's rejection of a nonce: a zero-value call of the Safe to itself at that nonce, which replaces
 * whatever is pending there once it executes (the Safe{Wallet} "reject" of a queued transaction).
 */
export async function proposeRejection(
  hre: HardhatRuntimeEnvironment,
  options: Omit<ProposeOptions, "transactions" | "nonce"> & { nonce: number },
  approve: Approve,
): Promise<Proposed & { replaces: string[] }> {
  const { api, kit, nonce } = await proposer(hre, options);
  const current = await kit.getNonce();
  if (nonce < current) {
    throw new UserError(`Nonce ${nonce} is already used (the Safe is at nonce ${current}): nothing to reject there.`);
  }
  const pending = await serviceRead("list pending transactions", () => api.getPendingTransactions(options.safe));
  const replaces = pending.results.filter((t) => Number(t.nonce) === nonce).map((t) => t.safeTxHash);
  const safeTx = await kit.createRejectionTransaction(nonce);
  const summary = await summarize(hre, options.safe, fieldsOf(safeTx.data), api);
  return { ...(await signAndPropose(api, kit, options, safeTx, summary, approve)), nonce, replaces };
}

export interface Proposed {
  safeTxHash: string;
  nonce: number;
  summary: SignerSummary;
  queued?: QueuedInfo;
}

async function proposer(hre: HardhatRuntimeEnvironment, options: Pick<ProposeOptions, "safe" | "signer" | "nonce">) {
  const api = await apiKit(hre);
  const kit = await protocolKit(hre, options.safe, { signer: options.signer.kitSigner });
  if (!(await kit.isOwner(options.signer.address))) {
    throw new UserError(`${options.signer.address} is not an owner of ${options.safe}: sign with an owner's key.`);
  }
  // The service's next nonce counts pending proposals; the chain's is never behind it, even when the service's
  // indexer has not yet seen the last execution.
  const nonce =
    options.nonce ??
    Math.max(
      Number(await serviceRead("give the next nonce", () => api.getNextNonce(options.safe))),
      await kit.getNonce(),
    );
  return { api, kit, nonce };
}

/** After the summary is approved: signs as the proposer and posts the proposal with that first signature. */
async function signAndPropose(
  api: SafeApiKit,
  kit: Awaited<ReturnType<typeof protocolKit>>,
  options: Pick<ProposeOptions, "safe" | "signer" | "origin">,
  safeTx: SafeTransaction,
  summary: SignerSummary,
  approve: Approve,
): Promise<{ safeTxHash: string; summary: SignerSummary }> {
  await approved(approve, summary);
  const signed = await kit.signTransaction(safeTx);
  const safeTxHash = await kit.getTransactionHash(signed);
  await serviceCall(
    "accept the proposal",
    api.proposeTransaction({
      safeAddress: options.safe,
      safeTransactionData: signed.data,
      safeTxHash,
      senderAddress: options.signer.address,
      senderSignature: signed.getSignature(options.signer.address)!.data,
      origin: options.origin,
    }),
  );
  return { safeTxHash, summary };
}

export interface QueuedInfo {
  /** The Safe's call to guard.queue(to, value, data, operation). */
  call: MetaTransactionData;
  guard: string;
  /** Seconds the queued transaction waits once the wrapper executes. */
  delay: number;
  reason: string;
}

async function queueWrapper(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  tx: SafeTransaction["data"],
  summary: SignerSummary,
): Promise<QueuedInfo> {
  const contract = await guardOf(hre.ethers.provider, safe);
  const guard = await contract.getAddress();
  const policy = await contract.policy(safe);
  return {
    call: {
      to: guard,
      value: "0",
      data: guardQueueInterface.encodeFunctionData("queue", [tx.to, tx.value, tx.data, tx.operation]),
    },
    guard,
    delay: Number(policy.delay),
    reason: "unavailable" in summary.verdict ? "" : summary.verdict.explanation,
  };
}
