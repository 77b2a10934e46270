import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import type { Engine, Matrix } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { OptionError } from "../../core/errors.js";
import { type ProgressListener, progress } from "../../core/events.js";
import { lexicalEmbedding, LEXICAL_LABEL } from "../../geometry/lexical-embedding.js";
import { float32MatrixShape, openFloat32MatrixAppender, writeFloat32Matrix } from "../../store/float32-matrix.js";

/**
 * How a student turns a question into one vector:
 * - `pooled`: the engine's pooled embedding (llama: last-token hidden state unless the GGUF sets a pooling type; servers: their pooler);
 * - `mean`: mean of the per-token hidden states;
 * - `input-uniform` / `input-idf`: the input-layer token embeddings (token_embd rows) averaged with uniform or IDF weights,
 *   the paper's eq. 2–3 with its attention weights replaced by weights we can compute (llama.cpp and vLLM do not expose attention).
 */
export const EMBEDDING_MODES = ["pooled", "mean", "input-uniform", "input-idf"] as const;
export type EmbeddingMode = (typeof EMBEDDING_MODES)[number];

export interface EmbedderInfo {
  /** `precomputed`: vectors made outside gapfill and read from a file (`gapfill map --embeddings`). */
  kind: "lexical" | "student" | "precomputed";
  /** Said in every artifact: what the points are. */
  label: string;
  /**
   * False for the lexical fallback: the map is not the student's view. False for precomputed
   * vectors too: gapfill cannot tell whose they are, only what their maker named them.
   */
  studentView: boolean;
  spec?: string;
  mode?: EmbeddingMode;
  /** Texts longer than the student's context, embedded from their first tokens (absent when none). */
  truncated?: number;
  /** Precomputed: the model or pipeline that made the vectors, as the user named it (absent: unnamed). */
  name?: string;
  /** Precomputed: the file the vectors were read from. */
  file?: EmbeddingsFileInfo;
}

/** Where precomputed vectors came from: enough to tell the file again, and to tell a changed one. */
export interface EmbeddingsFileInfo {
  /** Absolute path when the map was made. */
  path: string;
  format: "npy" | "f32" | "gapfill-f32" | "parquet";
  /** The element type as stored: "<f4", "<f8", "<f2" (.npy), "float32" (.f32), "list<float>", "list<double>" (Parquet). */
  dtype: string;
  /** Parquet: the vector column. */
  column?: string;
  bytes: number;
  /** The file's modification time (ISO 8601) when the map read it. */
  modified: string;
  /**
   * The file's identity. `sha256`: of the whole file (Parquet, decoded whole anyway).
   * `sha256-sampled`: of its size, its header and 64 pieces of 64 KiB spread evenly over its
   * vectors (all of them up to 4 MiB), so a map of a 6 GB .npy reads no extra pass for it.
   */
  digest: { algorithm: "sha256" | "sha256-sampled"; value: string };
}

export function describeEmbedder(engine: Engine | undefined, mode: EmbeddingMode): EmbedderInfo {
  if (!engine) return { kind: "lexical", label: LEXICAL_LABEL, studentView: false };
  const how = {
    pooled: "pooled hidden state",
    mean: "mean of per-token hidden states",
    "input-uniform": "input-layer token embeddings, uniform weights",
    "input-idf": "input-layer token embeddings, IDF weights",
  }[mode];
  return { kind: "student", label: `student ${engine.spec}: ${how}`, studentView: true, spec: engine.spec, mode };
}

const CAPABILITY_OF_MODE = { pooled: "embed", mean: "token-embed", "input-uniform": "input-embed", "input-idf": "input-embed" } as const;

/** What embedding a dataset did besides writing the rows. */
export interface EmbedOutcome {
  /**
   * Texts longer than the student's context, embedded from their first tokens (as
   * sentence-transformers does with `max_seq_length`), counted in this invocation.
   */
  truncated: number;
}

/**
 * Embeds every question into `path` (a float32 matrix file in the run), resuming after the rows
 * already there: a crash costs at most the batches in flight (the engine's concurrency). Texts longer than the student's context are
 * truncated by the engine, counted, and announced in a warning event.
 */
