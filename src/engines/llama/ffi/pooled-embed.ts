import { GapfillError } from "../../../core/errors.js";
import type { FfiModel } from "./ffi-model.js";
import type { Pointer } from "./libllama.js";
import { LLAMA_POOLING_TYPE_NONE, memory, readFloats } from "./libllama.js";

export interface PooledEmbedOptions {
  /**
   * The most tokens one `llama_decode` carries, and the most KV cells the context holds (each
   * sequence of a pack gets a stream as long as the longest text, rounded up to 64).
   */
  batchTokens: number;
  /** Most sequences in one decode (`n_seq_max`). */
  maxSequences: number;
  /** Called after each decode with how many sequences are done. */
  onProgress?: (done: number) => void;
}

/** Most sequences per decode: llama.cpp's own cap is 256; more gains nothing on a CPU. */
export const MAX_SEQUENCES_PER_DECODE = 64;

/**
 * Padding stays within blocks of this many positions: a sequence padded past the block its own
 * length ends in came out of flash attention up to 1e-3 off (the tiny GGUF), one padded
 * within it to the bit.
 */
export const PAD_BLOCK = 64;

/**
 * Consecutive runs of sequences, each sequence padded to the longest of its run: a run's
 * padded tokens (count × its longest length) stay within `budget`, and a run holds at most
 * `maxSequences`. Order is kept; callers sort by length first so that padding stays small.
 */
export function packSequences(lengths: readonly number[], budget: number, maxSequences: number): Array<{ start: number; end: number }> {
  const packs: Array<{ start: number; end: number }> = [];
  let start = 0;
  let longest = 0;
  lengths.forEach((length, i) => {
    if (length > budget) throw new GapfillError("embed-too-long", `a sequence of ${length} tokens does not fit a decode of ${budget} tokens`);
    const wider = Math.max(longest, length);
    const otherBlock = i > start && Math.ceil(wider / PAD_BLOCK) !== Math.ceil(Math.min(longest, length) / PAD_BLOCK);
    if (i > start && (otherBlock || wider * (i - start + 1) > budget || i - start >= maxSequences)) {
      packs.push({ start, end: i });
      start = i;
      longest = length;
      return;
    }
    longest = wider;
  });
  if (lengths.length > start) packs.push({ start, end: lengths.length });
  return packs;
}

/**
 * One embedding per token sequence, pooled as node-llama-cpp's embedding context pools it (the
 * model's pooling; with none, the last token's hidden state), but many sequences per
 * `llama_decode`. Per-text decodes (what node-llama-cpp does) pay a decode's fixed cost (graph
 * build, thread wake-ups) once per text.
 *
 * Same vectors as one text per decode, to float rounding: with pooling none (causal models,
 * the last token's state), sequences are sorted by length and each pack pads its sequences to
 * its longest with their own last token. Padding after the last real token cannot change a
 * causal model's state there, and equal lengths keep every sequence in one ubatch (llama.cpp
 * splits unequal sequences into ubatches, and flash attention's f16 sums then round
 * differently). Each sequence has a KV stream of its own (positions 0…n-1, as alone); the
 * cache is cleared between packs. Other poolings (mean, cls, …) read every position, so
 * those models get one sequence per decode.
 */
export function pooledEmbeddings(model: FfiModel, sequences: readonly Int32Array[], options: PooledEmbedOptions): Float32Array[] {
  if (sequences.length === 0) return [];
  const lengths = sequences.map((s) => s.length);
  if (lengths.some((n) => n === 0)) throw new GapfillError("embed-empty", "cannot embed an empty token sequence");
  // Longest first, so a pack's first sequence is its padded length.
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const sorted = order.map((i) => lengths[i]);
  // Every stream holds the longest sequence (withContext rounds it up to 64 cells the same way);
  // the cells of all streams stay within the budget.
  const stream = Math.ceil(sorted[0] / 64) * 64;
  const batchTokens = Math.max(options.batchTokens, stream);
  const perPack = Math.max(1, Math.min(options.maxSequences, Math.floor(batchTokens / stream)));
  const { llama } = model.lib;
  const out = new Array<Float32Array>(sequences.length);
  model.withContext({ tokens: sorted[0], pooled: true, sequences: perPack, batch: batchTokens }, (context) => {
    const pooling = llama.poolingType(context);
    const packs = packSequences(sorted, batchTokens, pooling === LLAMA_POOLING_TYPE_NONE ? perPack : 1);
    const kv = llama.getMemory(context);
    const batch = llama.batchInit(batchTokens, 0, 1);
    try {
      for (const pack of packs) {
        if (kv) llama.memoryClear(kv, true);
        const members = order.slice(pack.start, pack.end);
        const padded = sorted[pack.start];
        decodePack(model, context, batch, members.map((i) => sequences[i]), padded);
        members.forEach((index, j) => {
          const pointer = pooling === LLAMA_POOLING_TYPE_NONE ? llama.getEmbeddingsIth(context, j * padded + lengths[index] - 1) : llama.getEmbeddingsSeq(context, j);
          if (!pointer) throw new GapfillError("llama-embeddings", `libllama returned no embedding for sequence ${index} (${model.path})`);
          out[index] = readFloats(pointer, model.nEmbdOut);
        });
        options.onProgress?.(pack.end);
      }
    } finally {
      llama.batchFree(batch);
    }
  });
  return out;
}

/**
 * Fill the reusable batch with the pack (sequence j: seq id j, positions 0…`padded`-1, its last
 * token repeated past its end, an output at its own last token) and decode it.
 */
function decodePack(model: FfiModel, context: Pointer, batch: ReturnType<FfiModel["lib"]["llama"]["batchInit"]>, pack: readonly Int32Array[], padded: number): void {
  const { llama } = model.lib;
  const n = pack.length * padded;
  const tokens = new Int32Array(n);
  const positions = new Int32Array(n);
  const seqOf = new Int32Array(n);
  const outputs = new Array<number>(n).fill(0);
  pack.forEach((sequence, j) => {
    const at = j * padded;
    tokens.set(sequence, at);
    tokens.fill(sequence[sequence.length - 1], at + sequence.length, at + padded);
    for (let i = 0; i < padded; i++) {
      positions[at + i] = i;
      seqOf[at + i] = j;
    }
    outputs[at + sequence.length - 1] = 1;
  });
  memory.int32s(batch.token, tokens);
  memory.int32s(batch.pos, positions);
  memory.int32s(batch.n_seq_id, new Array<number>(n).fill(1));
  memory.pointers(batch.seq_id, n).forEach((ids, i) => memory.int32s(ids, [seqOf[i]]));
  memory.int8s(batch.logits, outputs);
  batch.n_tokens = n;
  const status = llama.decode(context, batch);
  if (status !== 0) throw new GapfillError("llama-decode", `llama_decode failed with status ${status} (${pack.length} sequences, ${n} tokens, ${model.path})`);
}
