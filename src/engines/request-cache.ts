import { createHash } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";
import { BatchPendingError } from "../core/errors.js";
import { canonicalJson } from "../store/canonical-json.js";
import { jsonText } from "./http/json-text.js";

/**
 * The run's persistent request cache (table `request_cache`) and usage ledger (table `usage`).
 *
 * A request is identified by a versioned hash of what changes its answer: engine kind, model,
 * endpoint path and the request body minus transport settings (stream flags, timeouts, the
 * caller's `user` tag). Base URLs, concurrency and API keys never enter the key, so spreading a
 * run over other servers of the same model, or rotating a key, keeps every cached answer.
 *
 * Rows: `endpoint` is the API path as the OpenAI Batch format names it (`/v1/chat/completions`),
 * `request` the JSON body to send, `response` the JSON body received. In batch mode a miss is
 * recorded as `pending` and the call throws BatchPendingError; batch import fills `response`
 * and flips the row to `done`.
 */

/** Bump when the key recipe changes: old rows then simply stop matching. */
export const CACHE_KEY_VERSION = "v1";

/** Body fields that change how a request travels, not what it answers. */
const TRANSPORT_FIELDS = new Set(["stream", "stream_options", "timeout", "user"]);

/** Stage name recorded when a caller gives none. */
export const DEFAULT_STAGE = "other";

/** One cacheable request. */
export interface CacheableRequest {
  /** Engine kind ("openai"). */
  engine: string;
  model: string;
  /** API path, e.g. `/v1/chat/completions`. */
  endpoint: string;
  body: Record<string, unknown>;
  /** Pipeline stage for usage accounting. */
  stage?: string;
}

/** A row of the usage ledger. */
export interface UsageRow {
  stage: string;
  engine: string;
  model: string;
  requests: number;
  cached: number;
  promptTokens: number;
  completionTokens: number;
}

export interface RequestCacheOptions {
  /** false: always send, read and write nothing in `request_cache` (usage is still counted). */
  enabled?: boolean;
  /** "batch": a miss is recorded as pending and throws BatchPendingError instead of being sent. */
  mode?: "live" | "batch";
}

/** The cache key of a request: `v1:` + sha256 of its canonical form. */
export function requestCacheKey(request: Pick<CacheableRequest, "engine" | "model" | "endpoint" | "body">): string {
  const body = Object.fromEntries(Object.entries(request.body).filter(([field]) => !TRANSPORT_FIELDS.has(field)));
  const canonical = canonicalJson({ engine: request.engine, model: request.model, endpoint: request.endpoint, body });
  return `${CACHE_KEY_VERSION}:${createHash("sha256").update(canonical).digest("hex")}`;
}

