import { EngineCallError, isRetryableStatus } from "../../core/errors.js";
import { jsonText, parseJsonText } from "./json-text.js";
import { redact, snippet } from "./redact.js";
import { NetworkError, RequestTimeoutError } from "./request-failure.js";
import { parseRetryAfter } from "./retry-after.js";
import type { Transport, TransportReply } from "./transport.js";

/** One HTTP POST attempt, no retries: the building block of HttpClient. */
export interface PostAttempt {
  transport: Transport;
  url: string;
  body: unknown;
  apiKey?: string;
  /**
   * Per-attempt timeout in ms, or a function read again while the attempt runs: an adaptive
   * timeout that falls (the endpoint turned out fast) cuts a request already hanging.
   */
  timeoutMs: number | (() => number);
  /** The caller's own signal: its abort is final, never retried. */
  signal?: AbortSignal;
  /** "text" for routes that answer plain text (vLLM's load_lora_adapter). */
  expect?: "json" | "text";
  /** Extra advice per status code, e.g. 404 → which server flag enables the route. */
  hints?: Partial<Record<number, string>>;
}

/**
 * POST a JSON body and read the reply. Every failure becomes an EngineCallError naming the URL,
 * with `retryable` set the way HTTP means it (408/409/429/5xx, network errors, timeouts, bodies
 * cut short or not JSON). Messages are redacted: the API key never appears, even if a server
 * echoes our headers back.
 */
export async function postJson(attempt: PostAttempt): Promise<unknown> {
  // One controller fed by our timer and the caller's signal. Cheaper than AbortSignal.timeout
  // plus AbortSignal.any, and nothing stays attached to a long-lived caller signal afterwards.
  const controller = new AbortController();
  const startedAt = Date.now();
  const limit = typeof attempt.timeoutMs === "function" ? attempt.timeoutMs : () => attempt.timeoutMs as number;
  let timedOutAfter: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Re-checked at least every second, so a timeout that adapts downwards applies to this attempt too.
  const arm = () => {
    const allowed = limit();
    const remaining = allowed - (Date.now() - startedAt);
    if (remaining <= 0) {
      timedOutAfter = allowed;
      controller.abort(new Error("timeout"));
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, 1000));
  };
  arm();
  const onCallerAbort = () => controller.abort(attempt.signal?.reason);
  if (attempt.signal?.aborted) onCallerAbort();
  else attempt.signal?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    return await exchange(attempt, controller.signal, () => timedOutAfter);
  } finally {
    clearTimeout(timer);
    attempt.signal?.removeEventListener("abort", onCallerAbort);
  }
}

async function exchange(attempt: PostAttempt, signal: AbortSignal, timedOutAfter: () => number | undefined): Promise<unknown> {
  const { url, apiKey } = attempt;
  const secrets = [apiKey];
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  const failure = (message: string, details: { statusCode?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown }) =>
    new EngineCallError(redact(`POST ${url}: ${message}`, secrets), { endpoint: url, ...details });

  // Both the request and the body read can fail the same ways; one translator for both.
  const translate = (error: unknown, phase: string): never => {
    if (attempt.signal?.aborted) throw attempt.signal.reason;
    const timeoutMs = timedOutAfter();
    if (timeoutMs !== undefined) {
      throw new RequestTimeoutError(redact(`POST ${url}: no complete answer within ${timeoutMs} ms (${phase})`, secrets), { endpoint: url, timeoutMs });
    }
    const reason = error instanceof Error ? `${error.message}${causeText(error)}` : String(error);
    const message = redact(`POST ${url}: ${phase} failed: ${reason}`, secrets);
    // No connection (refused, reset before an answer) may be overload; an answer cut short
    // after its headers is one broken reply, retried without slowing the endpoint down.
    if (phase === "request") throw new NetworkError(message, { endpoint: url, retryable: true });
    throw new EngineCallError(message, { endpoint: url, retryable: true });
  };

  let response: TransportReply;
  try {
    response = await attempt.transport(url, { headers, body: jsonText(attempt.body), signal });
  } catch (error) {
    return translate(error, "request");
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return translate(error, "reading the body");
  }

  if (response.status < 200 || response.status > 299) {
    const hint = attempt.hints?.[response.status];
    throw failure(`HTTP ${response.status}${text ? `: ${snippet(text)}` : ""}${hint ? ` (${hint})` : ""}`, {
      statusCode: response.status,
      retryable: isRetryableStatus(response.status),
      retryAfterMs: parseRetryAfter(response.header("retry-after")),
    });
  }
  if (attempt.expect === "text") return text;
  try {
    return parseJsonText(text);
  } catch {
    // A 200 whose body is not JSON is usually a proxy or a cut connection: worth another try.
    throw failure(`answer is not JSON: ${snippet(text) || "(empty body)"}`, { statusCode: response.status, retryable: true });
  }
}

function causeText(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message})` : "";
}

/** Resolve after `ms`, or reject with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
