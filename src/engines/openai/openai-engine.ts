import type {
  Capability,
  ChatMessage,
  ContinuationScore,
  Engine,
  GenerateOptions,
  Generation,
  Matrix,
} from "../../core/engine.js";
import { ENGINES_WITH } from "../../core/engine.js";
import { CapabilityError, EngineCallError, GapfillError } from "../../core/errors.js";
import { progress, type ProgressListener } from "../../core/events.js";
import { z } from "zod";
import type { ScoreMode } from "../engine-spec.js";
import { HttpClient, type HttpClientOptions } from "../http/http-client.js";
import type { RequestCache } from "../request-cache.js";
import { chatBody, readChat } from "./chat.js";
import { completionBody, readCompletion } from "./completions.js";
import { batches, embeddingsBody, readEmbeddings, readTokenEmbeddings, toMatrix, tokenEmbedBody } from "./embeddings.js";
import { CHAT, COMPLETIONS, EMBEDDINGS, LOAD_LORA, POOLING, PROMPT_EMBEDS, SCORE_ECHO, SCORE_PROMPT_LOGPROBS } from "./endpoints.js";
import { isAlreadyLoaded, loraRequest } from "./lora.js";
import { OpenAICaller } from "./openai-caller.js";
import { promptEmbedsBody } from "./prompt-embeds.js";
import { chatResponseSchema, completionResponseSchema, embeddingsResponseSchema, poolingResponseSchema } from "./response-schemas.js";
import { type IdentifyOptions, identifyServer, SERVER_NAMES, type ServerIdentity } from "./identify-server.js";
import { readScore, type ScoreMethod, scoreBody } from "./score.js";
import { serverOffer } from "./server-offers.js";

export interface OpenAIEngineOptions {
  /** The canonical spec, secrets removed (what `Engine.spec` reports). */
  spec: string;
  model: string;
  baseUrls: readonly string[];
  apiKey?: string;
  fetch?: typeof fetch;
  cache?: RequestCache;
  onEvent?: ProgressListener;
  /** Transport overrides (timeouts, attempts, backoff, concurrency). */
  http?: Partial<Omit<HttpClientOptions, "baseUrls" | "apiKey" | "fetch">>;
  /** Texts per `/v1/embeddings` request. Default 64. */
  batchSize?: number;
  /** How to score; default: echo, and forced decoding once the server turns out to be llama.cpp's. */
  scoreMode?: ScoreMode;
  /** Probe timeout for identifying the server. Default 5 s. */
  identifyTimeoutMs?: number;
}

/**
 * What the OpenAI protocol (with vLLM's extensions) allows. A given server may lack a route:
 * that surfaces as an EngineCallError whose message names the server flag that enables it.
 * Input-embedding rows are not exposed by any OpenAI-compatible route.
 */
export const OPENAI_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  "embed",
  "token-embed",
  "chat",
  "complete",
  "score",
  "decode-embeddings",
  "lora",
]);

/**
 * An engine over any OpenAI-compatible server. What each method sends, and who serves it:
 *
 * | method | request | served by |
 * | --- | --- | --- |
 * | chat | `/v1/chat/completions` (+ `response_format` json_schema, `logprobs`) | all; json_schema: OpenAI, vLLM, llama.cpp, Ollama ≥ 0.5 |
 * | complete | `/v1/completions` (+ `logprobs: 1`) | vLLM, llama.cpp, Ollama, OpenAI legacy models |
 * | embed | `/v1/embeddings`, batched | vLLM (pooling runner), llama.cpp `--embeddings`, Ollama, hosted |
 * | tokenEmbed | `/pooling` `task: "token_embed"` | vLLM (pooling runner) only |
 * | score (echo) | `/v1/completions` `echo, logprobs: 1, max_tokens: 0` | vLLM, OpenAI legacy; not llama.cpp or Ollama |
 * | score (prompt_logprobs) | `/v1/completions` `prompt_logprobs: 0` | vLLM only |
 * | score (forced) | `/v1/completions` `grammar` = the continuation, `logprobs: 1` | llama.cpp server |
 * | decodeEmbeddings | `/v1/completions` `prompt_embeds` (full matrix, no prefix/suffix) | vLLM `--enable-prompt-embeds` |
 * | loadLora | `/v1/load_lora_adapter` on every URL | vLLM `--enable-lora`, `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` |
 *
 * Every model call goes through the run's request cache when one is given. The server is
 * identified from its own routes (`identify`) when scoring needs to know, when an answer has the
 * wrong shape (to name it), and by `engines check`.
 */
const tokenizeSchema = z.object({ tokens: z.array(z.number().int()) });

