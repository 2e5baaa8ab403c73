import { ZeroAddress } from "ethers";
import type { FastifyInstance, FastifyRequest } from "fastify";

import { safeTxHashes } from "../lib/safe/hashes";
import { parseSignatures, SignatureError, type SignaturePart } from "../lib/safe/signatures";
import { NotASafeError, type SafeState } from "../lib/safe/state";
import { verifyOnChainParts } from "../lib/safe/verify";
import { trustedDelegateCallTarget } from "./chain";
import { limits, page, type ServiceContext } from "./context";
import { fieldError, nonFieldError, notFound, parseBody, pathAddress, ServiceError } from "./errors";
import { ConfirmationSchema, ProposalSchema, queryBool, queryInt, type Proposal } from "./schemas";
import { TX_ORDERINGS, type TxFilter, type TxOrdering, type TxRow } from "./store";

/** Multisig transactions: propose (v2), get (v2), list (v2), confirmations (v1). */

export async function safeStateOr422(ctx: ServiceContext, safe: string): Promise<SafeState> {
  try {
    return await ctx.chain.safeState(safe);
  } catch (error) {
    if (error instanceof NotASafeError) throw nonFieldError(422, error.message);
    throw new ServiceError(422, {
      code: 50,
      message: `Cannot get Safe info from the blockchain for ${safe}: the node did not answer. Retry later.`,
    });
  }
}

function serializeTx(ctx: ServiceContext, row: TxRow, threshold: number) {
  const confirmations = ctx.store.confirmations(row.safe_tx_hash).map((c) => ({
    owner: c.owner,
    submissionDate: c.submission_date,
    transactionHash: null,
    signature: c.signature,
    signatureType: c.signature_type,
  }));
  return {
    safe: row.safe,
    to: row.to,
    value: row.value,
    data: row.data,
    operation: row.operation,
    gasToken: row.gas_token,
    safeTxGas: row.safe_tx_gas,
    baseGas: row.base_gas,
    gasPrice: row.gas_price,
    refundReceiver: row.refund_receiver,
    nonce: String(row.nonce),
    executionDate: row.execution_date,
    submissionDate: row.submission_date,
    modified: row.modified,
    blockNumber: row.block_number,
    transactionHash: row.transaction_hash,
    safeTxHash: row.safe_tx_hash,
    proposer: row.proposer,
    proposedByDelegate: row.proposed_by_delegate,
    executor: row.executor,
    isExecuted: row.transaction_hash !== null,
    isSuccessful: row.is_successful === null ? null : row.is_successful === 1,
    ethGasPrice: row.eth_gas_price,
    maxFeePerGas: null,
    maxPriorityFeePerGas: null,
    gasUsed: row.gas_used,
    fee: row.fee,
    origin: row.origin,
    dataDecoded: null,
    confirmationsRequired: threshold,
    confirmations,
    trusted: row.trusted === 1,
    signatures: row.signatures,
  };
}

function describeOwners(state: SafeState): string {
  return `Current owners=[${state.owners.join(", ")}]`;
}

/** The reason a transaction can no longer be confirmed, or undefined. */
function executedReason(ctx: ServiceContext, row: TxRow, state: SafeState): string | undefined {
  if (row.transaction_hash) {
    return `Transaction with safe-tx-hash=${row.safe_tx_hash} was already executed in tx-hash=${row.transaction_hash}.`;
  }
  const other = ctx.store.executionAtNonce(row.safe, row.nonce);
  if (other) {
    return (
      `Transaction with safe-tx-hash=${row.safe_tx_hash} can no longer execute: nonce ${row.nonce} of ${row.safe} was ` +
      `already executed by safe-tx-hash=${other.safe_tx_hash} in tx-hash=${other.transaction_hash}.`
    );
  }
  if (BigInt(row.nonce) < state.nonce) {
    return (
      `Transaction with safe-tx-hash=${row.safe_tx_hash} can no longer execute: nonce ${row.nonce} was already ` +
      `executed (the Safe is at nonce ${state.nonce}).`
    );
  }
  return undefined;
}

