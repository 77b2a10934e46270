import { GapfillError, OptionError } from "../core/errors.js";

/**
 * Engine specs: how a user names a model on the command line.
 *
 * ```
 * SPEC     := llama:PATH.gguf[?OPTIONS]          embedded llama.cpp (PATH may be hf:USER/REPO/FILE.gguf)
 *           | openai:MODEL[@URL[,URL...]][?OPTIONS]  any OpenAI-compatible server; several URLs share the load;
 *                                                  no URL = https://api.openai.com/v1
 *           | ollama:MODEL[@URL][?OPTIONS]        sugar for openai:MODEL@http://127.0.0.1:11434/v1
 * OPTIONS  := KEY=VALUE[&KEY=VALUE...]
 * ```
 *
 * Options of openai/ollama specs:
 * - `api_key_env=NAME`: read the API key from `$NAME` (default `$OPENAI_API_KEY` for openai, none for ollama)
 * - `concurrency=N`: concurrent requests per URL (default 8; adapts down on 429)
 * - `timeout=SECONDS`: per-attempt timeout (default 300)
 * - `max_attempts=N`: attempts per request, the first included (default 6)
 * - `batch_size=N`: texts per `/v1/embeddings` request (default 64)
 * - `score=echo|prompt_logprobs`: how `score` asks for a continuation's log-probs (default echo)
 *
 * Options of llama specs:
 * - `context=N`: context size in tokens; `threads=N`: CPU threads; `seed=N`: default seed
 * - `pooling=model|mean`: how `embed` pools (the model's own pooling, or the mean of token states)
 *
 * MODEL may contain `:` and `/` (`ollama:llama3.1:8b`, `openai:Qwen/Qwen2.5-7B@http://…`); the
 * URL part starts at the first `@http://` or `@https://`. Secrets never go in a spec: URLs with
 * credentials and an `api_key=` option are refused.
 */

export type ScoreMode = "echo" | "prompt_logprobs";

export interface OpenAISpecOptions {
  apiKeyEnv?: string;
  concurrency?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  batchSize?: number;
  scoreMode?: ScoreMode;
}

export interface LlamaSpecOptions {
  contextSize?: number;
  threads?: number;
  seed?: number;
  pooling?: "model" | "mean";
}

export interface LlamaEngineSpec {
  kind: "llama";
  /** A file path, or an `hf:` URI for node-llama-cpp's resolver. */
  modelPath: string;
  options: LlamaSpecOptions;
  /** Canonical form, safe to print and store. */
  spec: string;
}

export interface OpenAIEngineSpec {
  kind: "openai";
  /** "ollama" when written as `ollama:`, which changes only the default URL and key. */
  flavor: "openai" | "ollama";
  model: string;
  baseUrls: string[];
  options: OpenAISpecOptions;
  /** Canonical form, safe to print and store. */
  spec: string;
}

export type EngineSpec = LlamaEngineSpec | OpenAIEngineSpec;

export const OPENAI_DEFAULT_URL = "https://api.openai.com/v1";
export const OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434/v1";

const OPENAI_OPTION_KEYS = ["api_key_env", "concurrency", "timeout", "max_attempts", "batch_size", "score"] as const;
const LLAMA_OPTION_KEYS = ["context", "threads", "seed", "pooling"] as const;

/**
 * Parse an engine spec. Throws an OptionError (code `bad-engine-spec`) naming the library
 * option the spec was given as (`student`, `teacher`; default `spec`) and the spec, secrets removed.
 */
export function parseEngineSpec(input: string, option = "spec"): EngineSpec {
  const text = input.trim();
  const fail = (reason: string): never => {
    throw new OptionError(option, `has a bad engine spec "${displaySpec(text)}": ${reason}`, { code: "bad-engine-spec" });
  };
  const colon = text.indexOf(":");
  if (colon < 0) fail("expected llama:PATH.gguf, openai:MODEL@URL or ollama:MODEL");
  const scheme = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (scheme) {
    case "llama":
      return parseLlama(rest, fail);
    case "openai":
    case "ollama":
      return parseOpenAI(scheme, rest, fail);
    default:
      return fail(`unknown engine "${scheme}" (known: llama, openai, ollama)`);
  }
}

/** A spec with secret-looking option values removed, for messages. */
export function displaySpec(spec: string): string {
  return spec.replace(/([?&](?:api_?key|key|token|access_token|secret|password)=)[^&]*/gi, "$1[redacted]").replace(/\/\/[^/@]*@/, "//[redacted]@");
}

function parseLlama(rest: string, fail: (reason: string) => never): LlamaEngineSpec {
  const [path, query] = splitQuery(rest);
  if (path === "") fail("missing the model path: llama:PATH.gguf");
  if (!path.startsWith("hf:") && !/\.gguf$/i.test(path)) fail(`"${path}" is not a .gguf file`);
  const raw = parseQuery(query, fail);
  return { kind: "llama", modelPath: path, options: llamaOptions(raw, fail), spec: `llama:${path}${formatQuery(raw)}` };
}

function llamaOptions(raw: Record<string, string>, fail: (reason: string) => never): LlamaSpecOptions {
  const options: LlamaSpecOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key as (typeof LLAMA_OPTION_KEYS)[number]) {
      case "context":
        options.contextSize = wholeNumber(key, value, fail, 1);
        break;
      case "threads":
        options.threads = wholeNumber(key, value, fail, 1);
        break;
      case "seed":
        options.seed = wholeNumber(key, value, fail, 0);
        break;
      case "pooling":
        if (value !== "model" && value !== "mean") fail(`pooling=${value} must be model or mean`);
        options.pooling = value as "model" | "mean";
        break;
      default:
        fail(`unknown option "${key}" (known: ${LLAMA_OPTION_KEYS.join(", ")})`);
    }
  }
  return options;
}

