/**
 * The embedded llama.cpp engine (`llama:PATH.gguf`): node-llama-cpp for chat, completion,
 * scoring and LoRA; a small koffi FFI layer into the same libllama for pooled and per-token
 * embeddings (float32 attention, one-thread contexts side by side: ffi/pooled-embed.ts) and
 * decoding from input embeddings; our own GGUF reader for the input-embedding rows. All eight
 * capabilities.
 */
import type { LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import type { Capability, ChatMessage, Engine, GenerateOptions, Generation, Matrix } from "../../core/engine.js";
import { EngineCallError, GapfillError, InputError } from "../../core/errors.js";
import type { ProgressListener } from "../../core/events.js";
import { progress, silent } from "../../core/events.js";
import { decodeFromEmbeddings } from "./ffi/decode-embeddings.js";
import { FfiModel } from "./ffi/ffi-model.js";
import { pooledEmbeddings } from "./ffi/pooled-embed.js";
import { tokenEmbeddings } from "./ffi/token-embed.js";
import type { GgufHeader } from "./gguf/gguf-reader.js";
import { readGgufHeader } from "./gguf/gguf-reader.js";
import { inputEmbeddingRows } from "./input-embed.js";
import { DEFAULT_MAX_TOKENS, PromptTooLong, chatOnce, completeOnce } from "./llama-generate.js";
import { defaultThreads, getLlamaRuntime } from "./llama-runtime.js";
import { scoreContinuation } from "./llama-score.js";
import { isRemoteModelUri, resolveRemoteModel } from "./resolve-model.js";

export interface LlamaEngineOptions {
  /**
   * Context size in tokens for every context this engine makes. Default: the model's trained
   * context, capped at 4096. Above the trained context is allowed (RoPE models often extend) with
   * a warning event: never silently capped.
   */
  contextSize?: number;
  /** CPU threads for every llama.cpp call. Default: all cores but one, at most 4. */
  threads?: number;
  /** Default seed for sampled generation (greedy needs none). */
  seed?: number;
  onEvent?: ProgressListener;
  /**
   * Pooling of `embed`: "model" (default) is what node-llama-cpp's embedding context returns,
   * the last token's hidden state unless the GGUF sets `<arch>.pooling_type`; "mean" averages
   * the text tokens' hidden states (the rows of `tokenEmbed`). Both through the FFI, attention
   * in float32 (ffi/pooled-embed.ts says why).
   */
  pooling?: "model" | "mean";
  /** Folder for `hf:` downloads. Default: node-llama-cpp's models folder. */
  modelsDirectory?: string;
  /** Abort an `hf:` download after this long. Default 10 minutes. */
  downloadTimeoutMs?: number;
}

const ALL_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  "embed", "token-embed", "input-embed", "chat", "complete", "score", "decode-embeddings", "lora",
]);

function requireText(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new InputError("empty-input", `${what} must be a non-empty string`);
}

/** Serializes calls: one llama context sequence cannot run two evaluations at once. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Load a GGUF model (local path, or `hf:` URI resolved through node-llama-cpp's downloader)
 * and return an Engine. A missing file is an InputError naming the path; a file that is not
 * GGUF is an InputError saying so; a failed download is a GapfillError naming the URI.
 */
export async function createLlamaEngine(modelPath: string, options: LlamaEngineOptions = {}): Promise<Engine> {
  const source = modelPath.replace(/^llama:/, "");
  requireText(source, "model path");
  const path = isRemoteModelUri(source)
    ? await resolveRemoteModel(source, { directory: options.modelsDirectory, timeoutMs: options.downloadTimeoutMs })
    : source;
  const header = await readGgufHeader(path);
  if (header.metadata.get("general.type") === "adapter") {
    throw new InputError("model-is-adapter", `${path} is a LoRA adapter, not a model: load it with loadLora on its base model`, { file: path });
  }
  const llama = await getLlamaRuntime();
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  return new LlamaEngine(source, path, header, model, options);
}

/**
 * What `embed` returns: the rows, and how many texts were longer than the context and were
 * truncated to fit (as sentence-transformers does with `max_seq_length`).
 */
export interface EmbeddedMatrix extends Matrix {
  truncated: number;
}

class LlamaEngine implements Engine {
  readonly kind = "llama";
  readonly capabilities = ALL_CAPABILITIES;
  readonly spec: string;
  readonly model: string;
  private readonly emit: ProgressListener;
  private readonly serial = serialQueue();
  private readonly adapters: Array<{ filePath: string; scale: number }> = [];
  private generation?: Promise<{ context: LlamaContext; sequence: LlamaContextSequence }>;
  private ffi?: Promise<FfiModel>;
  private closed = false;

