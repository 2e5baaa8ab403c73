import type SafeApiKit from "@safe-global/api-kit";
import { generateTypedData } from "@safe-global/protocol-kit";
import type { MetaTransactionData, SafeMultisigTransactionResponse, SafeTransaction } from "@safe-global/types-kit";
import { getAddress, toBeHex, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { guardOf, guardQueueInterface } from "../guard/queue";
import type { OwnerSigner } from "../signer";
import { buildSummary, type SafeTxFields, type SignerSummary } from "../summary";
import { safeTxData, safeTxHashes } from "./hashes";
import { apiKit, protocolKit } from "./kit";
import { safeTransactionFromService, serviceCall, serviceRead } from "./service";
import { executeSigned, type ExecutionResult } from "./transactions";
import { parseSignatures, partFromConfirmation, SignatureError } from "./signatures";
import { verifyOnChainParts } from "./verify";

/**
 * The one propose -> confirm -> execute path over a Safe Transaction Service (hosted or embedded), used by the
 * tasks. Nobody signs what the tool has not shown: every signing step builds the signer-safety summary first and
 * hands it to `approve`, which shows it and decides; a transaction the guard forbids is refused before anyone signs.
 */

/** Shows the summary and says whether to go on (a prompt, or --yes). */
export type Approve = (summary: SignerSummary) => Promise<boolean>;

export function fieldsOf(tx: SafeTransaction["data"] | SafeMultisigTransactionResponse): SafeTxFields {
  return {
    to: getAddress(tx.to),
    value: BigInt(tx.value),
    data: tx.data ?? "0x",
    operation: Number(tx.operation),
    safeTxGas: BigInt(tx.safeTxGas),
    baseGas: BigInt(tx.baseGas),
    gasPrice: BigInt(tx.gasPrice),
    gasToken: getAddress(tx.gasToken ?? ZeroAddress),
    refundReceiver: getAddress(tx.refundReceiver ?? ZeroAddress),
    nonce: BigInt(tx.nonce),
  };
}

async function summarize(hre: HardhatRuntimeEnvironment, safe: string, fields: SafeTxFields, api: SafeApiKit) {
  const history = await serviceRead("list the Safe's history", () =>
    api.getMultisigTransactions(safe, { executed: true }),
  );
  const paidBefore = new Set(history.results.map((t) => getAddress(t.to)));
  const summary = await buildSummary(hre, safe, fields, { paidBefore });
  if (!("unavailable" in summary.verdict) && summary.verdict.verdict === "forbidden") {
    throw new UserError(
      `The Safe's guard forbids this transaction (${summary.verdict.reason}: ${summary.verdict.explanation}). ` +
        "Nothing was signed.",
    );
  }
  return summary;
}

async function approved(approve: Approve, summary: SignerSummary): Promise<void> {
  if (!(await approve(summary))) throw new UserError("Not signed: you declined after reading the summary.");
}

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

/** Loads a transaction from the service and checks it can still be signed. */
async function pendingTransaction(api: SafeApiKit, safeTxHash: string) {
  const tx = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  if (tx.isExecuted) throw new UserError(`${safeTxHash} was already executed in ${tx.transactionHash}.`);
  return tx;
}

export async function confirmTransaction(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signer: OwnerSigner,
  approve: Approve,
): Promise<{ confirmations: number; threshold: number; summary: SignerSummary }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const kit = await protocolKit(hre, tx.safe, { signer: signer.kitSigner });
  if (!(await kit.isOwner(signer.address))) {
    throw new UserError(`${signer.address} is not an owner of ${tx.safe}: sign with an owner's key.`);
  }
  const summary = await summarize(hre, tx.safe, fieldsOf(tx), api);
  if (summary.hashes.safeTxHash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(
      `The service's fields for ${safeTxHash} hash to ${summary.hashes.safeTxHash}: refusing to sign.`,
    );
  }
  await approved(approve, summary);
  const signed = await kit.signTransaction(await safeTransactionFromService(kit, { ...tx, confirmations: [] }));
  await serviceCall(
    "accept the confirmation",
    api.confirmTransaction(safeTxHash, signed.getSignature(signer.address)!.data),
  );
  const after = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  return { confirmations: after.confirmations?.length ?? 0, threshold: after.confirmationsRequired, summary };
}

export async function executeTransaction(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signer: OwnerSigner,
): Promise<ExecutionResult & { stale: string[] }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const kit = await protocolKit(hre, tx.safe, { signer: signer.kitSigner });
  const [threshold, nonce] = await Promise.all([kit.getThreshold(), kit.getNonce()]);
  if (Number(tx.nonce) < nonce) {
    throw new UserError(
      `${safeTxHash} is for nonce ${tx.nonce}, which another transaction already used (the Safe is at nonce ` +
        `${nonce}): it can never run. Propose it again at a new nonce if it is still wanted.`,
    );
  }
  if (Number(tx.nonce) > nonce) {
    throw new UserError(
      `${safeTxHash} is for nonce ${tx.nonce} but the Safe is at nonce ${nonce}: execute (or reject) nonce ${nonce} first.`,
    );
  }
  const { valid, stale } = await checkConfirmations(hre, kit, safeTxHash, tx);
  if (valid.length < threshold) {
    const staleText = stale.length
      ? ` ${stale.join(", ")} signed but ${stale.length === 1 ? "is" : "are"} no longer an owner (stale; not counted).`
      : "";
    throw new UserError(
      `${safeTxHash} has ${valid.length} valid confirmation(s) of the ${threshold} the Safe needs now.${staleText} ` +
        "Collect more from current owners (safe:confirm), then execute.",
    );
  }
  const safeTx = await safeTransactionFromService(kit, { ...tx, confirmations: valid });
  return { ...(await executeSigned(hre, tx.safe, safeTx, signer.kitSigner)), stale };
}

