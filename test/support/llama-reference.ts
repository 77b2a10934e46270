/**
 * A float64 forward pass of a small llama-architecture GGUF with F32 tensors (stories260K, the
 * tiny test GGUFs): the known answer that the embedded engine's hidden states are measured
 * against. Written from the architecture (RMSNorm, rotary embeddings in llama.cpp's "normal"
 * pair order, grouped-query causal attention, SwiGLU), not from llama.cpp's code; slow
 * (plain loops) and only for tests and benchmarks.
 */
import { readFileSync } from "node:fs";
import type { GgufHeader } from "../../src/engines/llama/gguf/gguf-reader.js";
import { readGgufHeader } from "../../src/engines/llama/gguf/gguf-reader.js";

/** A loaded model: its shape and F32 weights widened to float64. */
export interface ReferenceLlama {
  embd: number;
  heads: number;
  kvHeads: number;
  layers: number;
  ffn: number;
  epsilon: number;
  ropeBase: number;
  weights: Map<string, Float64Array>;
}

export async function loadReferenceLlama(path: string): Promise<ReferenceLlama> {
  const header: GgufHeader = await readGgufHeader(path);
  const file = readFileSync(path);
  const weights = new Map<string, Float64Array>();
  for (const [name, info] of header.tensors) {
    if (info.type !== 0) throw new Error(`${path}: tensor ${name} is not F32 (type ${info.type}); the reference reads F32 only`);
    const count = info.dims.reduce((a, b) => a * b, 1);
    const floats = new Float32Array(file.buffer.slice(file.byteOffset + info.fileOffset, file.byteOffset + info.fileOffset + count * 4));
    weights.set(name, Float64Array.from(floats));
  }
  const arch = String(header.metadata.get("general.architecture"));
  const meta = (key: string, fallback?: number): number => {
    const value = header.metadata.get(`${arch}.${key}`);
    if (value === undefined && fallback === undefined) throw new Error(`${path}: no ${arch}.${key}`);
    return Number(value ?? fallback);
  };
  const heads = meta("attention.head_count");
  return {
    embd: meta("embedding_length"),
    heads,
    kvHeads: meta("attention.head_count_kv", heads),
    layers: meta("block_count"),
    ffn: meta("feed_forward_length"),
    epsilon: meta("attention.layer_norm_rms_epsilon"),
    ropeBase: meta("rope.freq_base", 10000),
    weights,
  };
}

/**
 * The final-norm hidden state of every position of `tokens` (what llama.cpp returns as
 * embeddings with pooling none), row-major `tokens.length × embd`.
 */
export function referenceHiddenStates(model: ReferenceLlama, tokens: ArrayLike<number>): Float64Array[] {
  const { embd, heads, kvHeads, ffn } = model;
  const headSize = embd / heads;
  const w = (name: string) => {
    const found = model.weights.get(name);
    if (!found) throw new Error(`reference model has no tensor ${name}`);
    return found;
  };
  const table = w("token_embd.weight");
  let states = Array.from(tokens, (token) => table.slice(token * embd, (token + 1) * embd));
  for (let layer = 0; layer < model.layers; layer++) {
    const blk = (name: string) => w(`blk.${layer}.${name}.weight`);
    const queries: Float64Array[] = [];
    const keys: Float64Array[] = [];
    const values: Float64Array[] = [];
    states.forEach((state, position) => {
      const normed = rmsNorm(state, blk("attn_norm"), model.epsilon);
      const query = matVec(blk("attn_q"), normed, embd);
      const key = matVec(blk("attn_k"), normed, kvHeads * headSize);
      rotate(query, heads, headSize, position, model.ropeBase);
      rotate(key, kvHeads, headSize, position, model.ropeBase);
      queries.push(query);
      keys.push(key);
      values.push(matVec(blk("attn_v"), normed, kvHeads * headSize));
    });
    states = states.map((state, position) => {
      const attended = new Float64Array(embd);
      for (let head = 0; head < heads; head++) {
        const kvHead = Math.floor(head / (heads / kvHeads));
        const scores = new Float64Array(position + 1);
        let max = -Infinity;
        for (let j = 0; j <= position; j++) {
          let dot = 0;
          for (let d = 0; d < headSize; d++) dot += queries[position][head * headSize + d] * keys[j][kvHead * headSize + d];
          scores[j] = dot / Math.sqrt(headSize);
          max = Math.max(max, scores[j]);
        }
        let total = 0;
        for (let j = 0; j <= position; j++) total += scores[j] = Math.exp(scores[j] - max);
        for (let j = 0; j <= position; j++) {
          for (let d = 0; d < headSize; d++) attended[head * headSize + d] += (scores[j] / total) * values[j][kvHead * headSize + d];
        }
      }
      const projected = matVec(blk("attn_output"), attended, embd);
      const mid = state.map((value, i) => value + projected[i]);
      const normed = rmsNorm(mid, blk("ffn_norm"), model.epsilon);
      const gate = matVec(blk("ffn_gate"), normed, ffn);
      const up = matVec(blk("ffn_up"), normed, ffn);
      const hidden = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const down = matVec(blk("ffn_down"), hidden, embd);
      return mid.map((value, i) => value + down[i]);
    });
  }
  return states.map((state) => rmsNorm(state, w("output_norm.weight"), model.epsilon));
}

/** The mean of `rows` from row `from` on. */
export function meanOfRows(rows: readonly Float64Array[], from = 0): Float64Array {
  const mean = new Float64Array(rows[0].length);
  for (let r = from; r < rows.length; r++) rows[r].forEach((value, c) => (mean[c] += value / (rows.length - from)));
  return mean;
}

/** `vector` scaled to unit Euclidean length (llama-server's default `embd_normalize` 2). */
export function unitLength(vector: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.sqrt(sum);
  return Float64Array.from(vector, (value) => value / norm);
}

function rmsNorm(x: Float64Array, weight: Float64Array, epsilon: number): Float64Array {
  let sum = 0;
  for (const value of x) sum += value * value;
  const scale = 1 / Math.sqrt(sum / x.length + epsilon);
  return x.map((value, i) => value * scale * weight[i]);
}

/** `weight` in ggml order: `rows` rows of `x.length` contiguous inputs. */
function matVec(weight: Float64Array, x: Float64Array, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += weight[r * x.length + i] * x[i];
    out[r] = sum;
  }
  return out;
}

/** Rotary embedding, llama.cpp's normal mode: adjacent pairs (2i, 2i+1) of each head. */
function rotate(x: Float64Array, heads: number, headSize: number, position: number, base: number): void {
  for (let head = 0; head < heads; head++) {
    for (let i = 0; i < headSize; i += 2) {
      const angle = position * Math.pow(base, -i / headSize);
      const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
      const a = x[head * headSize + i];
      const b = x[head * headSize + i + 1];
      x[head * headSize + i] = a * cos - b * sin;
      x[head * headSize + i + 1] = a * sin + b * cos;
    }
  }
}
