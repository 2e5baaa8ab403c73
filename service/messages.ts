import type { EIP712TypedData } from "@safe-global/types-kit";
import type { FastifyInstance } from "fastify";

import { safeMessageHashes } from "../lib/safe/hashes";
import { encodeSignatures, parseSignatures, partFromConfirmation, SignatureError } from "../lib/safe/signatures";
import type { SafeState } from "../lib/safe/state";
import { verifyOnChainParts } from "../lib/safe/verify";
import { limits, page, type ServiceContext } from "./context";
import { fieldError, notFound, parseBody, pathAddress } from "./errors";
import { ConfirmationSchema, MessageSchema, queryInt } from "./schemas";
import type { MessageRow } from "./store";
import { safeStateOr422, txHashParam } from "./transactions";

/**
 * Off-chain messages (EIP-1271 SafeMessage): one owner adds a message with its signature, the others add theirs;
 * once the threshold is reached `preparedSignature` is what the Safe's isValidSignature takes. Whether the Safe
 * accepts it is the fallback handler's decision: TreasuryFallbackHandler refuses off-chain messages unless the Safe
 * opted in (docs/policy.md).
 */

async function ownerSignature(
  ctx: ServiceContext,
  state: SafeState,
  hash: string,
  preimage: string,
  signature: string,
) {
  try {
    const parts = parseSignatures(signature, hash);
    if (parts.length !== 1) throw new SignatureError(`Send one owner's signature at a time, not ${parts.length}.`);
    const [part] = parts;
    if (!state.owners.includes(part.owner)) {
      throw new SignatureError(`Signer=${part.owner} is not an owner. Current owners=[${state.owners.join(", ")}].`);
    }
    if (part.type === "APPROVED_HASH") throw new SignatureError("Approved-hash signatures cannot sign messages.");
    await verifyOnChainParts(
      { provider: ctx.chain.provider, safe: state.address, version: state.version, hash, preimage },
      [part],
    );
    return part;
  } catch (error) {
    if (error instanceof SignatureError) throw fieldError(400, "signature", error.message);
    throw error;
  }
}

/** The SafeMessage hashes, or a 400 naming why EIP-712 cannot hash the typed data (the schema checks only its shape). */
function messageHashes(safe: string, version: string, chainId: bigint, message: string | EIP712TypedData) {
  try {
    return safeMessageHashes(safe, version, chainId, message);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 200);
    throw fieldError(400, "message", `The message is not EIP-712 typed data that can be hashed: ${reason}`);
  }
}

/** `state` is the Safe's now: only current owners' signatures go into the prepared signature, and count for it. */
function serialize(ctx: ServiceContext, row: MessageRow, state: Pick<SafeState, "owners" | "threshold"> | undefined) {
  const confirmations = ctx.store.messageConfirmations(row.message_hash);
  const owners = state?.owners ?? [];
  const usable = confirmations.filter((c) => owners.includes(c.owner));
  return {
    created: row.created,
    modified: row.modified,
    safe: row.safe,
    messageHash: row.message_hash,
    message: JSON.parse(row.message) as unknown,
    proposedBy: row.proposed_by,
    safeAppId: row.safe_app_id,
    origin: row.origin,
    confirmations: confirmations.map((c) => ({
      created: c.created,
      modified: c.created,
      owner: c.owner,
      signature: c.signature,
      signatureType: c.signature_type,
    })),
    preparedSignature:
      state !== undefined && usable.length >= state.threshold
        ? encodeSignatures(
            usable.map((c) =>
              partFromConfirmation({ owner: c.owner, signature: c.signature, signatureType: c.signature_type }),
            ),
          )
        : null,
  };
}

export function messageRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post("/v1/safes/:address/messages/", async (request, reply) => {
    const safe = pathAddress((request.params as { address: string }).address);
    const body = parseBody(MessageSchema, request.body, 400);
    const state = await safeStateOr422(ctx, safe);
    const { hash, preimage } = messageHashes(
      safe,
      state.version,
      ctx.chainId,
      body.message as string | EIP712TypedData,
    );
    const exists = () =>
      fieldError(
        400,
        "nonFieldErrors",
        `Message with hash ${hash} for safe ${safe} already exists: add signatures to it.`,
      );
    if (ctx.store.message(hash)) throw exists();
    const part = await ownerSignature(ctx, state, hash, preimage, body.signature);
    const now = ctx.now();
    await ctx.store.write(() => {
      ctx.store.addSafe(safe, now);
      // Checked again here: a request of the same turn may have added it since (its savepoint then rolls back alone).
      const inserted = ctx.store.insertMessage({
        message_hash: hash,
        safe,
        message: JSON.stringify(body.message),
        proposed_by: part.owner,
        safe_app_id: body.safeAppId ?? null,
        origin: body.origin ?? null,
        created: now,
        modified: now,
      });
      if (!inserted) throw exists();
      ctx.store.insertMessageConfirmation({
        message_hash: hash,
        owner: part.owner,
        signature: part.signature,
        signature_type: part.type,
        created: now,
      });
    });
    return reply.code(201).send();
  });

  app.get("/v1/safes/:address/messages/", async (request) => {
    const safe = pathAddress((request.params as { address: string }).address);
    const { limit, offset } = limits(request.query as Record<string, unknown>, queryInt);
    const rows = ctx.store.messagesOf(safe, limit, offset);
    const state = rows.length > 0 ? await safeStateOr422(ctx, safe) : undefined;
    return page(
      request,
      rows.map((r) => serialize(ctx, r, state)),
      ctx.store.countMessages(safe),
      limit,
      offset,
    );
  });

  app.get("/v1/messages/:hash/", async (request) => {
    const hash = txHashParam((request.params as { hash: string }).hash);
    const row = ctx.store.message(hash);
    if (!row) throw notFound(`Message with hash ${hash} was not found.`);
    return serialize(ctx, row, await safeStateOr422(ctx, row.safe));
  });

  app.post("/v1/messages/:hash/signatures/", async (request, reply) => {
    const hash = txHashParam((request.params as { hash: string }).hash);
    const { signature } = parseBody(ConfirmationSchema, request.body, 400);
    const row = ctx.store.message(hash);
    if (!row) throw notFound(`Message with hash ${hash} was not found.`);
    const state = await safeStateOr422(ctx, row.safe);
    const { preimage } = safeMessageHashes(row.safe, state.version, ctx.chainId, JSON.parse(row.message));
    const part = await ownerSignature(ctx, state, hash, preimage, signature);
    const now = ctx.now();
    await ctx.store.write(() => {
      const added = ctx.store.insertMessageConfirmation({
        message_hash: hash,
        owner: part.owner,
        signature: part.signature,
        signature_type: part.type,
        created: now,
      });
      if (added) ctx.store.touchMessage(hash, now);
    });
    return reply.code(201).send();
  });
}
