import { timingSafeEqual } from "node:crypto";

import Fastify from "fastify";
import type { FastifyError, FastifyInstance } from "fastify";

import type { ServiceContext } from "./context";
import { delegateRoutes } from "./delegates";
import { ServiceError } from "./errors";
import { messageRoutes } from "./messages";
import { safeRoutes } from "./safes";
import { QueryError } from "./schemas";
import { transactionRoutes } from "./transactions";

/** The most a request body may hold (a proposal with a large batch fits many times over). */
export const BODY_LIMIT = 512 * 1024;

export interface AppOptions {
  /** When set, writes (POST, DELETE) need `Authorization: Bearer <token>`. */
  token?: string;
  logger?: boolean;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The HTTP API under /api, routed with and without trailing slashes (api-kit sends both) and never redirecting. */
export function buildApp(ctx: ServiceContext, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    return503OnClosing: true,
  });

  if (options.token) {
    const token = options.token;
    app.addHook("onRequest", async (request, reply) => {
      if (request.method === "GET" || request.method === "HEAD") return;
      if (!tokenMatches(request.headers.authorization, token)) {
        const message =
          "Writes need the service's token: send Authorization: Bearer <TX_SERVICE_TOKEN> (with api-kit, set " +
          "SAFE_API_KEY to the token).";
        await reply.code(401).send({ detail: message, message });
      }
    });
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ServiceError) return reply.code(error.status).send(error.body);
    if (error instanceof QueryError) {
      return reply.code(400).send({ [error.field]: [error.detail], message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const detail =
        error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? `The request body is larger than ${BODY_LIMIT} bytes.`
          : error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
            ? "Send the body as JSON with Content-Type: application/json."
            : error.code?.startsWith("FST_ERR_CTP") || error instanceof SyntaxError
              ? `The request body is not valid JSON: ${error.message.slice(0, 120)}`
              : error.message.slice(0, 200);
      return reply.code(status).send({ detail, message: detail });
    }
    request.log.error(error);
    const message = "Internal error in the embedded service; it was logged. Retry, or report it with the log.";
    return reply.code(500).send({ detail: message, message });
  });

  app.setNotFoundHandler((request, reply) => {
    const message = `No such endpoint: ${request.method} ${request.url.slice(0, 200)} (the embedded service serves the API under /api/v1 and /api/v2).`;
    return reply.code(404).send({ detail: message, message });
  });

  app.register(
    async (api) => {
      safeRoutes(api, ctx);
      transactionRoutes(api, ctx);
      delegateRoutes(api, ctx);
      messageRoutes(api, ctx);
    },
    { prefix: "/api" },
  );
  return app;
}
