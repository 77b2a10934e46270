import { GapfillError } from "../../../core/errors.js";
import type { FfiModel } from "./ffi-model.js";
import type { LlamaBatch, Pointer } from "./libllama.js";
import { LLAMA_POOLING_TYPE_NONE, memory, readFloats } from "./libllama.js";

/**
 * How `embed` turns a text's hidden states into one vector:
 * - "model": as the GGUF says (`<arch>.pooling_type`, pooled inside llama.cpp); with none, the
 *   last token's state. This is what node-llama-cpp's embedding context returns.
 * - "mean": the average of the text's own tokens' states (BOS not counted), the mean of
 *   `tokenEmbed`'s rows.
 */
export type EmbedPooling = "model" | "mean";

export interface PooledEmbedOptions {
  pooling: EmbedPooling;
  /**
   * The engine's context in tokens: a text of this many tokens or more is cut to its first
   * `contextSize - 1` (BOS and EOS kept), as node-llama-cpp refuses an input that fills its
   * context. May exceed the trained context (issue 11).
   */
  contextSize: number;
  /**
   * With "model": the llama.cpp pooling type to use instead of the GGUF's (the benchmark asks
   * for 1, mean, to compare with `llama-server --pooling mean`).
   */
  poolingType?: number;
  /**
   * Contexts decoding side by side, one CPU thread each (the engine's `threads`). Default 1,
   * which uses the model's own thread count.
   */
  lanes?: number;
  /** Bytes the float32 attention matrix may take; default {@link EXACT_ATTENTION_BYTES}. */
  exactAttentionBytes?: number;
  /** Called after each text with how many are done. */
  onProgress?: (done: number) => void;
}

export interface PooledEmbeddings {
  /** One vector per text, in input order. */
  rows: Float32Array[];
  /** Texts cut to fit the context. */
  truncated: number;
}

/**
 * Most bytes the float32 attention matrix of one decode may take (tokens × cells × heads × 4):
 * texts short enough decode in float32 ({@link FfiContextOptions.exact}), longer ones with
 * flash attention, whose buffers grow linearly. 256 MiB is ~2,900 tokens at 8 heads, ~1,450
 * at 32. Which path a text takes depends only on its own length, never on its neighbours.
 */
export const EXACT_ATTENTION_BYTES = 256 * 2 ** 20;

/** llama.cpp's KV cache attends over cells in blocks of 256 (`llama_kv_cache::get_n_kv`). */
const KV_PAD = 256;

/** Whether a text of `tokens` tokens decodes in float32 on a model with `heads` heads. */
export function decodesExactly(tokens: number, heads: number, budget = EXACT_ATTENTION_BYTES): boolean {
  const cells = Math.max(KV_PAD, Math.ceil(tokens / KV_PAD) * KV_PAD);
  return tokens * cells * heads * 4 <= budget;
}

/**
 * One embedding per text through the FFI: one context per lane per call (sized for the call's
 * longest text; creating one costs ~2 ms), the KV cache cleared between texts, one
 * `llama_decode` per text, on koffi's worker threads. Attention in float32 where it fits
 * ({@link decodesExactly}): node-llama-cpp's embedding context and llama-server use flash
 * attention, whose float16 rounding is the larger error and whose kernel, at stories260K's
 * head size of 8, is ~3× slower.
 *
 * `lanes` contexts of one thread each decode different texts side by side: one context split
 * over two threads meets at a barrier after each of a decode's few hundred small operations,
 * and on a busy machine those barriers stall (measured under load: 0.6 texts/s on one
 * two-thread context, 8.1 on two one-thread lanes, 5.4 on one). A text's vector does not
 * depend on the lane or the thread count.
 *
 * One text per decode, not many: llama.cpp pools (and splits sequences of unequal length into
 * ubatches) per decode, and several texts in one decode share one attention matrix, quadratic
 * in their total length (ab62a86 measured no gain that way).
 */
