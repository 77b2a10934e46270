/**
 * Test helpers that write tiny random-weight llama models and LoRA adapters as real GGUF v3
 * files, so the real llama.cpp engine code runs in tests without downloading weights.
 * Writing one takes milliseconds; the same seed gives the same bytes.
 */
import { readGgufHeader } from "../../src/engines/llama/gguf/gguf-reader.js";
import type { GgufEntry, GgufTensorInput } from "./gguf-writer.js";
import { writeGguf } from "./gguf-writer.js";
import { GgmlType } from "../../src/engines/llama/gguf/gguf-types.js";
import { quantizeQ4_0, quantizeQ8_0 } from "../../src/engines/llama/gguf/quantize.js";

/** Shape of a tiny llama model. */
export interface TinyLlamaShape {
  /** Hidden size (multiple of 32 for the quantized variants). Default 64. */
  embd: number;
  /** Transformer blocks. Default 2. */
  layers: number;
  /** Attention heads. Default 4. */
  heads: number;
  /** Key/value heads (grouped-query attention when below `heads`). Default = heads. */
  headsKv: number;
  /** Feed-forward size. Default 128. */
  ff: number;
  /** Trained context length written to the metadata. Default 256. */
  context: number;
}

export interface TinyLlamaOptions extends Partial<TinyLlamaShape> {
  /** Weight seed. Default 1. */
  seed?: number;
  /** Storage of the weight matrices (token_embd, attention, feed-forward, output). Norms stay F32. Default "f32". */
  quant?: "f32" | "q8_0" | "q4_0";
  /** Omit `output.weight` so llama.cpp ties the output head to `token_embd`. Default false. */
  tiedOutput?: boolean;
  /** Written as `llama.pooling_type` (0 none, 1 mean, 2 cls, 3 last) when given. */
  poolingType?: number;
  /** Written as `tokenizer.chat_template` when given. */
  chatTemplate?: string;
}

/** Token ids of the byte-level vocab: specials first, then one token per byte. */
export const TINY_VOCAB = { unk: 0, bos: 1, eos: 2, firstByte: 3, size: 259 } as const;

/** Deterministic N(0,1) stream: mulberry32 + Box-Muller. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/**
 * GPT-2's byte → printable-character table: printable Latin-1 bytes map to themselves, the
 * rest to code points from 256 upward, in byte order.
 */
export function gpt2ByteToUnicode(): string[] {
  const direct = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(direct(b) ? b : next++));
  return table;
}

function shapeOf(options: Partial<TinyLlamaShape>): TinyLlamaShape {
  const heads = options.heads ?? 4;
  const shape: TinyLlamaShape = {
    embd: options.embd ?? 64,
    layers: options.layers ?? 2,
    heads,
    headsKv: options.headsKv ?? heads,
    ff: options.ff ?? 128,
    context: options.context ?? 256,
  };
  if (shape.embd % shape.heads !== 0) throw new RangeError(`embd ${shape.embd} must be divisible by heads ${shape.heads}`);
  if (shape.heads % shape.headsKv !== 0) throw new RangeError(`heads ${shape.heads} must be divisible by headsKv ${shape.headsKv}`);
  return shape;
}

function randomMatrix(normal: () => number, count: number, scale: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = normal() * scale;
  return values;
}