export async function embedExamples(
  examples: readonly Example[],
  path: string,
  options: { engine?: Engine; mode: EmbeddingMode; batchSize?: number; onEvent: ProgressListener; seed?: number },
): Promise<EmbedOutcome> {
  const { engine, mode, onEvent } = options;
  const texts = examples.map((example) => example.question);
  if (!engine) {
    // The lexical embedder is a few seconds for tens of thousands of texts and deterministic: no partial resume needed.
    if (existsSync(path)) return { truncated: 0 };
    onEvent(progress.start("embed", texts.length, "texts"));
    const started = performance.now();
    const lexical = lexicalEmbedding(texts, { seed: options.seed ?? 0 });
    await writeFloat32Matrix(path, { data: lexical.vectors, rows: lexical.rows, cols: lexical.dims });
    onEvent(progress.end("embed", texts.length, (performance.now() - started) / 1000));
    return { truncated: 0 };
  }
  const capability = CAPABILITY_OF_MODE[mode];
  if (!engine.capabilities.has(capability)) {
    throw new OptionError("embedding", `${mode} needs the "${capability}" capability, which ${engine.spec} does not have`, { code: "capability-missing" });
  }
  const idf = mode === "input-idf" ? await tokenIdf(engine, texts, onEvent) : undefined;
  const batchSize = options.batchSize ?? 32;
  const started = performance.now();
  onEvent(progress.start("embed", texts.length, "texts"));
  // The column count is known from the file when resuming, else from the first batch.
  let truncated = 0;
  let appender = existsSync(path) ? await openFloat32MatrixAppender(path, (await float32MatrixShape(path)).cols) : undefined;
  // Batches in flight: as many as the engine takes at once (an endpoint's concurrency), so a server
  // is kept busy; they are appended in order, so the file is always a prefix and resume still holds.
  const inFlight = Math.max(1, engine.concurrency ?? 1);
  const pending: Promise<Matrix>[] = [];
  let next = appender?.rows ?? 0;
  const launch = () => {
    while (pending.length < inFlight && next < texts.length) {
      const request = embedBatch(engine, mode, texts.slice(next, next + batchSize), idf);
      request.catch(() => undefined); // awaited in order below; a later one's failure must not go unhandled meanwhile
      pending.push(request);
      next += batchSize;
    }
  };
  try {
    launch();
    while (pending.length > 0) {
      const batch = await (pending.shift() as Promise<Matrix>);
      truncated += (batch as Matrix & { truncated?: number }).truncated ?? 0;
      appender ??= await openFloat32MatrixAppender(path, batch.cols);
      launch();
      await appender.append(batch.data);
      onEvent(progress.tick("embed", appender.rows, texts.length));
    }
    onEvent(progress.end("embed", texts.length, (performance.now() - started) / 1000));
    await appender?.seal();
    if (truncated > 0) {
      onEvent({
        type: "warning",
        stage: "embed",
        message: `${truncated} of ${texts.length} texts were longer than ${engine.spec}'s context and were embedded from their first tokens (raise ?context= to see more of them)`,
      });
    }
    return { truncated };
  } catch (error) {
    await appender?.close();
    throw error;
  }
}

/**
 * Embeds texts in memory the way a student map embeds its dataset (`input-idf` falls back to
 * uniform weights: the IDF table belongs to the mapped set). For placing a few new texts.
 */
export async function embedTexts(engine: Engine, mode: EmbeddingMode, texts: readonly string[], stage: string, batchSize = 32): Promise<Matrix> {
  const parts: Matrix[] = [];
  for (let start = 0; start < texts.length; start += batchSize) parts.push(await embedBatch(engine, mode, texts.slice(start, start + batchSize), undefined, stage));
  const cols = parts[0]?.cols ?? 0;
  const data = new Float32Array(texts.length * cols);
  let row = 0;
  for (const part of parts) {
    data.set(part.data, row * cols);
    row += part.rows;
  }
  return { data, rows: texts.length, cols };
}

async function embedBatch(engine: Engine, mode: EmbeddingMode, texts: string[], idf: Map<string, number> | undefined, stage = "embed"): Promise<Matrix> {
  if (mode === "pooled") return engine.embed(texts, { stage });
  if (mode === "mean" && engine.meanEmbed) return engine.meanEmbed(texts, { stage });
  const rows: Float32Array[] = [];
  for (const text of texts) {
    const tokens = mode === "mean" ? await engine.tokenEmbed(text, { stage }) : await engine.inputEmbed(text);
    const weights = idf ? tokenRowKeys(tokens).map((key) => idf.get(key) ?? 1) : undefined;
    rows.push(weightedMean(tokens, weights));
  }
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => data.set(row, i * cols));
  return { data, rows: rows.length, cols };
}

/** Weighted mean of a matrix's rows (uniform when no weights). */
export function weightedMean(matrix: Matrix, weights?: readonly number[]): Float32Array {
  const out = new Float64Array(matrix.cols);
  let total = 0;
  for (let r = 0; r < matrix.rows; r++) {
    const w = weights ? weights[r] : 1;
    total += w;
    for (let c = 0; c < matrix.cols; c++) out[c] += w * matrix.data[r * matrix.cols + c];
  }
  return Float32Array.from(out, (v) => (total > 0 ? v / total : 0));
}

/**
 * A token's input-embedding row is the same wherever the token appears, so hashing rows gives
 * token identities without access to the tokenizer; document frequencies over the questions then
 * give IDF weights, ln((1 + n) / (1 + df)) + 1 as in common TF-IDF practice.
 */
async function tokenIdf(engine: Engine, texts: readonly string[], onEvent: ProgressListener): Promise<Map<string, number>> {
  const df = new Map<string, number>();
  onEvent(progress.start("embed", texts.length, "texts (IDF pass)"));
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    for (const key of new Set(tokenRowKeys(await engine.inputEmbed(texts[i])))) df.set(key, (df.get(key) ?? 0) + 1);
    if (i % 256 === 0) onEvent(progress.tick("embed", i + 1, texts.length, "IDF pass"));
  }
  onEvent(progress.end("embed", texts.length, (performance.now() - started) / 1000));
  const n = texts.length;
  return new Map([...df].map(([key, count]) => [key, Math.log((1 + n) / (1 + count)) + 1]));
}

function tokenRowKeys(matrix: Matrix): string[] {
  const keys: string[] = [];
  const bytes = new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength);
  const rowBytes = matrix.cols * 4;
  for (let r = 0; r < matrix.rows; r++) {
    keys.push(createHash("sha1").update(bytes.subarray(r * rowBytes, (r + 1) * rowBytes)).digest("base64"));
  }
  return keys;
}