export async function pooledEmbeddings(model: FfiModel, texts: readonly string[], options: PooledEmbedOptions): Promise<PooledEmbeddings> {
  const inputs = texts.map((text) => embeddingTokens(model, text, options.contextSize - 1));
  const rows = new Array<Float32Array>(texts.length);
  const pooling = options.pooling === "mean" ? LLAMA_POOLING_TYPE_NONE : (options.poolingType ?? -1);
  let done = 0;
  for (const exact of [true, false]) {
    const members = inputs.map((_, i) => i).filter((i) => decodesExactly(inputs[i].ids.length, model.nHead, options.exactAttentionBytes) === exact);
    if (members.length === 0) continue;
    const longest = Math.max(...members.map((i) => inputs[i].ids.length));
    const lanes = Math.max(1, Math.min(options.lanes ?? 1, members.length));
    let next = 0;
    let failed = false;
    const lane = async () => {
      const context = model.createContext({ tokens: longest, embeddings: true, pooling, exact, limit: options.contextSize, threads: lanes > 1 ? 1 : undefined });
      const batch = model.lib.llama.batchInit(longest, 0, 1);
      try {
        prepareSequenceIds(batch, longest);
        const read = options.pooling === "mean" ? "mean" : model.lib.llama.poolingType(context) !== LLAMA_POOLING_TYPE_NONE ? "pooled" : "last";
        const kv = model.lib.llama.getMemory(context);
        while (next < members.length && !failed) {
          const i = members[next++];
          model.lib.llama.memoryClear(kv, true);
          rows[i] = await embedOne(model, context, batch, inputs[i], read);
          options.onProgress?.(++done);
        }
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        model.lib.llama.batchFree(batch);
        model.lib.llama.free(context);
      }
    };
    // Every lane has stopped and freed its context before this returns, also on failure.
    const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
    const failure = settled.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  }
  return { rows, truncated: inputs.filter((input) => input.truncated).length };
}

/** A text's token ids as the embedding context sees them, and where its own tokens start. */
interface EmbeddingInput {
  ids: Int32Array;
  /** Leading special tokens (BOS) before the text's own. */
  skip: number;
  truncated: boolean;
}

/**
 * The tokens node-llama-cpp's embedding context would evaluate for `text` (BOS/EOS as the vocab
 * adds them), cut to their first `limit` when longer, as sentence-transformers cuts at
 * `max_seq_length`; BOS and EOS stay.
 */
export function embeddingTokens(model: FfiModel, text: string, limit: number): EmbeddingInput {
  const special = model.tokenize(text, true);
  const plain = model.tokenize(text, false);
  if (special.length === 0) throw new GapfillError("embed-empty", `the text ${JSON.stringify(text.slice(0, 40))} has no tokens to embed (${model.path})`);
  let skip = 0;
  while (skip < special.length - plain.length && special[skip] !== plain[0]) skip++;
  if (special.length <= limit) return { ids: special, skip, truncated: false };
  const eos = special.length - plain.length - skip > 0 ? 1 : 0;
  const ids = new Int32Array(limit);
  ids.set(special.subarray(0, skip));
  ids.set(plain.subarray(0, limit - skip - eos), skip);
  if (eos) ids[limit - 1] = special[special.length - 1];
  return { ids, skip, truncated: true };
}

/** Every position of the reusable batch is on sequence 0: written once, not per text. */
function prepareSequenceIds(batch: LlamaBatch, capacity: number): void {
  memory.int32s(batch.n_seq_id, new Int32Array(capacity).fill(1));
  for (const ids of memory.pointers(batch.seq_id, capacity)) memory.int32s(ids, [0]);
}

async function embedOne(model: FfiModel, context: Pointer, batch: LlamaBatch, input: EmbeddingInput, read: "pooled" | "last" | "mean"): Promise<Float32Array> {
  const { llama } = model.lib;
  const n = input.ids.length;
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) positions[i] = i;
  // Outputs: every position where llama.cpp pools (as llama-server asks), the last for the last
  // token's state, the text's own tokens for the mean (BOS's row is not part of it).
  const first = read === "last" ? n - 1 : read === "mean" ? Math.min(input.skip, n - 1) : 0;
  const outputs = new Array<number>(n).fill(0).fill(1, first);
  memory.int32s(batch.token, input.ids);
  memory.int32s(batch.pos, positions);
  memory.int8s(batch.logits, outputs);
  batch.n_tokens = n;
  const status = await llama.decodeAsync(context, batch);
  if (status !== 0) throw new GapfillError("llama-decode", `llama_decode failed with status ${status} (${n} tokens, ${model.path})`);
  const width = model.nEmbdOut;
  if (read === "pooled") return readRow(llama.getEmbeddingsSeq(context, 0), width, model);
  if (read === "last") return readRow(llama.getEmbeddingsIth(context, n - 1), width, model);
  // The outputs' rows are contiguous, in batch order.
  const count = n - first;
  const states = readRow(llama.getEmbeddingsIth(context, first), count * width, model);
  const sum = new Float64Array(width);
  for (let r = 0; r < count; r++) for (let c = 0; c < width; c++) sum[c] += states[r * width + c];
  return Float32Array.from(sum, (value) => value / count);
}

function readRow(pointer: Pointer, count: number, model: FfiModel): Float32Array {
  if (!pointer) throw new GapfillError("llama-embeddings", `libllama returned no embedding (${model.path})`);
  return readFloats(pointer, count);
}