export class RequestCache {
  readonly enabled: boolean;
  readonly mode: "live" | "batch";
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Answers received and not yet written (see `store`). */
  private unwritten: Array<{ key: string; request: CacheableRequest; response: unknown; at: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly statements: {
    find: Statement<[string]>;
    insertPending: Statement<unknown[]>;
    storeDone: Statement<unknown[]>;
    countPending: Statement<[]>;
    addUsage: Statement<unknown[]>;
    usage: Statement<[]>;
  };

  constructor(
    private readonly db: Database,
    options: RequestCacheOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.mode = options.mode ?? "live";
    this.statements = {
      find: db.prepare("SELECT status, response FROM request_cache WHERE key = ?"),
      insertPending: db.prepare(
        `INSERT INTO request_cache (key, engine, model, endpoint, request, status, stage, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(key) DO NOTHING`,
      ),
      storeDone: db.prepare(
        `INSERT INTO request_cache (key, engine, model, endpoint, request, response, status, stage, prompt_tokens, completion_tokens, created_at, answered_at)
         VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET response = excluded.response, status = 'done', prompt_tokens = excluded.prompt_tokens,
           completion_tokens = excluded.completion_tokens, answered_at = excluded.answered_at`,
      ),
      countPending: db.prepare("SELECT COUNT(*) FROM request_cache WHERE status = 'pending'").pluck() as Statement<[]>,
      addUsage: db.prepare(
        `INSERT INTO usage (stage, engine, model, requests, cached, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(stage, engine, model) DO UPDATE SET requests = requests + excluded.requests, cached = cached + excluded.cached,
           prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`,
      ),
      usage: db.prepare("SELECT * FROM usage ORDER BY stage, engine, model") as Statement<[]>,
    };
  }

  /**
   * The answer to `request`: from the cache if it was answered before (in this run or an earlier
   * one), from an identical call already in flight, or else from `send()` — whose result is
   * stored. `send` must only resolve with an answer that passed validation.
   */
  async call(
    request: CacheableRequest,
    send: () => Promise<unknown>,
    options: { isUsable?: (response: unknown) => boolean } = {},
  ): Promise<{ response: unknown; cached: boolean }> {
    if (!this.enabled) {
      const response = await send();
      this.recordUsage(request, { requests: 1, ...tokensOf(response) });
      return { response, cached: false };
    }
    const key = requestCacheKey(request);
    const row = this.statements.find.get(key) as { status: string; response: string | null } | undefined;
    const stored = row?.status === "done" ? parseStored(row.response) : undefined;
    // A stored answer the engine cannot read (e.g. an error body a batch import let through)
    // counts as a miss: it is asked again rather than failing the same way on every run.
    if (stored !== undefined && (options.isUsable?.(stored) ?? true)) {
      this.recordUsage(request, { cached: 1 });
      return { response: stored, cached: true };
    }
    const joined = this.inFlight.get(key);
    if (joined) {
      const response = await joined;
      this.recordUsage(request, { cached: 1 });
      return { response, cached: true };
    }
    if (this.mode === "batch") {
      this.statements.insertPending.run(key, request.engine, request.model, request.endpoint, JSON.stringify(request.body), stageOf(request), now());
      throw new BatchPendingError(this.statements.countPending.get() as number);
    }
    const pending = this.sendAndStore(key, request, send);
    this.inFlight.set(key, pending);
    try {
      return { response: await pending, cached: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** The usage ledger: requests sent, cache hits and tokens, per stage, engine and model. */
  usage(): UsageRow[] {
    return (this.statements.usage.all() as Record<string, unknown>[]).map((row) => ({
      stage: String(row.stage),
      engine: String(row.engine),
      model: String(row.model),
      requests: Number(row.requests),
      cached: Number(row.cached),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
    }));
  }

  private async sendAndStore(key: string, request: CacheableRequest, send: () => Promise<unknown>): Promise<unknown> {
    const response = await send();
    await this.store(key, request, response);
    return response;
  }

  /**
   * Stores an answer with the others received in the same turn of the event loop: they are
   * written together, in one transaction, right after the loop has read them (answers come in
   * bursts; with a transaction per answer, `eval` and `generate` kept 0.84 of the endpoint's
   * capacity busy at 50 ms, against 0.91–0.93 so). Resolves once the row is written, so no
   * caller acts on an answer a kill could still lose; at most one turn's answers are in memory only.
   */
  private store(key: string, request: CacheableRequest, response: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.unwritten.push({ key, request, response, at: now(), resolve, reject });
      if (this.unwritten.length === 1) setImmediate(() => this.writeReceived());
    });
  }

  private writeReceived(): void {
    const rows = this.unwritten;
    this.unwritten = [];
    try {
      this.db.transaction(() => {
        for (const { key, request, response, at } of rows) {
          const tokens = tokensOf(response);
          this.statements.storeDone.run(
            key,
            request.engine,
            request.model,
            request.endpoint,
            jsonText(request.body),
            jsonText(response),
            stageOf(request),
            tokens.promptTokens,
            tokens.completionTokens,
            at,
            at,
          );
          this.recordUsage(request, { requests: 1, ...tokens });
        }
      })();
    } catch (error) {
      for (const row of rows) row.reject(error);
      return;
    }
    for (const row of rows) row.resolve();
  }

  private recordUsage(
    request: CacheableRequest,
    counts: { requests?: number; cached?: number; promptTokens?: number; completionTokens?: number },
  ): void {
    this.statements.addUsage.run(
      stageOf(request),
      request.engine,
      request.model,
      counts.requests ?? 0,
      counts.cached ?? 0,
      counts.promptTokens ?? 0,
      counts.completionTokens ?? 0,
    );
  }
}

/** Token counts from an OpenAI-shaped `usage` block; absent counts are 0. */
function tokensOf(response: unknown): { promptTokens: number; completionTokens: number } {
  const usage = (response as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  return { promptTokens: count(usage?.prompt_tokens), completionTokens: count(usage?.completion_tokens) };
}

function parseStored(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stageOf(request: CacheableRequest): string {
  return request.stage ?? DEFAULT_STAGE;
}

function now(): string {
  return new Date().toISOString();
}
