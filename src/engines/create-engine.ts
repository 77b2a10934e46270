import type { Engine } from "../core/engine.js";
import type { ProgressListener } from "../core/events.js";
import { parseEngineSpec, resolveApiKey, type LlamaEngineSpec } from "./engine-spec.js";
import type { HttpClientOptions } from "./http/http-client.js";
import { loadLlamaEngine, type LlamaEngineImporter } from "./llama/load-llama-engine.js";
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
  /** The library option the spec was given as (`student`, `teacher`), named in its errors. */
  option?: string;
  /**
   * @deprecated The CLI maps options to flags itself: pass `option`. A flag given here
   * (`--student`) is read as the option it stands for.
   */
  flag?: string;
  /** How the llama engine module is imported (tests simulate a missing node-llama-cpp). */
  importLlamaEngine?: LlamaEngineImporter;
}

/**
 * Build an engine from a spec (see engine-spec.ts for the grammar). The llama engine and its
 * native addon load only when a `llama:` spec asks for them, so CLI startup stays fast.
 */
export async function createEngine(spec: string, context: EngineContext = {}): Promise<Engine> {
  const parsed = parseEngineSpec(spec, context.option ?? optionOfFlag(context.flag));
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
  // Imported on demand: node-llama-cpp and its native addon are optional peer dependencies, and
  // cost startup time no other command should pay.
  const { createLlamaEngine } = await loadLlamaEngine(context.importLlamaEngine);
  return createLlamaEngine(spec.modelPath, { ...spec.options, onEvent: context.onEvent });
}

function defined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** `--max-tokens` → `maxTokens`: what an old caller's flag names in library terms. */
function optionOfFlag(flag: string | undefined): string | undefined {
  return flag?.replace(/^-+/, "").replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
