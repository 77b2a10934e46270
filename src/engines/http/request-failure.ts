import { BatchPendingError, EngineCallError, GapfillError } from "../../core/errors.js";

/**
 * What one failed request costs a stage:
 * - `"item"`: its attempt or benchmark item only. The stage records it and goes on; a rerun
 *   tries it again. Retries ran out (5xx, overload, timeouts, network, unreadable answers), or
 *   the server refused this one request (a 4xx other than the ones below), or its reply had the
 *   wrong shape.
 * - `"stage"`: every request would fail the same way (401/403: the key; 404/405: the route is
 *   missing), the caller aborted, or the error is not a request failure at all (a bug, a
 *   user-fixable setting): the stage stops at once.
 * - `"pending"`: batch mode parked the request in the batch file.
 */
export type FailureScope = "item" | "stage" | "pending";

/** A short, stable code for why a request failed, for the record and the progress line. */
export type FailureReason = "timeout" | "overloaded" | "server-error" | "network" | "refused" | "bad-response" | "other";

/** Statuses that say "no request of this kind will ever succeed here". */
const STAGE_STATUSES = new Set([401, 403, 404, 405]);

/**
 * One attempt ran past its timeout. Retryable, and an overload signal: the endpoint's
 * concurrency shrinks (a hung or saturated server answers slower the more we send).
 */
export class RequestTimeoutError extends EngineCallError {
  readonly timeoutMs: number;
  constructor(message: string, details: { endpoint: string; timeoutMs: number }) {
    super(message, { endpoint: details.endpoint, retryable: true });
    this.timeoutMs = details.timeoutMs;
  }
}

/** The connection failed (refused, reset, DNS): retryable, and treated as overload. */
export class NetworkError extends EngineCallError {}

export function failureScope(error: unknown): FailureScope {
  if (error instanceof BatchPendingError) return "pending";
  if (error instanceof EngineCallError) {
    if (error.retryable) return "item";
    return error.statusCode !== undefined && STAGE_STATUSES.has(error.statusCode) ? "stage" : "item";
  }
  if (error instanceof GapfillError && (error.code === "bad-response" || error.code === "request-failed")) return "item";
  return "stage";
}

/** Why a request failed, as a short code (the detail is the error's message). */
export function failureReason(error: unknown): FailureReason {
  const root = error instanceof EngineCallError && error.cause instanceof EngineCallError ? error.cause : error;
  if (root instanceof RequestTimeoutError) return "timeout";
  if (root instanceof NetworkError) return "network";
  if (root instanceof EngineCallError) {
    const status = root.statusCode;
    if (status === 429 || status === 503 || status === 504) return "overloaded";
    if (status !== undefined && status >= 500) return "server-error";
    if (status !== undefined && status >= 400) return "refused";
    return "bad-response";
  }
  if (error instanceof GapfillError && error.code === "bad-response") return "bad-response";
  return "other";
}

/**
 * Overload signals shrink an endpoint's concurrency; a 500 for one request does not (it says
 * nothing about load, and halving on it collapsed the pool under random faults).
 */
export function isOverload(error: unknown): boolean {
  const reason = failureReason(error);
  return reason === "timeout" || reason === "overloaded" || reason === "network";
}