async function checkedSignatures(
  ctx: ServiceContext,
  state: SafeState,
  blob: string,
  hash: string,
  /** The EIP-712 preimage, computed only when a contract signature needs it. */
  preimage: () => string,
  /** Refuses a signer (a sentence) before any chain call: only the Safe's owners' contracts are ever called. */
  signerError: (owner: string) => string | undefined,
  field: string,
  status: number,
): Promise<SignaturePart[]> {
  try {
    const parts = parseSignatures(blob, hash);
    for (const part of parts) {
      const refused = signerError(part.owner);
      if (refused) throw new SignatureError(refused);
    }
    const onChain = parts.filter((p) => p.type === "CONTRACT_SIGNATURE" || p.type === "APPROVED_HASH");
    if (onChain.length > 0) {
      await verifyOnChainParts(
        { provider: ctx.chain.provider, safe: state.address, version: state.version, hash, preimage: preimage() },
        onChain,
      );
    }
    return parts;
  } catch (error) {
    if (error instanceof SignatureError) throw fieldError(status, field, error.message);
    throw error;
  }
}

async function propose(ctx: ServiceContext, safe: string, body: unknown): Promise<void> {
  const p: Proposal = parseBody(ProposalSchema, body, 422);
  const state = await safeStateOr422(ctx, safe);
  const data = p.data && p.data !== "0x" ? p.data.toLowerCase() : null;
  const fields = {
    to: p.to,
    value: BigInt(p.value),
    data: data ?? "0x",
    operation: p.operation,
    safeTxGas: BigInt(p.safeTxGas),
    baseGas: BigInt(p.baseGas),
    gasPrice: BigInt(p.gasPrice),
    gasToken: p.gasToken ?? ZeroAddress,
    refundReceiver: p.refundReceiver ?? ZeroAddress,
    nonce: BigInt(p.nonce),
  };
  if (fields.nonce < state.nonce) {
    throw nonFieldError(
      422,
      `Nonce ${fields.nonce} was already used: the Safe is at nonce ${state.nonce} on chain. Propose at nonce ` +
        `${state.nonce} or later (api-kit's getNextNonce counts the pending ones).`,
    );
  }
  if (p.operation === 1 && !(await trustedDelegateCallTarget(ctx.chain, p.to))) {
    throw nonFieldError(
      422,
      `Operation DELEGATE_CALL is not allowed to ${p.to}: only MultiSendCallOnly (1.3.0, 1.4.1, 1.5.0), ` +
        "SignMessageLib and SafeMigration 1.5.0 at their canonical addresses may be DELEGATECALLed. Batch with " +
        "MultiSendCallOnly (protocol-kit's onlyCalls) or send a CALL.",
    );
  }
  const hashes = safeTxHashes(safe, state.version, ctx.chainId, fields);
  if (hashes.hash.toLowerCase() !== p.contractTransactionHash.toLowerCase()) {
    throw nonFieldError(
      422,
      `Contract-transaction-hash=${hashes.hash} does not match provided contract-tx-hash=` +
        `${p.contractTransactionHash}: hash the fields for Safe ${state.version} on chain ${ctx.chainId} with this ` +
        "nonce.",
    );
  }
  const safeTxHash = hashes.hash;
  const existing = ctx.store.getTx(safeTxHash);
  if (existing?.transaction_hash) {
    throw nonFieldError(
      422,
      `Tx with safe-tx-hash=${safeTxHash} for safe=${safe} was already executed in tx-hash=${existing.transaction_hash}.`,
    );
  }
  const isOwner = state.owners.includes(p.sender);
  const delegations = isOwner
    ? []
    : ctx.store.delegatesOf(safe, p.sender, ctx.now()).filter((d) => state.owners.includes(d.delegator));
  if (!isOwner && delegations.length === 0) {
    throw nonFieldError(
      422,
      `Sender=${p.sender} is not an owner or delegate of ${safe}. ${describeOwners(state)}. Sign with an owner, or ` +
        "have an owner add the sender as a delegate.",
    );
  }
  // Only the sender's signature shows that the sender sent the proposal: without one, anybody could file a
  // proposal under an owner's (or a delegate's) name.
  if (!p.signature) {
    throw fieldError(
      422,
      "signature",
      `A proposal needs the sender's signature of ${safeTxHash}: nothing else shows that ${p.sender} sent it.`,
    );
  }
  const parts = await checkedSignatures(
    ctx,
    state,
    p.signature,
    safeTxHash,
    () => hashes.preimage,
    (owner) =>
      state.owners.includes(owner) || (owner === p.sender && !isOwner)
        ? undefined
        : `Signer=${owner} is not an owner or delegate. ${describeOwners(state)}.`,
    "signature",
    422,
  );
  if (!isOwner && parts.length > 1) {
    throw fieldError(422, "signature", "Just one signature is expected if using delegates.");
  }
  if (!parts.some((part) => part.owner === p.sender)) {
    throw fieldError(
      422,
      "signature",
      `Signature does not match sender=${p.sender}: the signers are ${parts.map((x) => x.owner).join(", ")}.`,
    );
  }
  const now = ctx.now();
  const proposer = isOwner ? p.sender : delegations[0].delegator;
  const origin = p.origin ?? "{}";
  await ctx.store.write(() => {
    ctx.store.addSafe(safe, now);
    const inserted = ctx.store.insertTx({
      safe_tx_hash: safeTxHash,
      safe,
      to: p.to,
      value: p.value,
      data,
      operation: p.operation,
      safe_tx_gas: p.safeTxGas,
      base_gas: p.baseGas,
      gas_price: p.gasPrice,
      gas_token: fields.gasToken,
      refund_receiver: fields.refundReceiver,
      nonce: Number(p.nonce),
      proposer,
      proposed_by_delegate: isOwner ? null : p.sender,
      origin,
      trusted: 1,
      submission_date: now,
      modified: now,
      indexed_block: null,
    });
    if (!inserted) ctx.store.trust(safeTxHash, now); // an unsigned proposal an older version stored
    for (const part of parts) {
      if (!state.owners.includes(part.owner)) continue; // a delegate's own signature is not a confirmation
      ctx.store.insertConfirmation({
        safe_tx_hash: safeTxHash,
        owner: part.owner,
        signature: part.signature,
        signature_type: part.type,
        submission_date: now,
      });
    }
  });
}

