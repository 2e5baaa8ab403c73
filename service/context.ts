import type { FastifyRequest } from "fastify";

import type { ChainReader } from "./chain";
import type { Store } from "./store";

/** What every route handler needs: the store, the chain, a clock. */
export interface ServiceContext {
  store: Store;
  chain: ChainReader;
  chainId: bigint;
  /** ISO 8601 now (injectable so tests can pin it). */
  now(): string;
  /** Blocks the indexer has read up to (for /about/singletons). */
  lastIndexedBlock(): number;
}

/** DRF-style pagination: `{count, next, previous, results}` with absolute next/previous URLs. */
export function page<T>(
  request: FastifyRequest,
  results: T[],
  count: number,
  limit: number,
  offset: number,
  extra: Record<string, unknown> = {},
) {
  const url = new URL(request.url, `${request.protocol}://${request.headers.host ?? "127.0.0.1"}`);
  const at = (o: number) => {
    const u = new URL(url);
    u.searchParams.set("limit", String(limit));
    u.searchParams.set("offset", String(o));
    return u.toString();
  };
  return {
    count,
    next: offset + limit < count ? at(offset + limit) : null,
    previous: offset > 0 ? at(Math.max(0, offset - limit)) : null,
    results,
    ...extra,
  };
}

/** limit/offset of a list request: 100 by default, at most 200, as the hosted service's pagination. */
export function limits(
  query: Record<string, unknown>,
  parseInt: (v: unknown, n: string, max?: number) => number | null,
) {
  const limit = parseInt(query.limit, "limit", 200) ?? 100;
  const offset = parseInt(query.offset, "offset") ?? 0;
  return { limit: Math.max(1, limit), offset };
}
