import { GapfillError, InputError } from "../../../core/errors.js";
import type { ContextParams, Libllama, Pointer } from "./libllama.js";
import { defaultThreads } from "../llama-runtime.js";
import { GGML_TYPE_F32, LLAMA_FLASH_ATTN_DISABLED, LLAMA_POOLING_TYPE_NONE, loadLibllama } from "./libllama.js";

export interface FfiModelOptions {
  /** Upper bound on a context's size in tokens. Default: the model's trained context, capped at 4096. */
  contextSize?: number;
  /** CPU threads per decode. Default: all cores but one, at most 4. */
  threads?: number;
}

export interface FfiContextOptions {
  /** Tokens the context must hold. */
  tokens: number;
  /** Extract per-token hidden states (pooling none) instead of logits. */
  embeddings?: boolean;
  /**
   * With `embeddings`: the llama.cpp pooling type (`llama_pooling_type`; -1 the model's own).
   * Default none, one state per output token.
   */
  pooling?: number;
  /**
   * Attention in float32 throughout: flash attention off and an F32 KV cache. llama.cpp's CPU
   * flash attention rounds K, V and its running sums to float16; on stories260K that put
   * mean-pooled vectors 1.3e-4 from a float64 forward pass, against 2e-7 this way, and a
   * 146-token text decoded ~3× faster (head size 8 leaves the f16 kernel per-key overhead).
   * The price is the attention matrix in the compute buffer: tokens² × heads floats.
   */
  exact?: boolean;
  /**
   * Most tokens the context may hold, in place of {@link FfiModel.contextLimit}. The caller's
   * `?context=` above the trained context (issue 11) passes through here.
   */
  limit?: number;
  /** CPU threads of this context, in place of the model's. */
  threads?: number;
}

/**
 * A model loaded directly through libllama (separately from node-llama-cpp's copy: the file
 * is memory-mapped, so the weights' pages are shared). Owns its LoRA adapters; every context
 * made from it gets them. Call `free()` when done.
 */
export class FfiModel {
  private freed = false;
  private readonly adapters: Array<{ path: string; pointer: Pointer; scale: number }> = [];
  readonly vocab: Pointer;
  /** Width of the input embedding (`llama_batch.embd` rows). */
  readonly nEmbdInput: number;
  /** Width of the hidden states (`llama_get_embeddings_ith`). */
  readonly nEmbd: number;
  /** Width of a pooled embedding (`llama_model_n_embd_out`). */
  readonly nEmbdOut: number;
  /** Attention heads (`llama_model_n_head`): sizes the attention matrix of an exact context. */
  readonly nHead: number;
  readonly nVocab: number;
  readonly trainedContext: number;

  private constructor(
    readonly lib: Libllama,
    private readonly pointer: Pointer,
    readonly path: string,
    private readonly options: FfiModelOptions,
  ) {
    const { llama } = lib;
    this.vocab = llama.modelGetVocab(pointer);
    this.nEmbdInput = llama.modelNEmbdInp(pointer);
    this.nEmbd = llama.modelNEmbd(pointer);
    this.nEmbdOut = llama.modelNEmbdOut(pointer);
    this.nHead = llama.modelNHead(pointer);
    this.nVocab = llama.vocabNTokens(this.vocab);
    this.trainedContext = llama.modelNCtxTrain(pointer);
  }

  /** Load a GGUF through libllama (CPU only). The caller has checked the path exists and is GGUF. */
  static async load(path: string, options: FfiModelOptions = {}): Promise<FfiModel> {
    const lib = await loadLibllama();
    const params = { ...lib.llama.modelDefaultParams(), n_gpu_layers: 0 };
    const pointer = lib.llama.modelLoadFromFile(path, params);
    if (!pointer) throw new InputError("model-load", `libllama could not load ${path} (see llama.cpp's log above for the reason)`, { file: path });
    return new FfiModel(lib, pointer, path, options);
  }

  private get live(): Pointer {
    if (this.freed) throw new GapfillError("engine-closed", `the FFI model for ${this.path} was freed`);
    return this.pointer;
  }

