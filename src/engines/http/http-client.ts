import type { ZodType } from "zod";
import { EngineCallError } from "../../core/errors.js";
import { AdaptiveTimeout } from "./adaptive-timeout.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { EndpointPool, type CallOutcome } from "./endpoint-pool.js";
import { postJson, sleep } from "./post-json.js";
import { redact, snippet } from "./redact.js";
import { type FailureReason, failureReason, isOverload } from "./request-failure.js";
import { fetchTransport, pooledTransport, type Transport } from "./transport.js";

/** One retry as it happens, for progress: why, where, and how long until the next attempt. */
export interface RetryInfo {
  endpoint: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  reason: FailureReason;
  /** The failure, redacted. */
  message: string;
  delayMs: number;
}

/** Transport settings: none of these change an answer, so none enter a cache key. */
export interface HttpClientOptions {
  /** One or more base URLs serving the same model, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrls: readonly string[];
  apiKey?: string;
  /** Send through this fetch instead of the client's own connection pool (tests, proxies). */
  fetch?: typeof fetch;
  /** Maximum concurrent requests per base URL. Default 8. */
  concurrency?: number;
  /**
   * Per-attempt timeout in ms (request and body) until the endpoint has shown its latencies, and
   * the ceiling afterwards. Default 300 000: a first long generation may be slow.
   */
  timeoutMs?: number;
  /** The adaptive timeout never goes below this. Default 1 000 ms. */
  timeoutFloorMs?: number;
  /** The adaptive timeout is this multiple of the p95 of recent successful latencies (per path). Default 4. */
  timeoutMultiple?: number;
  /** Attempts per request, the first included. Default 6. */
  maxAttempts?: number;
  /** Backoff between attempts. Default base 250 ms, max 30 s (a 429's Retry-After is honoured on top). */
  backoff?: BackoffOptions;
  /** Longest `Retry-After` we honour, in ms; longer ones are capped. Default 120 000. */
  maxRetryAfterMs?: number;
  /** Successes before the adaptive limit grows by one. Default 8. */
  increaseAfter?: number;
  random?: () => number;
  /** Told when an endpoint's adaptive limit changes; without `onRetry`, also of timeouts (at most every 10 s). */
  onNotice?: (message: string) => void;
  /** Told of every retry as it happens (the engine turns it into a `request-retry` event). */
  onRetry?: (info: RetryInfo) => void;
}

/** Per-call settings. */
export interface PostOptions<T> {
  /** Validates the answer (only the fields used); a mismatch is a retryable EngineCallError. */
  schema?: ZodType<T>;
  signal?: AbortSignal;
  expect?: "json" | "text";
  hints?: Partial<Record<number, string>>;
  /** Resolve the path against the server root (base URL minus a trailing `/v1`), for vLLM's `/pooling`. */
  fromRoot?: boolean;
}

const defaults = {
  concurrency: 8,
  timeoutMs: 300_000,
  timeoutFloorMs: 1_000,
  timeoutMultiple: 4,
  maxAttempts: 6,
  backoff: { baseMs: 250, maxMs: 30_000 },
  maxRetryAfterMs: 120_000,
};

/**
 * Calls an OpenAI-compatible server well: bounded adaptive concurrency per base URL (least
 * loaded first), retries with full-jitter exponential backoff that honour `Retry-After`, a
 * per-attempt timeout merged with the caller's signal, and validated answers. Everything it
 * throws is an EngineCallError (or the caller's abort reason) with the key redacted.
 */
export class HttpClient {
  readonly baseUrls: readonly string[];
  private readonly pool: EndpointPool;
  private readonly options: HttpClientOptions;
  private readonly transport: Transport;
  /** Set when this client owns its connection pool (no injected fetch): closed by `close`. */
  private readonly closeTransport?: () => Promise<void>;
  /** Per path: chat latencies say nothing about embedding latencies. */
  private readonly timeouts = new Map<string, AdaptiveTimeout>();
  private readonly retryTally = { timeouts: 0, lastNoticeAt: 0 };

  /** @param shared a transport to use instead of opening one (`postTo`'s one-URL clients share their parent's pool) */
  constructor(options: HttpClientOptions, shared?: Transport) {
    this.options = options;
    this.baseUrls = options.baseUrls.map((url) => url.replace(/\/+$/, ""));
    if (shared) this.transport = shared;
    else if (options.fetch) this.transport = fetchTransport(options.fetch);
    else {
      // As many connections per origin as requests may be in flight to it (base URLs may share
      // an origin): a freed slot never waits for a connection. They are opened only as needed.
      const pool = pooledTransport((options.concurrency ?? defaults.concurrency) * options.baseUrls.length);
      this.transport = pool.send;
      this.closeTransport = pool.close;
    }
    this.pool = new EndpointPool(this.baseUrls, {
      concurrency: options.concurrency ?? defaults.concurrency,
      increaseAfter: options.increaseAfter,
      onLimitChange: (baseUrl, from, to) =>
        options.onNotice?.(`${baseUrl}: concurrency ${from} → ${to}${to < from ? " (server throttling or failing)" : ""}`),
    });
  }

  /** Requests it sends at once at most: the configured limit summed over the base URLs. */
  get concurrency(): number {
    return (this.options.concurrency ?? defaults.concurrency) * this.baseUrls.length;
  }

  /** Current per-endpoint load and adaptive limits. */
  snapshot() {
    return this.pool.snapshot();
  }