/** The token limit in llama.cpp's "input (N tokens) is too large … (current batch size: B)" / "… max context size (C tokens)". */
export function tokenLimitOf(message: string): number | undefined {
  const match = /too large to process[^]*?current batch size: (\d+)|larger than the max context size \((\d+) tokens\)/.exec(message);
  return match ? Number(match[1] ?? match[2]) : undefined;
}

export class OpenAIEngine implements Engine {
  readonly kind = "openai";
  readonly spec: string;
  readonly model: string;
  readonly capabilities = OPENAI_CAPABILITIES;
  private readonly client: HttpClient;
  private readonly caller: OpenAICaller;
  private readonly batchSize: number;
  private readonly scoreMode: ScoreMode | undefined;
  private readonly identifyOptions: IdentifyOptions;
  private identity: Promise<ServerIdentity> | undefined;
  /** The scoring method found for this server when the spec names none. */
  private foundScoreMethod: ScoreMethod | undefined;
  /** The model named in requests: the base model, or the last LoRA adapter loaded. */
  private requestModel: string;

  get concurrency(): number {
    return this.client.concurrency;
  }

  constructor(options: OpenAIEngineOptions) {
    this.spec = options.spec;
    this.model = options.model;
    this.requestModel = options.model;
    this.batchSize = options.batchSize ?? 64;
    this.scoreMode = options.scoreMode;
    this.identifyOptions = { fetch: options.fetch, apiKey: options.apiKey, timeoutMs: options.identifyTimeoutMs };
    const onEvent = options.onEvent;
    this.client = new HttpClient({
      ...options.http,
      baseUrls: options.baseUrls,
      apiKey: options.apiKey,
      fetch: options.fetch,
      onNotice: onEvent ? (message) => onEvent({ type: "notice", stage: "requests", message: `${this.spec}: ${message}` }) : undefined,
      // Every retry (timeouts, 5xx, 429s) shows in the progress display as it happens.
      onRetry: onEvent ? (info) => onEvent(progress.retry(this.spec, info)) : undefined,
    });
    this.caller = new OpenAICaller(this.client, options.cache, this.kind, () => this.describeServer());
  }

  /** The server behind the first base URL, identified once from its own routes. */
  identify(): Promise<ServerIdentity> {
    this.identity ??= identifyServer(this.client.baseUrls[0], this.identifyOptions);
    const pending = this.identity;
    // A failed probe (server down) is not remembered: the next call probes again.
    pending.catch(() => {
      if (this.identity === pending) this.identity = undefined;
    });
    return pending;
  }

  /** "llama.cpp server at http://…" when it can tell, else "the server at http://…". */
  private async describeServer(): Promise<string> {
    const url = this.client.baseUrls[0];
    try {
      return `${SERVER_NAMES[(await this.identify()).kind]} at ${url}`;
    } catch {
      return `the server at ${url}`;
    }
  }

  /** The model name requests carry now (a LoRA adapter's name after `loadLora`). */
  get activeModel(): string {
    return this.requestModel;
  }

  async chat(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    const body = chatBody(this.requestModel, messages, options);
    const { value, cached } = await this.caller.call(CHAT, body, chatResponseSchema, options);
    return readChat(value, cached);
  }

  async complete(prompt: string, options: GenerateOptions = {}): Promise<Generation> {
    const body = completionBody(this.requestModel, prompt, options);
    const { value, cached } = await this.caller.call(COMPLETIONS, body, completionResponseSchema, options);
    return readCompletion(value, cached);
  }

  async embed(texts: string[], options: { stage?: string } = {}): Promise<Matrix> {
    const rows: number[][] = [];
    // Batches go out concurrently; the client's limiter decides how many are in flight.
    const answers = await Promise.all(
      batches(texts, this.batchSize).map(async (batch) => {
        try {
          const { value } = await this.caller.call(EMBEDDINGS, embeddingsBody(this.requestModel, batch), embeddingsResponseSchema, options);
          return { rows: readEmbeddings(value, batch.length, EMBEDDINGS.api), truncated: 0 };
        } catch (error) {
          const limit = error instanceof EngineCallError ? tokenLimitOf(error.message) : undefined;
          if (limit === undefined) throw error;
          return this.embedTruncated(batch, limit, options);
        }
      }),
    );
    let truncated = 0;
    for (const answer of answers) {
      rows.push(...answer.rows);
      truncated += answer.truncated;
    }
    return Object.assign(toMatrix(rows, EMBEDDINGS.api), { truncated });
  }

