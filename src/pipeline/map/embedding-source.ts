import type { RowSource } from "../../geometry/matrix.js";
import { open } from "node:fs/promises";
import { type FloatRegion, readRegionRows, regionRowBlocks, regionRowsAt } from "../../store/float-region.js";
import { FLOAT32_MATRIX_HEADER_BYTES, float32MatrixShape } from "../../store/float32-matrix.js";

/** A run's embedding matrix as the reducers read it: in memory when it fits, else streamed. */
export type EmbeddingSource = RowSource & { inMemory?: Float32Array };

/** Embedding matrices bigger than this are streamed from disk in blocks instead of loaded. */
export const IN_MEMORY_LIMIT_BYTES = 1 << 30;

/** Rows per streamed block: about 64 MiB of float32 (and at least 64 rows). */
function streamedBlockRows(cols: number): number {
  return Math.max(64, Math.floor((64 << 20) / (cols * 4)));
}

/** True when a `rows × cols` float32 matrix is loaded rather than streamed under `limit` bytes. */
export function fitsInMemory(rows: number, cols: number, limit = IN_MEMORY_LIMIT_BYTES): boolean {
  return rows * cols * 4 <= limit;
}

/**
 * Opens the float32 matrix at `path` for the reduce and density phases. Up to `inMemoryLimitBytes`
 * (default {@link IN_MEMORY_LIMIT_BYTES}) it is loaded once and `inMemory` is set; above it every
 * pass reads the file again in blocks, so memory stays bounded whatever the set's size. Tests pass
 * a small limit to reach the streamed path without a gigabyte of embeddings.
 */
export async function openEmbeddingSource(path: string, options: { inMemoryLimitBytes?: number; blockRows?: number } = {}): Promise<EmbeddingSource> {
  // The run's own matrix is a region after its header: read like any vector file.
  return openRegionSource(await gapfillMatrixRegion(path), options);
}

/**
 * The same over vectors where they lie in a file gapfill did not write (a .npy's data, a raw
 * .f32): a region within the limit is read once here, a bigger one is streamed from its offset
 * on every pass, never copied into the run. `check` sees every row once: as the region is loaded,
 * or during the first pass that reads it to the end (a NaN found there stops that pass).
 */
export async function openRegionSource(
  region: FloatRegion,
  options: { inMemoryLimitBytes?: number; blockRows?: number; check?: (data: Float32Array, startRow: number) => void } = {},
): Promise<EmbeddingSource> {
  const { rows, cols } = region;
  const check = options.check ?? (() => {});
  if (fitsInMemory(rows, cols, options.inMemoryLimitBytes)) {
    const data = new Float32Array(rows * cols);
    const blockRows = options.blockRows ?? streamedBlockRows(cols);
    const handle = await open(region.path, "r");
    try {
      // The next block is read (on libuv's threads) while this one is checked.
      const read = (start: number) => {
        const count = Math.min(blockRows, rows - start);
        return readRegionRows(handle, region, start, count, data.subarray(start * cols, (start + count) * cols));
      };
      let next = rows > 0 ? read(0) : undefined;
      try {
        for (let start = 0; next; start += blockRows) {
          const block = await next;
          next = start + blockRows < rows ? read(start + blockRows) : undefined;
          check(block.data, start);
        }
      } catch (error) {
        await next?.catch(() => undefined); // a read still in flight finishes before its handle closes
        throw error;
      }
    } finally {
      await handle.close();
    }
    return inMemorySource(data, rows, cols);
  }
  const blockRows = options.blockRows ?? streamedBlockRows(cols);
  let checked = false;
  return {
    rows,
    cols,
    async *blocks() {
      for await (const block of regionRowBlocks(region, blockRows)) {
        if (!checked) check(block.data, block.start);
        yield { data: block.data, rows: block.rows };
      }
      checked = true;
    },
    rowsAt: (indices) => regionRowsAt(region, indices),
  };
}

/** A gapfill matrix file's rows as a region (its data starts after the 32-byte header). */
export async function gapfillMatrixRegion(path: string): Promise<FloatRegion> {
  const { rows, cols } = await float32MatrixShape(path);
  return { path, offset: FLOAT32_MATRIX_HEADER_BYTES, rows, cols, element: "float32" };
}

function inMemorySource(data: Float32Array, rows: number, cols: number): EmbeddingSource {
  return {
    rows,
    cols,
    inMemory: data,
    *blocks() {
      yield { data, rows };
    },
  };
}