function f32Tensor(name: string, dims: number[], values: Float32Array): GgufTensorInput {
  return { name, dims, type: GgmlType.F32, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function weightTensor(name: string, dims: number[], values: Float32Array, quant: TinyLlamaOptions["quant"]): GgufTensorInput {
  if (quant === "q8_0") return { name, dims, type: GgmlType.Q8_0, data: quantizeQ8_0(values) };
  if (quant === "q4_0") return { name, dims, type: GgmlType.Q4_0, data: quantizeQ4_0(values) };
  return f32Tensor(name, dims, values);
}

function vocabEntries(): GgufEntry[] {
  const tokens = ["<unk>", "<s>", "</s>", ...gpt2ByteToUnicode()];
  // 2 = unknown, 3 = control, 1 = normal (llama_token_type).
  const types = [2, 3, 3, ...new Array<number>(256).fill(1)];
  return [
    { key: "tokenizer.ggml.model", type: "string", value: "gpt2" },
    { key: "tokenizer.ggml.pre", type: "string", value: "default" },
    { key: "tokenizer.ggml.tokens", type: "string[]", value: tokens },
    { key: "tokenizer.ggml.token_type", type: "i32[]", value: types },
    { key: "tokenizer.ggml.merges", type: "string[]", value: [] },
    { key: "tokenizer.ggml.unknown_token_id", type: "u32", value: TINY_VOCAB.unk },
    { key: "tokenizer.ggml.bos_token_id", type: "u32", value: TINY_VOCAB.bos },
    { key: "tokenizer.ggml.eos_token_id", type: "u32", value: TINY_VOCAB.eos },
    { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
    { key: "tokenizer.ggml.add_eos_token", type: "bool", value: false },
  ];
}

/**
 * Write a tiny random-weight llama GGUF (byte-level gpt2 vocab of 259 tokens: `<unk>`, `<s>`,
 * `</s>`, then bytes 0..255). Defaults: embd 64, 2 layers, 4 heads, ff 128, context 256, F32.
 */
export async function writeTinyLlamaGguf(path: string, options: TinyLlamaOptions = {}): Promise<void> {
  const shape = shapeOf(options);
  const quant = options.quant ?? "f32";
  const normal = seededNormal(options.seed ?? 1);
  const { embd, ff, layers } = shape;
  const headDim = embd / shape.heads;
  const kvDim = headDim * shape.headsKv;
  const vocab = TINY_VOCAB.size;
  const entries: GgufEntry[] = [
    { key: "general.architecture", type: "string", value: "llama" },
    { key: "general.name", type: "string", value: `gapfill-tiny-${quant}-s${options.seed ?? 1}` },
    { key: "general.alignment", type: "u32", value: 32 },
    { key: "llama.context_length", type: "u32", value: shape.context },
    { key: "llama.embedding_length", type: "u32", value: embd },
    { key: "llama.block_count", type: "u32", value: layers },
    { key: "llama.feed_forward_length", type: "u32", value: ff },
    { key: "llama.attention.head_count", type: "u32", value: shape.heads },
    { key: "llama.attention.head_count_kv", type: "u32", value: shape.headsKv },
    { key: "llama.attention.layer_norm_rms_epsilon", type: "f32", value: 1e-5 },
    { key: "llama.rope.dimension_count", type: "u32", value: headDim },
    { key: "llama.rope.freq_base", type: "f32", value: 10000 },
    { key: "llama.vocab_size", type: "u32", value: vocab },
    ...vocabEntries(),
  ];
  if (options.poolingType !== undefined) entries.push({ key: "llama.pooling_type", type: "u32", value: options.poolingType });
  if (options.chatTemplate !== undefined) entries.push({ key: "tokenizer.chat_template", type: "string", value: options.chatTemplate });

  const inScale = 1 / Math.sqrt(embd);
  const tensors: GgufTensorInput[] = [
    // Unit-scale embeddings keep the random model's next-token distribution far from uniform.
    weightTensor("token_embd.weight", [embd, vocab], randomMatrix(normal, embd * vocab, 1), quant),
    f32Tensor("output_norm.weight", [embd], new Float32Array(embd).fill(1)),
  ];
  if (!options.tiedOutput) tensors.push(weightTensor("output.weight", [embd, vocab], randomMatrix(normal, embd * vocab, inScale * 4), quant));
  for (let l = 0; l < layers; l++) {
    const block = (name: string): string => `blk.${l}.${name}.weight`;
    tensors.push(
      f32Tensor(block("attn_norm"), [embd], new Float32Array(embd).fill(1)),
      weightTensor(block("attn_q"), [embd, embd], randomMatrix(normal, embd * embd, inScale), quant),
      weightTensor(block("attn_k"), [embd, kvDim], randomMatrix(normal, embd * kvDim, inScale), quant),
      weightTensor(block("attn_v"), [embd, kvDim], randomMatrix(normal, embd * kvDim, inScale), quant),
      weightTensor(block("attn_output"), [embd, embd], randomMatrix(normal, embd * embd, inScale), quant),
      f32Tensor(block("ffn_norm"), [embd], new Float32Array(embd).fill(1)),
      weightTensor(block("ffn_gate"), [embd, ff], randomMatrix(normal, embd * ff, inScale), quant),
      weightTensor(block("ffn_up"), [embd, ff], randomMatrix(normal, embd * ff, inScale), quant),
      weightTensor(block("ffn_down"), [ff, embd], randomMatrix(normal, ff * embd, 1 / Math.sqrt(ff)), quant),
    );
  }
  await writeGguf(path, entries, tensors);
}

/** Base-model matrices a tiny LoRA can adapt. */
export type LoraTarget = "attn_q" | "attn_k" | "attn_v" | "attn_output" | "ffn_gate" | "ffn_up" | "ffn_down";

export interface TinyLoraOptions {
  /** Default 7. */
  seed?: number;
  /** LoRA rank. Default 4. */
  rank?: number;
  /** `adapter.lora.alpha`; llama.cpp scales the update by alpha / rank. Default = rank * 2. */
  alpha?: number;
  /** Which matrices to adapt, in every layer. Default attn_q and attn_v. */
  targets?: readonly LoraTarget[];
  /** Standard deviation of the B matrix entries; 0 writes a no-op adapter. Default 0.5. */
  strength?: number;
}

async function shapeFromGguf(basePath: string): Promise<TinyLlamaShape> {
  const header = await readGgufHeader(basePath);
  const number = (key: string, fallback?: number): number => {
    const value = header.metadata.get(`llama.${key}`);
    if (typeof value === "number") return value;
    if (fallback !== undefined) return fallback;
    throw new RangeError(`${basePath} has no llama.${key}: not a llama GGUF`);
  };
  const heads = number("attention.head_count");
  return shapeOf({
    embd: number("embedding_length"),
    layers: number("block_count"),
    heads,
    headsKv: number("attention.head_count_kv", heads),
    ff: number("feed_forward_length"),
    context: number("context_length"),
  });
}

/**
 * Write a GGUF LoRA adapter for a llama model (its path, or its shape) in the layout
 * llama.cpp's `llama-adapter.cpp` loads: per adapted matrix W (ggml dims [in, out]),
 * `NAME.weight.lora_a` with dims [in, rank] and `NAME.weight.lora_b` with dims [rank, out].
 */
export async function writeTinyLoraGguf(path: string, base: string | Partial<TinyLlamaShape>, options: TinyLoraOptions = {}): Promise<void> {
  const shape = typeof base === "string" ? await shapeFromGguf(base) : shapeOf(base);
  const rank = options.rank ?? 4;
  const targets = options.targets ?? ["attn_q", "attn_v"];
  const strength = options.strength ?? 0.5;
  const normal = seededNormal(options.seed ?? 7);
  const kvDim = (shape.embd / shape.heads) * shape.headsKv;
  const dims: Record<LoraTarget, [number, number]> = {
    attn_q: [shape.embd, shape.embd],
    attn_k: [shape.embd, kvDim],
    attn_v: [shape.embd, kvDim],
    attn_output: [shape.embd, shape.embd],
    ffn_gate: [shape.embd, shape.ff],
    ffn_up: [shape.embd, shape.ff],
    ffn_down: [shape.ff, shape.embd],
  };
  const entries: GgufEntry[] = [
    { key: "general.architecture", type: "string", value: "llama" },
    { key: "general.type", type: "string", value: "adapter" },
    { key: "general.name", type: "string", value: `gapfill-tiny-lora-s${options.seed ?? 7}` },
    { key: "adapter.type", type: "string", value: "lora" },
    { key: "adapter.lora.alpha", type: "f32", value: options.alpha ?? rank * 2 },
  ];
  const tensors: GgufTensorInput[] = [];
  for (let l = 0; l < shape.layers; l++) {
    for (const target of targets) {
      const [input, output] = dims[target];
      const name = `blk.${l}.${target}.weight`;
      tensors.push(
        f32Tensor(`${name}.lora_a`, [input, rank], randomMatrix(normal, input * rank, 1 / Math.sqrt(input))),
        f32Tensor(`${name}.lora_b`, [rank, output], randomMatrix(normal, rank * output, strength)),
      );
    }
  }
  await writeGguf(path, entries, tensors);
}
