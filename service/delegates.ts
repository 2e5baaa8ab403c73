import { getAddress, verifyTypedData } from "ethers";
import type { FastifyInstance } from "fastify";

import { safeStateOr422 } from "./transactions";
import { limits, page, type ServiceContext } from "./context";
import { fieldError, nonFieldError, parseBody, pathAddress, ServiceError } from "./errors";
import { checksummed, DelegateDeleteSchema, DelegateSchema, queryInt } from "./schemas";
import type { DelegateRow } from "./store";

/**
 * Delegates (v2): an owner lets another address propose for it. The delegator signs EIP-712
 * `Delegate{delegateAddress, totp}` in the domain {name: "Safe Transaction Service", version: "1.0", chainId}, where
 * totp is the current hour (unix time / 3600); like the hosted service, the previous hour and the domain without
 * chainId are accepted too.
 */

const DELEGATE_TYPES = {
  Delegate: [
    { name: "delegateAddress", type: "address" },
    { name: "totp", type: "uint256" },
  ],
};

function signersOf(ctx: ServiceContext, delegate: string, signature: string): string[] {
  const totp = Math.floor(Date.parse(ctx.now()) / 1000 / 3600);
  const out = new Set<string>();
  for (const domain of [
    { name: "Safe Transaction Service", version: "1.0", chainId: ctx.chainId },
    { name: "Safe Transaction Service", version: "1.0" },
  ]) {
    for (const t of [totp, totp - 1]) {
      try {
        out.add(getAddress(verifyTypedData(domain, DELEGATE_TYPES, { delegateAddress: delegate, totp: t }, signature)));
      } catch {
        // not a signature of this variant
      }
    }
  }
  return [...out];
}

function serialize(row: DelegateRow) {
  return {
    safe: row.safe === "" ? null : row.safe,
    delegate: row.delegate,
    delegator: row.delegator,
    label: row.label,
    expiryDate: row.expiry_date,
  };
}

function queryAddress(value: unknown, name: string): string | null {
  if (value === undefined || value === "") return null;
  const parsed = checksummed.safeParse(value);
  if (!parsed.success) {
    throw new ServiceError(400, {
      [name]: [parsed.error.issues[0].message],
      message: `${name}: ${parsed.error.issues[0].message}`,
    });
  }
  return parsed.data;
}

export function delegateRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get("/v2/delegates", async (request) => {
    const query = request.query as Record<string, unknown>;
    const { limit, offset } = limits(query, queryInt);
    const q = {
      safe: queryAddress(query.safe, "safe"),
      delegate: queryAddress(query.delegate, "delegate"),
      delegator: queryAddress(query.delegator, "delegator"),
      label: typeof query.label === "string" && query.label !== "" ? query.label : null,
      limit,
      offset,
    };
    if (q.safe === null && q.delegate === null && q.delegator === null && q.label === null) {
      throw nonFieldError(400, "At least one query param must be provided: safe, delegate, delegator or label.");
    }
    return page(request, ctx.store.findDelegates(q).map(serialize), ctx.store.countDelegates(q), limit, offset);
  });

  app.post("/v2/delegates/", async (request, reply) => {
    const body = parseBody(DelegateSchema, request.body, 400);
    if (!signersOf(ctx, body.delegate, body.signature).includes(body.delegator)) {
      throw fieldError(
        400,
        "signature",
        `Signature does not come from delegator=${body.delegator}: sign EIP-712 Delegate{delegateAddress, totp} with ` +
          `the delegator's key (totp = current unix hour), domain "Safe Transaction Service" 1.0 on chain ${ctx.chainId}.`,
      );
    }
    if (body.safe) {
      const state = await safeStateOr422(ctx, body.safe);
      if (!state.owners.includes(body.delegator)) {
        throw fieldError(
          400,
          "delegator",
          `Provided delegator=${body.delegator} is not an owner of Safe=${body.safe}. Current owners=[${state.owners.join(", ")}].`,
        );
      }
    }
    const row: DelegateRow = {
      safe: body.safe ?? "",
      delegate: body.delegate,
      delegator: body.delegator,
      label: body.label,
      // Stored as ctx.now() writes dates, so that comparing the strings compares the times ("…:00Z" sorts after
      // "…:00.500Z": a date sent without milliseconds would outlive its second).
      expiry_date: body.expiryDate ? new Date(body.expiryDate).toISOString() : null,
    };
    await ctx.store.write(() => ctx.store.upsertDelegate(row));
    return reply.code(201).send(serialize(row));
  });

  app.delete("/v2/delegates/:delegate", async (request, reply) => {
    const delegate = pathAddress((request.params as { delegate: string }).delegate);
    const body = parseBody(DelegateDeleteSchema, request.body ?? {}, 400);
    const signers = signersOf(ctx, delegate, body.signature);
    if (!signers.includes(body.delegator) && !signers.includes(delegate)) {
      throw fieldError(
        400,
        "signature",
        `Signature does not come from delegator=${body.delegator} or delegate=${delegate}: sign EIP-712 ` +
          "Delegate{delegateAddress, totp} with one of them.",
      );
    }
    const removed = await ctx.store.write(() => ctx.store.deleteDelegate(delegate, body.delegator, body.safe ?? null));
    return reply.code(removed > 0 ? 204 : 404).send();
  });
}