  /**
   * llama.cpp's server refuses an embedding input longer than its batch (`-ub`) or context with a
   * 500 that names the limit. Each text of the batch is then tokenized by the server (`/tokenize`)
   * and a longer one embedded from its first `limit` tokens, as the llama engine truncates.
   */
  private async embedTruncated(batch: string[], limit: number, options: { stage?: string }): Promise<{ rows: number[][]; truncated: number }> {
    const root = this.client.baseUrls[0].replace(/\/v1$/, "");
    let truncated = 0;
    const inputs: (string | number[])[] = [];
    for (const text of batch) {
      const { tokens } = tokenizeSchema.parse(await this.client.postTo(root, "/tokenize", { content: text }));
      // Room for the BOS the server adds.
      if (tokens.length + 1 > limit) {
        inputs.push(tokens.slice(0, limit - 1));
        truncated++;
      } else inputs.push(text);
    }
    const { value } = await this.caller.call(EMBEDDINGS, { model: this.requestModel, input: inputs, encoding_format: "float" }, embeddingsResponseSchema, options);
    return { rows: readEmbeddings(value, batch.length, EMBEDDINGS.api), truncated };
  }

  async tokenEmbed(text: string, options: { stage?: string } = {}): Promise<Matrix> {
    const { value } = await this.caller.call(POOLING, tokenEmbedBody(this.requestModel, text), poolingResponseSchema, options);
    return readTokenEmbeddings(value, POOLING.api);
  }

  async inputEmbed(): Promise<Matrix> {
    throw new CapabilityError("input-embed", this.spec, ENGINES_WITH["input-embed"]);
  }

  async score(prompt: string, continuation: string, options: { stage?: string } = {}): Promise<ContinuationScore> {
    const method = this.scoreMode ?? this.foundScoreMethod ?? "echo";
    try {
      return await this.scoreBy(method, prompt, continuation, options);
    } catch (error) {
      // Without ?score=, echo is tried first (vLLM, OpenAI legacy: no probe requests). A reply
      // in the wrong shape means another server: identify it once and score its way.
      // Concurrent calls may all meet the wrong shape: each waits for the same finding.
      if (this.scoreMode || method !== "echo" || !(error instanceof GapfillError) || error.code !== "bad-response") throw error;
      const found = await this.findScoreMethod();
      if (found === "echo") throw error;
      return this.scoreBy(found, prompt, continuation, options);
    }
  }

  /** The scoring method of a server whose answer to echo had the wrong shape. */
  private async findScoreMethod(): Promise<ScoreMethod> {
    if (this.foundScoreMethod) return this.foundScoreMethod;
    const { kind } = await this.identify();
    const offer = serverOffer(kind, "score");
    if (!offer.offered) throw new CapabilityError("score", `${this.spec} (${SERVER_NAMES[kind]}: ${offer.why})`, ENGINES_WITH.score);
    this.foundScoreMethod = kind === "llama.cpp" ? "forced" : "echo";
    return this.foundScoreMethod;
  }

  private async scoreBy(method: ScoreMethod, prompt: string, continuation: string, options: { stage?: string }): Promise<ContinuationScore> {
    const endpoint = method === "prompt_logprobs" ? SCORE_PROMPT_LOGPROBS : method === "echo" ? SCORE_ECHO : COMPLETIONS;
    const body = scoreBody(this.requestModel, prompt, continuation, method);
    const { value } = await this.caller.call(endpoint, body, completionResponseSchema, options);
    try {
      return readScore(value, prompt, continuation, method, endpoint.api, `the server at ${this.client.baseUrls[0]}`);
    } catch (error) {
      // Name the server only when it is needed (identifying it costs requests).
      if (!(error instanceof GapfillError) || error.code !== "bad-response") throw error;
      readScore(value, prompt, continuation, method, endpoint.api, await this.describeServer());
      throw error;
    }
  }

  async decodeEmbeddings(embeddings: Matrix, options: GenerateOptions & { prefix?: string; suffix?: string } = {}): Promise<Generation> {
    const body = promptEmbedsBody(this.requestModel, embeddings, options);
    const { value, cached } = await this.caller.call(PROMPT_EMBEDS, body, completionResponseSchema, options);
    return readCompletion(value, cached);
  }

  async loadLora(path: string, options: { name?: string; scale?: number } = {}): Promise<void> {
    const { name, body } = loraRequest(path, options);
    await Promise.all(
      this.client.baseUrls.map(async (baseUrl) => {
        try {
          await this.client.postTo(baseUrl, LOAD_LORA.path, body, { expect: "text", hints: LOAD_LORA.hints });
        } catch (error) {
          if (!(error instanceof EngineCallError && error.statusCode === 400 && isAlreadyLoaded(error.message))) throw error;
        }
      }),
    );
    this.requestModel = name;
  }

  async close(): Promise<void> {
    // The client's keep-alive connections (an injected fetch holds its own).
    await this.client.close();
  }
}