  constructor(
    source: string,
    private readonly path: string,
    private readonly header: GgufHeader,
    private readonly llamaModel: LlamaModel,
    private readonly options: LlamaEngineOptions,
  ) {
    this.spec = `llama:${source}`;
    this.model = source;
    this.emit = options.onEvent ?? silent;
    const trained = llamaModel.trainContextSize;
    if (options.contextSize !== undefined && options.contextSize > trained) {
      this.emit({
        type: "warning",
        stage: "requests",
        message: `${this.spec}: context ${options.contextSize} is above the ${trained} tokens the model was trained on; quality past ${trained} tokens may drop`,
      });
    }
  }

  private get threads(): number {
    return this.options.threads ?? defaultThreads();
  }

  private get contextSize(): number {
    return this.options.contextSize ?? Math.min(4096, this.llamaModel.trainContextSize);
  }

  private check(): void {
    if (this.closed) throw new GapfillError("engine-closed", `${this.spec} is closed`);
  }

  private sequence(): Promise<LlamaContextSequence> {
    this.generation ??= this.llamaModel
      .createContext({
        contextSize: this.contextSize,
        threads: this.threads,
        sequences: 1,
        lora: this.adapters.length ? { adapters: this.adapters } : undefined,
      })
      .then((context) => ({ context, sequence: context.getSequence() }));
    return this.generation.then((g) => g.sequence);
  }

  private ffiModel(): Promise<FfiModel> {
    this.ffi ??= FfiModel.load(this.path, { contextSize: this.options.contextSize, threads: this.threads }).then((model) => {
      for (const adapter of this.adapters) model.addLora(adapter.filePath, adapter.scale);
      return model;
    });
    return this.ffi;
  }

  async embed(texts: string[], _options?: { stage?: string }): Promise<EmbeddedMatrix> {
    return this.pooled(texts, this.options.pooling ?? "model", "embed");
  }

  /**
   * The mean of each text's own tokens' states, on the lanes `embed` uses: the map's `mean` mode
   * took one `tokenEmbed` call per text on one thread before.
   */
  async meanEmbed(texts: string[], _options?: { stage?: string }): Promise<EmbeddedMatrix> {
    return this.pooled(texts, "mean", "meanEmbed");
  }

  private async pooled(texts: string[], pooling: "model" | "mean", call: string): Promise<EmbeddedMatrix> {
    this.check();
    if (!Array.isArray(texts) || texts.length === 0) throw new InputError("empty-input", `${call} needs at least one text`);
    texts.forEach((t, i) => requireText(t, `text ${i}`));
    return this.serial(async () => {
      const started = Date.now();
      this.emit(progress.start("embed", texts.length, "texts"));
      const { rows, truncated } = await pooledEmbeddings(await this.ffiModel(), texts, {
        pooling,
        contextSize: this.contextSize,
        lanes: this.threads,
        onProgress: (done) => this.emit(progress.tick("embed", done, texts.length)),
      });
      this.emit(progress.end("embed", rows.length, (Date.now() - started) / 1000));
      const cols = rows[0].length;
      const data = new Float32Array(rows.length * cols);
      rows.forEach((row, i) => data.set(row, i * cols));
      return { data, rows: rows.length, cols, truncated };
    });
  }

