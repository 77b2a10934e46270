/**
 * How the two seeds' input-embedding sequences are blended before the student decodes them
 * (§3.5, eq. 4). The paper weights each token by the student's attention; llama.cpp and vLLM do
 * not expose it, so the token weights are one of:
 * - `unit`: every token 1, so the blend is the row-wise average of the two sequences (token rows
 *   keep their scale, which is what the student's first layer expects);
 * - `uniform`: 1/m per token, eq. 2's mean: the rows shrink by the sequence length;
 * - `idf`: the token's IDF over the seed questions, scaled to a mean of 1 per sequence (the scale
 *   of `unit`, with rare tokens louder).
 * and the shorter sequence is padded with zero rows (the paper) or with the student's pad-token row.
 * `unit` with zero padding measured best on stories260K (docs/generate.md, `npm run bench decode`).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import type { Engine, Matrix } from "../../core/engine.js";
import { paddedWeightedAverage, uniformWeights } from "../../geometry/interpolate.js";

/** Token weights of a blend. */
export const BLEND_WEIGHTS = ["unit", "uniform", "idf"] as const;
export type BlendWeights = (typeof BLEND_WEIGHTS)[number];

/** What pads the shorter sequence. */
export const BLEND_PADDING = ["zero", "pad-token"] as const;
export type BlendPadding = (typeof BLEND_PADDING)[number];

/** The measured best blend (see the module comment). */
export const DEFAULT_BLEND = { weights: "unit", padding: "zero" } as const satisfies { weights: BlendWeights; padding: BlendPadding };

/** Token IDF keyed by the token's embedding row (the same row wherever the token appears). */
export type TokenIdf = Map<string, number>;

/** A blend's settings with what they need: the IDF table for `idf`, the pad row for `pad-token`. */
export interface BlendSettings {
  weights: BlendWeights;
  padding: BlendPadding;
  idf?: TokenIdf;
  padRow?: Float32Array;
}

/** Eq. 4 for two token-embedding sequences with the chosen weights and padding. */
export function blendSequences(a: Matrix, b: Matrix, settings: BlendSettings): Matrix {
  const weightsOf = (sequence: Matrix) => {
    if (settings.weights === "uniform") return uniformWeights(sequence.rows);
    if (settings.weights === "unit") return new Float64Array(sequence.rows).fill(1);
    const raw = tokenKeys(sequence).map((key) => settings.idf?.get(key) ?? maxIdf(settings.idf));
    const mean = raw.reduce((sum, value) => sum + value, 0) / Math.max(1, raw.length);
    return Float64Array.from(raw, (value) => (mean > 0 ? value / mean : 1));
  };
  const padRow = settings.padding === "pad-token" ? settings.padRow : undefined;
  return paddedWeightedAverage(a, b, { weightsA: weightsOf(a), weightsB: weightsOf(b), padRow });
}

/**
 * IDF of every token over `texts`, ln((1 + n) / (1 + df)) + 1: tokens are told apart by their
 * input-embedding rows, so no tokenizer access is needed.
 */
export async function tokenIdf(student: Engine, texts: readonly string[]): Promise<TokenIdf> {
  const df = new Map<string, number>();
  for (const text of texts) {
    if (text.trim() === "") continue;
    for (const key of new Set(tokenKeys(await student.inputEmbed(text)))) df.set(key, (df.get(key) ?? 0) + 1);
  }
  const n = texts.length;
  return new Map([...df].map(([key, count]) => [key, Math.log((1 + n) / (1 + count)) + 1]));
}

/**
 * The student's pad-token input row (its EOS row when the GGUF names no pad token), or undefined
 * when the student is not a local GGUF. Read from the file: the engine contract has no pad token.
 */
export async function padTokenRow(student: Engine): Promise<Float32Array | undefined> {
  if (student.kind !== "llama" || !existsSync(student.model)) return undefined;
  // Loaded only here: the GGUF readers sit beside the llama engine, whose native modules the
  // rest of the CLI (and a user without node-llama-cpp) never loads.
  const [{ readGgufHeader }, { inputEmbeddingRows }] = await Promise.all([import("../../engines/llama/gguf/gguf-reader.js"), import("../../engines/llama/input-embed.js")]);
  const header = await readGgufHeader(student.model);
  const rows = header.tensors.get("token_embd.weight")?.dims[1] ?? 0;
  // Converters write "no pad token" as -1, which reads back as 2^32 - 1: not a row.
  const valid = (id: unknown): id is number => typeof id === "number" && Number.isInteger(id) && id >= 0 && id < Number(rows);
  const pad = header.metadata.get("tokenizer.ggml.padding_token_id");
  const eos = header.metadata.get("tokenizer.ggml.eos_token_id");
  const id = valid(pad) ? pad : valid(eos) ? eos : undefined;
  return id === undefined ? undefined : (await inputEmbeddingRows(header, [id])).data;
}

function maxIdf(idf: TokenIdf | undefined): number {
  let max = 1;
  for (const value of idf?.values() ?? []) max = Math.max(max, value);
  return max;
}

function tokenKeys(matrix: Matrix): string[] {
  const bytes = new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength);
  const rowBytes = matrix.cols * 4;
  return Array.from({ length: matrix.rows }, (_, r) => createHash("sha1").update(bytes.subarray(r * rowBytes, (r + 1) * rowBytes)).digest("base64"));
}