async function confirm(ctx: ServiceContext, safeTxHash: string, body: unknown): Promise<{ signature: string }> {
  const { signature } = parseBody(ConfirmationSchema, body, 400);
  const row = ctx.store.getTx(safeTxHash);
  if (!row) throw notFound(`Multisig transaction with safe-tx-hash=${safeTxHash} was not found.`);
  const state = await safeStateOr422(ctx, row.safe);
  const reason = executedReason(ctx, row, state);
  if (reason) throw fieldError(400, "signature", reason);
  const preimage = () =>
    safeTxHashes(row.safe, state.version, ctx.chainId, {
      to: row.to,
      value: BigInt(row.value),
      data: row.data ?? "0x",
      operation: row.operation,
      safeTxGas: BigInt(row.safe_tx_gas),
      baseGas: BigInt(row.base_gas),
      gasPrice: BigInt(row.gas_price),
      gasToken: row.gas_token,
      refundReceiver: row.refund_receiver,
      nonce: BigInt(row.nonce),
    }).preimage;
  const parts = await checkedSignatures(
    ctx,
    state,
    signature,
    safeTxHash,
    preimage,
    (owner) =>
      state.owners.includes(owner) ? undefined : `Signer=${owner} is not an owner. ${describeOwners(state)}.`,
    "signature",
    400,
  );
  const now = ctx.now();
  await ctx.store.write(() => {
    let added = false;
    for (const part of parts) {
      added =
        ctx.store.insertConfirmation({
          safe_tx_hash: safeTxHash,
          owner: part.owner,
          signature: part.signature,
          signature_type: part.type,
          submission_date: now,
        }) || added;
    }
    ctx.store.trust(safeTxHash, now);
    if (added) ctx.store.touch(safeTxHash, now);
  });
  return { signature };
}