  /**
   * Runs a generation; a prompt that cannot fit the context is a refusal of this one request
   * (as a server's 413 is), so the attempt is recorded as rejected and the run goes on.
   */
  private async fitting<T>(call: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : "";
      const counted = error instanceof PromptTooLong ? ` (${error.promptTokens} tokens)` : "";
      if (!counted && !/context size is too small|longer than the usable context|fit (?:the )?context window|fits the context size/i.test(message)) throw error;
      throw new EngineCallError(`prompt-too-long: the ${call} prompt${counted} does not fit ${this.spec}'s context of ${this.contextSize} tokens (raise ?context=, or shorten the prompt)`, {
        endpoint: `${this.spec} ${call}`,
        statusCode: 413,
        retryable: false,
        cause: error,
      });
    }
  }

  async tokenEmbed(text: string): Promise<Matrix> {
    this.check();
    requireText(text, "text");
    return this.serial(async () => tokenEmbeddings(await this.ffiModel(), text));
  }

  async inputEmbed(text: string): Promise<Matrix> {
    this.check();
    requireText(text, "text");
    return inputEmbeddingRows(this.header, this.llamaModel.tokenize(text, false));
  }

  async chat(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    this.check();
    if (!Array.isArray(messages) || messages.length === 0) throw new InputError("empty-input", "chat needs at least one message");
    messages.forEach((m, i) => {
      if (!["system", "user", "assistant"].includes(m?.role)) throw new InputError("bad-message", `message ${i} has role ${String(m?.role)}; expected system, user or assistant`);
      if (typeof m.content !== "string") throw new InputError("bad-message", `message ${i} has no text content`);
    });
    return this.serial(async () => this.fitting("chat", async () => chatOnce(await getLlamaRuntime(), await this.sequence(), messages, options, this.options.seed)));
  }

  async complete(prompt: string, options: GenerateOptions = {}): Promise<Generation> {
    this.check();
    requireText(prompt, "prompt");
    return this.serial(async () => this.fitting("complete", async () => completeOnce(await getLlamaRuntime(), await this.sequence(), prompt, options, this.options.seed)));
  }

  async score(prompt: string, continuation: string): Promise<{ tokenLogprobs: number[]; meanLoss: number }> {
    this.check();
    requireText(continuation, "continuation");
    if (typeof prompt !== "string") throw new InputError("empty-input", "prompt must be a string");
    const bos = this.llamaModel.tokens.shouldPrependBosToken ? this.llamaModel.tokens.bos : null;
    const promptTokens = [...(bos === null ? [] : [bos]), ...this.llamaModel.tokenize(prompt, false)];
    if (promptTokens.length === 0) throw new InputError("empty-input", "prompt is empty and the model has no BOS token to condition on");
    // Tokenized in context where the prompt's tokens stay a prefix: SentencePiece vocabularies
    // give a text tokenized alone a dummy-prefix token (" girl" → "▁", "g", …) that the model never
    // sees mid-sentence, which inflated the loss. Servers split an echoed text the same way.
    const textTokens = this.llamaModel.tokenize(prompt, false);
    const fullTokens = this.llamaModel.tokenize(prompt + continuation, false);
    const prefixKept = fullTokens.length > textTokens.length && textTokens.every((token, i) => fullTokens[i] === token);
    const continuationTokens = prefixKept ? fullTokens.slice(textTokens.length) : this.llamaModel.tokenize(continuation, false);
    return this.serial(async () => scoreContinuation(await this.sequence(), promptTokens, continuationTokens));
  }

  /**
   * Greedy only (the §3.6 decode): `temperature` and `seed` do not apply; `maxTokens` (default
   * 256, cut where the context ends), `stop`, `prefix` (after BOS) and `suffix` do.
   */
  async decodeEmbeddings(embeddings: Matrix, options: GenerateOptions & { prefix?: string; suffix?: string } = {}): Promise<Generation> {
    this.check();
    if (!embeddings || embeddings.rows <= 0 || embeddings.data.length !== embeddings.rows * embeddings.cols) {
      throw new InputError("bad-embeddings", "decodeEmbeddings needs a non-empty matrix whose data length is rows × cols");
    }
    return this.serial(async () => {
      const ffi = await this.ffiModel();
      if (embeddings.cols !== ffi.nEmbdInput) {
        throw new InputError("bad-embeddings", `embedding rows have ${embeddings.cols} columns; ${this.path} takes ${ffi.nEmbdInput}`);
      }
      const result = decodeFromEmbeddings(ffi, embeddings, { prefix: options.prefix, suffix: options.suffix, maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS, stop: options.stop });
      return { text: result.text, usage: { promptTokens: result.promptTokens, completionTokens: result.tokens.length }, finishReason: result.finishReason };
    });
  }

  async loadLora(path: string, options: { name?: string; scale?: number } = {}): Promise<void> {
    this.check();
    requireText(path, "LoRA path");
    const header = await readGgufHeader(path);
    if (header.metadata.get("general.type") !== "adapter" || header.metadata.get("adapter.type") !== "lora") {
      throw new InputError("not-lora", `${path} is not a GGUF LoRA adapter (general.type must be "adapter" and adapter.type "lora")`, { file: path });
    }
    const arch = header.metadata.get("general.architecture");
    if (arch !== this.header.metadata.get("general.architecture")) {
      throw new InputError("lora-arch", `${path} is a LoRA for ${String(arch)}, but ${this.path} is ${String(this.header.metadata.get("general.architecture"))}`, { file: path });
    }
    const scale = options.scale ?? 1;
    await this.serial(async () => {
      this.adapters.push({ filePath: path, scale });
      // node-llama-cpp applies adapters when a context is created: rebuild the generation context.
      const previous = this.generation;
      this.generation = undefined;
      if (previous) await (await previous).context.dispose();
      try {
        await this.sequence();
      } catch (error) {
        this.adapters.pop();
        this.generation = undefined;
        throw new InputError("lora-load", `could not load the LoRA adapter ${path} on ${this.path}: ${error instanceof Error ? error.message : String(error)}`, { file: path, cause: error });
      }
      if (this.ffi) (await this.ffi).addLora(path, scale);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.serial(async () => {
      if (this.generation) await (await this.generation).context.dispose();
      if (this.ffi) (await this.ffi).free();
      await this.llamaModel.dispose();
    });
  }
}
