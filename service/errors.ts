import { getAddress, isAddress } from "ethers";
import type { z } from "zod";

/**
 * Error answers in the hosted service's shapes (DRF: `{field: [messages]}`, `{nonFieldErrors: [...]}`,
 * `{detail: ...}`, `{code, message, arguments}` for a bad path address) plus a top-level `message` sentence, which
 * api-kit puts into its HttpError (otherwise a user sees only "Bad Request").
 */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === "string" ? body.message : `HTTP ${status}`);
  }
}

/** 4xx with field errors: `{field: [message], message}`. */
export function fieldError(status: number, field: string, message: string): ServiceError {
  return new ServiceError(status, { [field]: [message], message });
}

export function nonFieldError(status: number, message: string): ServiceError {
  return new ServiceError(status, { nonFieldErrors: [message], message });
}

export function notFound(detail: string): ServiceError {
  return new ServiceError(404, { detail, message: detail });
}

/** A path address must be checksummed, as the hosted service requires (422 code 1). */
export function pathAddress(value: string): string {
  if (!isAddress(value) || value !== getAddress(value)) {
    const hint = isAddress(value) ? ` Use ${getAddress(value)}.` : " It is not a 20-byte hex address.";
    throw new ServiceError(422, {
      code: 1,
      message: `Checksum address validation failed for ${value.slice(0, 64)}.${hint}`,
      arguments: [value.slice(0, 64)],
    });
  }
  return value;
}

/** snake_case keys become camelCase, as the hosted service's parser accepts both. */
export function camelKeys(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).map(([k, v]) => [
      k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()),
      v,
    ]),
  );
}

/** Parses a body with a zod schema; failures become `{field: [message], message}` with `status`. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown, status: number): z.infer<T> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw nonFieldError(400, "The request body must be a JSON object.");
  }
  const result = schema.safeParse(camelKeys(body));
  if (result.success) return result.data;
  const errors: Record<string, string[]> = {};
  const sentences: string[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join(".") : "nonFieldErrors";
    const message =
      issue.code === "invalid_type" && issue.received === "undefined" ? "This field is required." : issue.message;
    (errors[field] ??= []).push(message);
    sentences.push(`${field}: ${message}`);
  }
  throw new ServiceError(status, { ...errors, message: `Invalid request. ${sentences.join(" ")}` });
}