  /** Token ids of `text`; `addSpecial` adds BOS where the vocab asks for it. */
  tokenize(text: string, addSpecial: boolean): Int32Array {
    const bytes = Buffer.from(text, "utf8");
    let capacity = bytes.length + 8;
    for (;;) {
      const tokens = new Int32Array(capacity);
      const n = this.lib.llama.tokenize(this.vocab, bytes, bytes.length, tokens, capacity, addSpecial, false);
      if (n >= 0) return tokens.slice(0, n);
      if (n === -2147483648) throw new InputError("tokenize", `text of ${bytes.length} bytes is too long to tokenize`);
      capacity = -n;
    }
  }

  /** Raw bytes of one token's text (a byte-level token may be part of a UTF-8 sequence). */
  tokenBytes(token: number): Uint8Array {
    let buffer = new Uint8Array(64);
    let n = this.lib.llama.tokenToPiece(this.vocab, token, buffer, buffer.length, 0, false);
    if (n < 0) {
      buffer = new Uint8Array(-n);
      n = this.lib.llama.tokenToPiece(this.vocab, token, buffer, buffer.length, 0, false);
    }
    return buffer.slice(0, Math.max(n, 0));
  }

  /** Text of a token sequence, decoding UTF-8 across token boundaries. */
  detokenize(tokens: readonly number[]): string {
    return Buffer.concat(tokens.map((t) => this.tokenBytes(t))).toString("utf8");
  }

  isEndOfGeneration(token: number): boolean {
    return this.lib.llama.vocabIsEog(this.vocab, token);
  }

  /** Load a GGUF LoRA adapter; contexts created afterwards apply it at `scale`. */
  addLora(path: string, scale: number): void {
    const adapter = this.lib.llama.adapterLoraInit(this.live, path);
    if (!adapter) throw new InputError("lora-load", `libllama could not load the LoRA adapter ${path} for ${this.path}`, { file: path });
    this.adapters.push({ path, pointer: adapter, scale });
  }

  /** Most tokens one context may hold: the configured size, never past the trained context. */
  get contextLimit(): number {
    return Math.min(this.options.contextSize ?? Math.min(this.trainedContext, 4096), this.trainedContext);
  }

  /** Run `use` with a fresh context sized for `tokens`, freeing the context afterwards (also on error). */
  withContext<T>(options: FfiContextOptions, use: (context: Pointer) => T): T {
    const context = this.createContext(options);
    try {
      return use(context);
    } finally {
      this.lib.llama.free(context);
    }
  }

  /** A fresh context sized for `tokens`, LoRA adapters applied; the caller frees it (`lib.llama.free`). */
  createContext(options: FfiContextOptions): Pointer {
    const { llama } = this.lib;
    const limit = options.limit ?? this.contextLimit;
    if (options.tokens > limit) {
      throw new InputError("context-overflow", `${options.tokens} tokens do not fit the context of ${limit} tokens (${this.path})`);
    }
    // One ubatch per decode call keeps the arithmetic identical between the token and embedding paths.
    const size = Math.max(64, Math.ceil(options.tokens / 64) * 64);
    const threads = options.threads ?? this.options.threads ?? defaultThreads();
    const params: ContextParams = {
      ...llama.contextDefaultParams(),
      n_ctx: size,
      n_batch: size,
      n_ubatch: size,
      n_threads: threads,
      n_threads_batch: threads,
      embeddings: options.embeddings ?? false,
      pooling_type: options.embeddings ? (options.pooling ?? LLAMA_POOLING_TYPE_NONE) : -1,
      ...(options.exact ? { flash_attn_type: LLAMA_FLASH_ATTN_DISABLED, type_k: GGML_TYPE_F32, type_v: GGML_TYPE_F32 } : {}),
      // CPU only: these would try to move work to an accelerator.
      offload_kqv: false,
      op_offload: false,
    };
    const context = llama.initFromModel(this.live, params);
    if (!context) throw new GapfillError("context-create", `libllama could not create a context of ${size} tokens for ${this.path}`);
    try {
      if (this.adapters.length) {
        const status = llama.setAdaptersLora(context, this.adapters.map((a) => a.pointer), this.adapters.length, Float32Array.from(this.adapters.map((a) => a.scale)));
        if (status !== 0) throw new GapfillError("lora-apply", `libllama could not apply LoRA adapters (${this.adapters.map((a) => a.path).join(", ")}): status ${status}`);
      }
      return context;
    } catch (error) {
      llama.free(context);
      throw error;
    }
  }

  /** Free the model (its adapters go with it). Safe to call twice. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.lib.llama.modelFree(this.pointer);
  }
}
