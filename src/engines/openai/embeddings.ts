import type { Matrix } from "../../core/engine.js";
import { EngineCallError } from "../../core/errors.js";
import type { EmbeddingsResponse, PoolingResponse } from "./response-schemas.js";

/** Split `items` into consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The `/v1/embeddings` body (floats, not base64, so every server answers alike). */
export function embeddingsBody(model: string, texts: string[]): Record<string, unknown> {
  return { model, input: texts, encoding_format: "float" };
}

/**
 * Rows of a `/v1/embeddings` answer in input order. Servers may answer out of order (the
 * `index` field says where each belongs); a missing or extra row is an error, never a shift.
 */
export function readEmbeddings(response: EmbeddingsResponse, count: number, endpoint: string): number[][] {
  const rows: (number[] | undefined)[] = new Array(count);
  for (const item of response.data) {
    if (item.index >= count || rows[item.index]) {
      throw new EngineCallError(`${endpoint}: embedding index ${item.index} is out of range or repeated for ${count} inputs`, { endpoint, retryable: false });
    }
    rows[item.index] = item.embedding;
  }
  const absent = rows.findIndex((row) => row === undefined);
  if (absent >= 0 || rows.length !== count) {
    throw new EngineCallError(`${endpoint}: ${response.data.length} embeddings for ${count} inputs`, { endpoint, retryable: false });
  }
  return rows as number[][];
}

/** Pack rows into a row-major Matrix; all rows must have one width. */
export function toMatrix(rows: number[][], endpoint: string): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) {
      throw new EngineCallError(`${endpoint}: rows of different widths (${cols} and ${row.length})`, { endpoint, retryable: false });
    }
    data.set(row, r * cols);
  });
  return { data, rows: rows.length, cols };
}

/** The vLLM `/pooling` body asking for per-token hidden states. */
export function tokenEmbedBody(model: string, text: string): Record<string, unknown> {
  return { model, input: text, task: "token_embed" };
}

export function readTokenEmbeddings(response: PoolingResponse, endpoint: string): Matrix {
  return toMatrix(response.data[0].data, endpoint);
}
