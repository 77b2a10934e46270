import { GapfillError } from "../../../core/errors.js";
import type { Matrix } from "../../../core/engine.js";
import type { FfiModel } from "./ffi-model.js";
import type { Pointer } from "./libllama.js";
import { memory } from "./libllama.js";

/** A run of prompt positions: token ids, or input-embedding rows (one per position). */
export type Segment = { tokens: Int32Array | readonly number[] } | { embeddings: Matrix };

export function segmentLength(segment: Segment): number {
  return "tokens" in segment ? segment.tokens.length : segment.embeddings.rows;
}

/**
 * Decode one segment at positions `start…` on sequence 0 with `llama_decode`, through a
 * `llama_batch` from `llama_batch_init` (token path, or `embd` path for embedding rows).
 * `outputs` says which positions produce logits/embeddings. The batch is freed even on error.
 */
export function decodeSegment(model: FfiModel, context: Pointer, segment: Segment, start: number, outputs: "all" | "last" | "none"): void {
  const { llama } = model.lib;
  const n = segmentLength(segment);
  if (n === 0) return;
  const isEmbedding = "embeddings" in segment;
  if (isEmbedding && segment.embeddings.cols !== model.nEmbdInput) {
    throw new GapfillError("embedding-width", `embedding rows have ${segment.embeddings.cols} columns; ${model.path} takes ${model.nEmbdInput}`);
  }
  const batch = llama.batchInit(n, isEmbedding ? model.nEmbdInput : 0, 1);
  try {
    if (isEmbedding) memory.floats(batch.embd, segment.embeddings.data.subarray(0, n * model.nEmbdInput));
    else memory.int32s(batch.token, Array.from(segment.tokens));
    memory.int32s(batch.pos, Array.from({ length: n }, (_, i) => start + i));
    memory.int32s(batch.n_seq_id, new Array<number>(n).fill(1));
    for (const seqIds of memory.pointers(batch.seq_id, n)) memory.int32s(seqIds, [0]);
    memory.int8s(batch.logits, Array.from({ length: n }, (_, i) => (outputs === "all" || (outputs === "last" && i === n - 1) ? 1 : 0)));
    batch.n_tokens = n;
    const status = llama.decode(context, batch);
    if (status !== 0) throw new GapfillError("llama-decode", `llama_decode failed with status ${status} (${n} ${isEmbedding ? "embedding rows" : "tokens"} at position ${start}, ${model.path})`);
  } finally {
    llama.batchFree(batch);
  }
}