function txFilter(safe: string, query: Record<string, unknown>): { filter: TxFilter; ordering: TxOrdering } {
  const { limit, offset } = limits(query, queryInt);
  const ordering = (query.ordering ?? "-nonce") as string;
  if (!(ordering in TX_ORDERINGS)) {
    throw new ServiceError(400, {
      ordering: [`Unknown ordering ${ordering.slice(0, 40)}.`],
      message: `Unknown ordering: use one of ${Object.keys(TX_ORDERINGS).join(", ")}.`,
    });
  }
  return {
    ordering: ordering as TxOrdering,
    filter: {
      safe,
      executed: queryBool(query.executed, "executed"),
      // Like the hosted service, untrusted (unsigned) proposals are hidden unless asked for.
      trusted: query.trusted === undefined ? 1 : queryBool(query.trusted, "trusted"),
      nonce: queryInt(query.nonce, "nonce"),
      nonceGte: queryInt(query.nonce__gte, "nonce__gte"),
      nonceGt: queryInt(query.nonce__gt, "nonce__gt"),
      nonceLte: queryInt(query.nonce__lte, "nonce__lte"),
      nonceLt: queryInt(query.nonce__lt, "nonce__lt"),
      hasConfirmations: queryBool(query.has_confirmations, "has_confirmations"),
      limit,
      offset,
    },
  };
}

export function transactionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post("/v2/safes/:address/multisig-transactions/", async (request, reply) => {
    const safe = pathAddress((request.params as { address: string }).address);
    await propose(ctx, safe, request.body);
    return reply.code(201).send();
  });

  app.get("/v2/safes/:address/multisig-transactions/", async (request: FastifyRequest) => {
    const safe = pathAddress((request.params as { address: string }).address);
    const { filter, ordering } = txFilter(safe, request.query as Record<string, unknown>);
    const rows = ctx.store.listTxs(filter, ordering);
    const { n, u } = ctx.store.countTxs(filter);
    const threshold = rows.length > 0 ? (await safeStateOr422(ctx, safe)).threshold : 0;
    return page(
      request,
      rows.map((r) => serializeTx(ctx, r, threshold)),
      n,
      filter.limit,
      filter.offset,
      { countUniqueNonce: u },
    );
  });

  app.get("/v2/multisig-transactions/:hash/", async (request) => {
    const hash = txHashParam((request.params as { hash: string }).hash);
    const row = ctx.store.getTx(hash);
    if (!row) throw notFound(`Multisig transaction with safe-tx-hash=${hash} was not found.`);
    const state = await safeStateOr422(ctx, row.safe);
    return serializeTx(ctx, row, state.threshold);
  });

  app.get("/v1/multisig-transactions/:hash/confirmations/", async (request) => {
    const hash = txHashParam((request.params as { hash: string }).hash);
    if (!ctx.store.getTx(hash)) throw notFound(`Multisig transaction with safe-tx-hash=${hash} was not found.`);
    const { limit, offset } = limits(request.query as Record<string, unknown>, queryInt);
    const all = ctx.store.confirmations(hash).map((c) => ({
      owner: c.owner,
      submissionDate: c.submission_date,
      transactionHash: null,
      signature: c.signature,
      signatureType: c.signature_type,
    }));
    return page(request, all.slice(offset, offset + limit), all.length, limit, offset);
  });

  app.post("/v1/multisig-transactions/:hash/confirmations/", async (request, reply) => {
    const hash = txHashParam((request.params as { hash: string }).hash);
    return reply.code(201).send(await confirm(ctx, hash, request.body));
  });
}

/** A safeTxHash path segment: 32 bytes of hex, lower-cased for lookups (hashes are stored lower-case). */
export function txHashParam(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw notFound(`${value.slice(0, 80)} is not a safe-tx-hash (0x + 64 hex digits).`);
  }
  return value.toLowerCase();
}
