import type { Engine } from "../core/engine.js";
import type { ProgressListener } from "../core/events.js";
import { parseEngineSpec, resolveApiKey, type LlamaEngineSpec } from "./engine-spec.js";
import type { HttpClientOptions } from "./http/http-client.js";
import { OpenAIEngine } from "./openai/openai-engine.js";
import type { RequestCache } from "./request-cache.js";

/** What an engine may use from its surroundings; everything optional, everything injectable. */
export interface EngineContext {
  /** The run's request cache; without one every call is sent. */
  cache?: RequestCache;
  /** HTTP transport (tests inject one; default the global fetch). */
  fetch?: typeof fetch;
  /** Where API keys are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  onEvent?: ProgressListener;
  /** Transport overrides for OpenAI engines (tests shorten backoff and timeouts). Spec options win. */
  http?: Partial<Omit<HttpClientOptions, "baseUrls" | "apiKey" | "fetch">>;
  /** The command-line flag the spec came from, named in usage errors. */
  flag?: string;
}

/**
 * Build an engine from a spec (see engine-spec.ts for the grammar). The llama engine and its
 * native addon load only when a `llama:` spec asks for them, so CLI startup stays fast.
 */
export async function createEngine(spec: string, context: EngineContext = {}): Promise<Engine> {
  const parsed = parseEngineSpec(spec, context.flag);
  if (parsed.kind === "llama") return createLlama(parsed, context);
  const apiKey = resolveApiKey(parsed, context.env ?? process.env);
  return new OpenAIEngine({
    spec: parsed.spec,
    model: parsed.model,
    baseUrls: parsed.baseUrls,
    apiKey,
    fetch: context.fetch,
    cache: context.cache,
    onEvent: context.onEvent,
    http: {
      ...context.http,
      ...defined({ concurrency: parsed.options.concurrency, timeoutMs: parsed.options.timeoutMs, maxAttempts: parsed.options.maxAttempts }),
    },
    batchSize: parsed.options.batchSize,
    scoreMode: parsed.options.scoreMode,
  });
}

async function createLlama(spec: LlamaEngineSpec, context: EngineContext): Promise<Engine> {
  // Imported on demand: node-llama-cpp and its native addon cost startup time no other command should pay.
  const { createLlamaEngine } = await import("./llama/llama-engine.js");
  return createLlamaEngine(spec.modelPath, { ...spec.options, onEvent: context.onEvent });
}

function defined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