function wholeNumber(key: string, value: string, fail: (reason: string) => never, min: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) fail(`option ${key}=${value} must be a whole number ≥ ${min}`);
  return n;
}

function parseOpenAI(flavor: "openai" | "ollama", rest: string, fail: (reason: string) => never): OpenAIEngineSpec {
  const at = rest.search(/@https?:\/\//i);
  const modelPart = at < 0 ? splitQuery(rest)[0] : rest.slice(0, at);
  const [urlPart, query] = at < 0 ? ["", splitQuery(rest)[1]] : splitQuery(rest.slice(at + 1));
  const model = modelPart.trim();
  if (model === "") fail(`missing the model name: ${flavor}:MODEL${flavor === "openai" ? "@URL" : ""}`);
  if (at < 0 && rest.includes("@")) fail("the part after @ must be an http:// or https:// URL");

  const baseUrls = urlPart === "" ? [flavor === "ollama" ? OLLAMA_DEFAULT_URL : OPENAI_DEFAULT_URL] : urlPart.split(",").map((url) => parseUrl(url, fail));
  if (flavor === "ollama" && baseUrls.length > 1) fail("ollama takes one URL; use openai:MODEL@URL1,URL2 to spread load");
  if (new Set(baseUrls).size !== baseUrls.length) fail("the same URL is listed twice");

  const raw = parseQuery(query, fail);
  const options = openAIOptions(raw, fail);
  const urls = urlPart === "" ? "" : `@${baseUrls.join(",")}`;
  return { kind: "openai", flavor, model, baseUrls, options, spec: `${flavor}:${model}${urls}${formatQuery(raw)}` };
}

function parseUrl(text: string, fail: (reason: string) => never): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return fail(`"${text}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`"${text}" must be http:// or https://`);
  if (url.username || url.password) fail("credentials do not belong in the URL: put the key in an environment variable and name it with ?api_key_env=NAME");
  if (url.search || url.hash) fail(`base URL "${url.origin}${url.pathname}" must not carry a query or fragment`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function splitQuery(text: string): [string, string] {
  const mark = text.indexOf("?");
  return mark < 0 ? [text, ""] : [text.slice(0, mark), text.slice(mark + 1)];
}

function parseQuery(query: string, fail: (reason: string) => never): Record<string, string> {
  const options: Record<string, string> = {};
  if (query === "") return options;
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (/^(api_?key|key|token|access_token|secret|password)$/i.test(key)) {
      fail(`"${key}" looks like a secret: keys are read from the environment, name the variable with ?api_key_env=NAME`);
    }
    if (eq < 0 || key === "") fail(`option "${pair}" must be KEY=VALUE`);
    if (key in options) fail(`option "${key}" is given twice`);
    try {
      options[key] = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      fail(`option "${key}" has a malformed %-escape`);
    }
  }
  return options;
}

function openAIOptions(raw: Record<string, string>, fail: (reason: string) => never): OpenAISpecOptions {
  const options: OpenAISpecOptions = {};
  const positive = (key: string, value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) fail(`option ${key}=${value} must be a positive number`);
    return n;
  };
  const integer = (key: string, value: string): number => {
    const n = positive(key, value);
    if (!Number.isInteger(n)) fail(`option ${key}=${value} must be a whole number`);
    return n;
  };
  for (const [key, value] of Object.entries(raw)) {
    switch (key as (typeof OPENAI_OPTION_KEYS)[number]) {
      case "api_key_env":
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) fail(`api_key_env=${value} is not an environment variable name`);
        options.apiKeyEnv = value;
        break;
      case "concurrency":
        options.concurrency = integer(key, value);
        break;
      case "timeout":
        options.timeoutMs = Math.round(positive(key, value) * 1000);
        break;
      case "max_attempts":
        options.maxAttempts = integer(key, value);
        break;
      case "batch_size":
        options.batchSize = integer(key, value);
        break;
      case "score":
        if (value !== "echo" && value !== "prompt_logprobs") fail(`score=${value} must be echo or prompt_logprobs`);
        options.scoreMode = value as ScoreMode;
        break;
      default:
        fail(`unknown option "${key}" (known: ${OPENAI_OPTION_KEYS.join(", ")})`);
    }
  }
  return options;
}

function formatQuery(options: Record<string, string>): string {
  const keys = Object.keys(options).sort();
  return keys.length === 0 ? "" : `?${keys.map((key) => `${key}=${encodeURIComponent(options[key])}`).join("&")}`;
}

/**
 * The API key for an openai/ollama spec: `$NAME` from `api_key_env=NAME` (which must be set),
 * else `$OPENAI_API_KEY` for openai specs, else none (local servers usually need none).
 */
export function resolveApiKey(spec: OpenAIEngineSpec, env: NodeJS.ProcessEnv): string | undefined {
  const name = spec.options.apiKeyEnv;
  if (name !== undefined) {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new GapfillError("api-key-missing", `engine ${spec.spec}: environment variable ${name} (named by api_key_env) is not set`, { userFixable: true });
    }
    return value;
  }
  // A local Ollama never needs it, and sending an OpenAI key to another host would leak it.
  if (spec.flavor === "ollama") return undefined;
  const fallback = env.OPENAI_API_KEY;
  return fallback === "" ? undefined : fallback;
}
