/**
 * The one contract every model engine fulfils. Pipelines ask for a capability, never a vendor.
 * Engines declare what they can do in `capabilities`; calling a method an engine lacks throws
 * CapabilityError naming the capability and the engine kinds that have it.
 */
export type Capability =
  | "embed" // pooled embedding of a text
  | "token-embed" // per-token hidden states (pooling none)
  | "input-embed" // input-layer token embedding rows (token_embd) for a text
  | "chat"
  | "complete"
  | "score" // teacher-forced log-probs of a given continuation
  | "decode-embeddings" // greedy decode from a matrix of input embeddings (§3.6)
  | "lora"; // load a LoRA adapter

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface GenerateOptions {
  maxTokens?: number;
  /** 0 = greedy (the default everywhere in gapfill). */
  temperature?: number;
  seed?: number;
  stop?: string[];
  /** JSON schema the output must follow, where the engine can constrain decoding. */
  jsonSchema?: Record<string, unknown>;
  /** Return the log-prob of each generated token. */
  logprobs?: boolean;
  /** Pipeline stage the request is accounted to (usage, cache statistics). */
  stage?: string;
  signal?: AbortSignal;
}

export interface Generation {
  text: string;
  usage: Usage;
  /** Per generated token log-probabilities, when asked for and supported. */
  tokenLogprobs?: number[];
  finishReason?: "stop" | "length" | "other";
  /** True when the answer came from the run's request cache. */
  cached?: boolean;
}

/** Teacher-forced scoring of `continuation` after `prompt`. */
export interface ContinuationScore {
  /** ln p(token) for each continuation token. */
  tokenLogprobs: number[];
  /** Mean negative log-likelihood per token (the "loss"). */
  meanLoss: number;
}

/** A row-major matrix: `data.length === rows * cols`. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface Engine {
  /** The spec it was built from, with any secret removed: `llama:/m.gguf`, `openai:gpt-4o@https://…`. */
  readonly spec: string;
  /** Engine kind: "llama", "openai". */
  readonly kind: string;
  readonly model: string;
  readonly capabilities: ReadonlySet<Capability>;
  /**
   * Requests it serves at once (an HTTP engine: the configured limit summed over its URLs), so a
   * stage can keep that many in flight. Absent: one at a time (the embedded engine).
   */
  readonly concurrency?: number;

  embed(texts: string[], options?: { stage?: string }): Promise<Matrix>;
  tokenEmbed(text: string, options?: { stage?: string }): Promise<Matrix>;
  /**
   * One row per text: the mean of its own tokens' hidden states (the mean of `tokenEmbed`'s
   * rows), many texts per call. Only engines that pool this way themselves have it (the
   * embedded engine); the map's `mean` mode averages `tokenEmbed` per text where it is absent.
   */
  meanEmbed?(texts: string[], options?: { stage?: string }): Promise<Matrix>;
  inputEmbed(text: string): Promise<Matrix>;
  chat(messages: ChatMessage[], options?: GenerateOptions): Promise<Generation>;
  complete(prompt: string, options?: GenerateOptions): Promise<Generation>;
  score(prompt: string, continuation: string, options?: { stage?: string }): Promise<ContinuationScore>;
  /** Greedy-decode text after `prefix` tokens followed by the given input-embedding rows. */
  decodeEmbeddings(
    embeddings: Matrix,
    options?: GenerateOptions & { prefix?: string; suffix?: string },
  ): Promise<Generation>;
  loadLora(path: string, options?: { name?: string; scale?: number }): Promise<void>;
  close(): Promise<void>;
}

/** Which engine kinds have each capability: used in CapabilityError messages. */
export const ENGINES_WITH: Record<Capability, readonly string[]> = {
  embed: ["llama", "openai"],
  "token-embed": ["llama", "openai (vLLM /pooling token_embed)"],
  "input-embed": ["llama"],
  chat: ["llama", "openai"],
  complete: ["llama", "openai"],
  score: ["llama", "openai (completions logprobs / vLLM prompt_logprobs)"],
  "decode-embeddings": ["llama", "openai (vLLM --enable-prompt-embeds)"],
  lora: ["llama", "openai (vLLM /v1/load_lora_adapter)"],
};
