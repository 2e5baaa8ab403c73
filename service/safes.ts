import { getAddress, ZeroAddress } from "ethers";
import type { FastifyInstance } from "fastify";

import { QUEUE_STATES, REASONS, VERDICTS } from "../lib/guard/policy";
import { canonicalContract, SAFE_VERSIONS } from "../lib/safe/canonical";
import { NotASafeError } from "../lib/safe/state";
import { limits, page, type ServiceContext } from "./context";
import { notFound, pathAddress, ServiceError } from "./errors";
import { checksummed, queryInt } from "./schemas";
import type { GuardEventRow } from "./store";
import { safeStateOr422 } from "./transactions";

export const SERVICE_NAME = "Safe Transaction Service";
export const SERVICE_VERSION = "5.0.0+treasury-toolkit";

/** About, singletons, Safe info, Safes by owner/module, and our extension: the TreasuryGuard's queue. */

interface QueueItem {
  id: string;
  guard: string;
  to: string;
  value: string;
  data: string;
  operation: number;
  eta: number;
  expiresAt: number;
  verdict: string;
  reason: string;
  status: "waiting" | "ready" | "expired" | "executed" | "cancelled";
  vetoes: number;
  requiredVetoes: number | null;
  queuedTransactionHash: string;
  queuedBlockNumber: number;
  closedTransactionHash: string | null;
  closedBlockNumber: number | null;
  cancelledBy: string | null;
}

/** Folds the guard's events for one Safe into its queue, oldest first; `now` decides waiting/ready/expired. */
export function foldQueue(events: GuardEventRow[], now: number): QueueItem[] {
  const items = new Map<string, QueueItem>();
  for (const e of events) {
    const payload = JSON.parse(e.payload) as Record<string, string | number>;
    if (e.kind === "queued") {
      items.set(e.id, {
        id: e.id,
        guard: e.guard,
        to: String(payload.to),
        value: String(payload.value),
        data: String(payload.data),
        operation: Number(payload.operation),
        eta: Number(payload.eta),
        expiresAt: Number(payload.expiresAt),
        verdict: VERDICTS[Number(payload.verdict)] ?? String(payload.verdict),
        reason: REASONS[Number(payload.reason)]?.[0] ?? String(payload.reason),
        status: "waiting",
        vetoes: 0,
        requiredVetoes: null,
        queuedTransactionHash: e.transaction_hash,
        queuedBlockNumber: e.block_number,
        closedTransactionHash: null,
        closedBlockNumber: null,
        cancelledBy: null,
      });
      continue;
    }
    const item = items.get(e.id);
    if (!item) continue; // queued before the indexer's first block
    if (e.kind === "vetoed") {
      item.vetoes = Number(payload.vetoes);
      item.requiredVetoes = Number(payload.required);
    } else {
      item.status = e.kind === "executed" ? "executed" : "cancelled";
      item.closedTransactionHash = e.transaction_hash;
      item.closedBlockNumber = e.block_number;
      if (e.kind === "cancelled") item.cancelledBy = String(payload.by);
    }
  }
  for (const item of items.values()) {
    if (item.status !== "waiting") continue;
    if (now >= item.expiresAt) item.status = "expired";
    else if (now >= item.eta) item.status = "ready";
  }
  return [...items.values()];
}

const QUEUE_STATUSES = new Set(QUEUE_STATES.filter((s) => s !== "none"));

export function safeRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get("/v1/about", async (request) => ({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    api_version: "v1",
    secure: false,
    host: request.headers.host ?? null,
    headers: [],
    settings: {
      embedded: true,
      chain_id: ctx.chainId.toString(),
      last_indexed_block: ctx.lastIndexedBlock(),
      trusted_for_delegate_call: "MultiSendCallOnly 1.3.0/1.4.1/1.5.0, SignMessageLib, SafeMigration 1.5.0",
    },
  }));

  app.get("/v1/about/singletons", async () =>
    SAFE_VERSIONS.flatMap((version) =>
      (["safe", "safeL2"] as const).map((name) => ({
        address: canonicalContract(version, name).address,
        version,
        deployer: "Gnosis",
        deployedBlockNumber: 0,
        lastIndexedBlockNumber: ctx.lastIndexedBlock(),
        l2: name === "safeL2",
      })),
    ),
  );

  app.get("/v1/safes/:address/", async (request) => {
    const safe = pathAddress((request.params as { address: string }).address);
    let state;
    try {
      state = await ctx.chain.safeState(safe);
    } catch (error) {
      if (error instanceof NotASafeError) throw notFound(`Safe ${safe} was not found: ${error.message}`);
      throw error;
    }
    if (!ctx.store.hasSafe(safe)) await ctx.store.write(() => ctx.store.addSafe(safe, ctx.now()));
    return {
      address: state.address,
      nonce: state.nonce.toString(),
      threshold: state.threshold,
      owners: state.owners,
      masterCopy: state.singleton,
      modules: state.modules,
      fallbackHandler: state.fallbackHandler,
      guard: state.guard,
      moduleGuard: state.moduleGuard,
      version: state.version,
    };
  });

  const safesWhere = async (match: (s: { owners: string[]; modules: string[] }) => boolean) => {
    const known = ctx.store.safes().map((s) => s.address);
    const states = await Promise.all(known.map((address) => ctx.chain.safeState(address).catch(() => undefined)));
    return { safes: known.filter((_, i) => states[i] !== undefined && match(states[i]!)) };
  };
  app.get("/v1/owners/:address/safes/", async (request) => {
    const owner = pathAddress((request.params as { address: string }).address);
    return safesWhere((s) => s.owners.includes(owner));
  });
  app.get("/v1/modules/:address/safes/", async (request) => {
    const module = pathAddress((request.params as { address: string }).address);
    return safesWhere((s) => s.modules.includes(module));
  });

  // Extension (not in Safe's API): the TreasuryGuard's queue of the Safe's current guard, from indexed events.
  app.get("/v1/safes/:address/guard-queue/", async (request) => {
    const safe = pathAddress((request.params as { address: string }).address);
    const query = request.query as Record<string, unknown>;
    const { limit, offset } = limits(query, queryInt);
    const status = query.status === undefined || query.status === "" ? undefined : String(query.status);
    if (status !== undefined && !QUEUE_STATUSES.has(status as never)) {
      throw new ServiceError(400, {
        status: [`Unknown status ${status.slice(0, 30)}.`],
        message: `Unknown status: use one of ${[...QUEUE_STATUSES].join(", ")}.`,
      });
    }
    let guard: string;
    if (query.guard !== undefined && query.guard !== "") {
      const parsed = checksummed.safeParse(query.guard);
      if (!parsed.success) {
        throw new ServiceError(400, {
          guard: [parsed.error.issues[0].message],
          message: parsed.error.issues[0].message,
        });
      }
      guard = parsed.data;
    } else {
      guard = (await safeStateOr422(ctx, safe)).guard;
    }
    if (!ctx.store.hasSafe(safe)) await ctx.store.write(() => ctx.store.addSafe(safe, ctx.now()));
    const block = await ctx.chain.provider.getBlock("latest");
    const items =
      guard === ZeroAddress ? [] : foldQueue(ctx.store.guardEvents(safe, getAddress(guard)), block?.timestamp ?? 0);
    const selected = status ? items.filter((i) => i.status === status) : items;
    return page(request, selected.slice(offset, offset + limit), selected.length, limit, offset, { guard });
  });
}