  /** POST to one endpoint (the least loaded at each attempt), with retries. */
  async post<T = unknown>(path: string, body: unknown, options: PostOptions<T> = {}): Promise<T> {
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? defaults.maxAttempts);
    for (let attempt = 0; ; attempt += 1) {
      const lease = await this.pool.acquire(options.signal);
      const url = resolveUrl(lease.baseUrl, path, options.fromRoot);
      let failure: unknown;
      const timeout = this.timeoutFor(path);
      try {
        const startedAt = Date.now();
        const value = this.validate(url, await this.attempt(url, body, options, () => timeout.currentMs()), options.schema);
        timeout.observe(Date.now() - startedAt);
        lease.release("ok");
        return value;
      } catch (error) {
        failure = error;
        lease.release(outcomeOf(error));
      }
      // The slot is free again while we wait: others keep the endpoint busy during our backoff.
      if (!(failure instanceof EngineCallError) || !failure.retryable) throw failure;
      if (attempt + 1 >= maxAttempts) throw exhausted(failure, maxAttempts);
      const delayMs = this.delay(attempt, failure);
      this.reportRetry(path, { endpoint: url, attempt: attempt + 1, reason: failureReason(failure), message: failure.message, delayMs });
      await sleep(delayMs, options.signal);
    }
  }

  /** POST to one given base URL (with retries), outside the shared pool: for per-server actions. */
  postTo<T = unknown>(baseUrl: string, path: string, body: unknown, options: PostOptions<T> = {}): Promise<T> {
    return new HttpClient({ ...this.options, baseUrls: [baseUrl], concurrency: 1 }, this.transport).post(path, body, options);
  }

  /** Lets the client's idle connections go (requests in flight finish first). */
  async close(): Promise<void> {
    await this.closeTransport?.();
  }

  /** POST the same body to every base URL (loading a LoRA adapter must reach all servers). */
  postEach<T = unknown>(path: string, body: unknown, options: PostOptions<T> = {}): Promise<T[]> {
    return Promise.all(this.baseUrls.map((baseUrl) => this.postTo(baseUrl, path, body, options)));
  }

  private timeoutFor(path: string): AdaptiveTimeout {
    let timeout = this.timeouts.get(path);
    if (!timeout) {
      const initialMs = this.options.timeoutMs ?? defaults.timeoutMs;
      timeout = new AdaptiveTimeout({
        initialMs,
        floorMs: Math.min(initialMs, this.options.timeoutFloorMs ?? defaults.timeoutFloorMs),
        multiple: this.options.timeoutMultiple ?? defaults.timeoutMultiple,
      });
      this.timeouts.set(path, timeout);
    }
    return timeout;
  }

  /** The per-attempt timeout a request on `path` gets now, in ms. */
  currentTimeoutMs(path: string): number {
    return this.timeoutFor(path).currentMs();
  }

  private reportRetry(path: string, info: RetryInfo): void {
    if (this.options.onRetry) {
      this.options.onRetry(info);
      return;
    }
    // Without a retry listener, timeouts still reach the user as notices: the first at once,
    // then at most one summary every 10 s (a line per retry would flood the terminal).
    if (info.reason !== "timeout") return;
    const tally = this.retryTally;
    tally.timeouts++;
    const now = Date.now();
    if (tally.lastNoticeAt !== 0 && now - tally.lastNoticeAt < 10_000) return;
    tally.lastNoticeAt = now;
    const limit = (this.currentTimeoutMs(path) / 1000).toFixed(1);
    this.options.onNotice?.(`${tally.timeouts} request${tally.timeouts === 1 ? "" : "s"} timed out so far, retrying (timeout now ${limit} s)`);
  }

  private attempt(url: string, body: unknown, options: PostOptions<unknown>, timeoutMs: () => number): Promise<unknown> {
    return postJson({
      transport: this.transport,
      url,
      body,
      apiKey: this.options.apiKey,
      timeoutMs,
      signal: options.signal,
      expect: options.expect,
      hints: options.hints,
    });
  }

  private validate<T>(url: string, raw: unknown, schema: ZodType<T> | undefined): T {
    if (!schema) return raw as T;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unexpected shape";
    const text = typeof raw === "string" ? raw : JSON.stringify(raw);
    // Retryable: a server that drops fields under load usually answers fully the next time.
    throw new EngineCallError(redact(`POST ${url}: answer misses fields (${where}): ${snippet(text ?? "")}`, [this.options.apiKey]), {
      endpoint: url,
      retryable: true,
    });
  }

  private delay(attempt: number, error: EngineCallError): number {
    const backoff = this.options.backoff ?? defaults.backoff;
    // A 500 or a garbled answer says nothing about load: try again soon (a tenth of the base).
    // Only overload (429, 503, timeouts) earns the full backoff, on top of any Retry-After.
    const scale = isOverload(error) ? backoff : { baseMs: backoff.baseMs / 10, maxMs: backoff.maxMs };
    const jittered = backoffDelay(attempt, scale, this.options.random);
    const asked = Math.min(error.retryAfterMs ?? 0, this.options.maxRetryAfterMs ?? defaults.maxRetryAfterMs);
    return Math.max(jittered, asked);
  }
}

/** Join a base URL and a path; `fromRoot` drops a trailing `/v1` first (vLLM serves `/pooling` at the root). */
export function resolveUrl(baseUrl: string, path: string, fromRoot = false): string {
  const base = fromRoot ? baseUrl.replace(/\/v1$/, "") : baseUrl;
  return `${base}${path.startsWith("/") ? path : `/${path}`}`;
}

function outcomeOf(error: unknown): CallOutcome {
  if (!(error instanceof EngineCallError)) return "rejected"; // the caller aborted
  if (isOverload(error)) return "throttled";
  return error.retryable ? "failed" : "rejected";
}

function exhausted(error: EngineCallError, attempts: number): EngineCallError {
  return new EngineCallError(`${error.message} (gave up after ${attempts} attempts)`, {
    endpoint: error.endpoint,
    statusCode: error.statusCode,
    retryable: true,
    retryAfterMs: error.retryAfterMs,
    cause: error,
  });
}
