import type { RowSource } from "../../geometry/matrix.js";
import { float32MatrixShape, float32RowBlocks, readFloat32Matrix } from "../../store/float32-matrix.js";

/** A run's embedding matrix as the reducers read it: in memory when it fits, else streamed. */
export type EmbeddingSource = RowSource & { inMemory?: Float32Array };

/** Embedding matrices bigger than this are streamed from disk in blocks instead of loaded. */
export const IN_MEMORY_LIMIT_BYTES = 1 << 30;

/** Rows per streamed block: about 64 MiB of float32 (and at least 64 rows). */
function streamedBlockRows(cols: number): number {
  return Math.max(64, Math.floor((64 << 20) / (cols * 4)));
}

/**
 * Opens the float32 matrix at `path` for the reduce and density phases. Up to `inMemoryLimitBytes`
 * (default {@link IN_MEMORY_LIMIT_BYTES}) it is loaded once and `inMemory` is set; above it every
 * pass reads the file again in blocks, so memory stays bounded whatever the set's size. Tests pass
 * a small limit to reach the streamed path without a gigabyte of embeddings.
 */
export async function openEmbeddingSource(path: string, options: { inMemoryLimitBytes?: number; blockRows?: number } = {}): Promise<EmbeddingSource> {
  const { rows, cols } = await float32MatrixShape(path);
  if (rows * cols * 4 <= (options.inMemoryLimitBytes ?? IN_MEMORY_LIMIT_BYTES)) {
    const matrix = await readFloat32Matrix(path);
    return {
      rows,
      cols,
      inMemory: matrix.data,
      *blocks() {
        yield { data: matrix.data, rows };
      },
    };
  }
  const blockRows = options.blockRows ?? streamedBlockRows(cols);
  return {
    rows,
    cols,
    async *blocks() {
      for await (const block of float32RowBlocks(path, blockRows)) yield { data: block.data, rows: block.rows };
    },
  };
}