/**
 * Checks, before executing, that the service's fields hash to `safeTxHash` and that every confirmation of a current
 * owner is that owner's valid signature of that hash; confirmations of removed owners are stale, returned by name
 * and left out (the threshold is checked against the owners of now). The Safe checks signatures too, but it takes an approved-hash part (v = 1) of the
 * executor without any approval: a service that lists one for the executor would make the executor's own
 * transaction the missing signature for something it never saw summarised.
 */
async function checkConfirmations(
  hre: HardhatRuntimeEnvironment,
  kit: Awaited<ReturnType<typeof protocolKit>>,
  safeTxHash: string,
  tx: SafeMultisigTransactionResponse,
): Promise<{ valid: NonNullable<SafeMultisigTransactionResponse["confirmations"]>; stale: string[] }> {
  const version = await kit.getContractVersion();
  const { chainId } = await hre.ethers.provider.getNetwork();
  const { hash, preimage } = safeTxHashes(tx.safe, version, chainId, fieldsOf(tx));
  if (hash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(`The service's fields for ${safeTxHash} hash to ${hash}: refusing to execute.`);
  }
  const owners = (await kit.getOwners()).map((o) => getAddress(o));
  const valid: NonNullable<SafeMultisigTransactionResponse["confirmations"]> = [];
  const stale: string[] = [];
  for (const confirmation of tx.confirmations ?? []) {
    try {
      const part = partFromConfirmation(confirmation);
      if (!owners.includes(part.owner)) {
        // Signed while an owner (the service checked then); the owners of now decide.
        stale.push(part.owner);
        continue;
      }
      if (part.type === "EOA" || part.type === "ETH_SIGN") {
        const [parsed] = parseSignatures(part.signature, hash);
        if (parsed.owner !== part.owner || parsed.type !== part.type) {
          throw new SignatureError(`its signature recovers to ${parsed.owner}, not ${part.owner}.`);
        }
      } else {
        await verifyOnChainParts({ provider: hre.ethers.provider, safe: tx.safe, version, hash, preimage }, [part]);
      }
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      throw new UserError(
        `The service's confirmation of ${confirmation.owner} for ${safeTxHash} is not valid (${error.message}): ` +
          "refusing to execute.",
      );
    }
    valid.push(confirmation);
  }
  return { valid, stale };
}

/** EIP-712 typed data of a pending transaction, as any wallet's eth_signTypedData_v4 takes it, plus the hashes. */
export async function exportTypedData(hre: HardhatRuntimeEnvironment, safeTxHash: string, approve: Approve) {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const summary = await summarize(hre, tx.safe, fieldsOf(tx), api);
  await approved(approve, summary);
  const fields = fieldsOf(tx);
  const typed = generateTypedData({
    safeAddress: tx.safe,
    safeVersion: summary.version,
    chainId: summary.chainId,
    data: safeTxData(fields),
  });
  const domain = { ...typed.domain, chainId: Number(summary.chainId) };
  return {
    typedData: {
      types: typed.types,
      domain,
      primaryType: "SafeTx",
      message: typed.message,
    },
    hashes: summary.hashes,
  };
}

/**
 * Checks an externally made signature (an air-gapped or hardware wallet's eth_signTypedData_v4 of the exported
 * data, v 0/1 or 27/28) recovers to an owner, then posts it as a confirmation.
 */
export async function importSignature(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signature: string,
  expectedSigner?: string,
): Promise<{ owner: string; confirmations: number; threshold: number }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const normalised = normaliseV(signature);
  const { hash } = safeTxHashes(
    tx.safe,
    await kitVersion(hre, tx.safe),
    (await hre.ethers.provider.getNetwork()).chainId,
    fieldsOf(tx),
  );
  if (hash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(`The service's fields for ${safeTxHash} hash to ${hash}: refusing the signature.`);
  }
  let owner: string;
  try {
    const parts = parseSignatures(normalised, hash);
    if (parts.length !== 1 || parts[0].type !== "EOA") {
      throw new SignatureError("Expected one EIP-712 signature (65 bytes, v 27/28 or 0/1).");
    }
    owner = parts[0].owner;
  } catch (error) {
    if (error instanceof SignatureError) throw new UserError(`The signature is not usable: ${error.message}`);
    throw error;
  }
  if (expectedSigner && getAddress(expectedSigner) !== owner) {
    throw new UserError(`The signature recovers to ${owner}, not ${getAddress(expectedSigner)}: it signed other data.`);
  }
  const kit = await protocolKit(hre, tx.safe);
  if (!(await kit.isOwner(owner))) {
    throw new UserError(
      `The signature recovers to ${owner}, which is not an owner of ${tx.safe}: it signed other data.`,
    );
  }
  await serviceCall("accept the confirmation", api.confirmTransaction(safeTxHash, normalised));
  const after = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  return { owner, confirmations: after.confirmations?.length ?? 0, threshold: after.confirmationsRequired };
}

async function kitVersion(hre: HardhatRuntimeEnvironment, safe: string): Promise<string> {
  return (await protocolKit(hre, safe)).getContractVersion();
}

/** Wallets that return v = 0/1 from eth_signTypedData_v4: Safe wants 27/28. */
export function normaliseV(signature: string): string {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new UserError("A signature is 65 bytes of hex (0x + 130 hex digits): copy it whole from the signing wallet.");
  }
  const v = parseInt(signature.slice(-2), 16);
  return v < 27 ? signature.slice(0, -2) + toBeHex(v + 27, 1).slice(2) : signature;
}
