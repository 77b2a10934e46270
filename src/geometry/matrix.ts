/**
 * Shapes shared by the geometry functions. Dense matrices are row-major:
 * element (i, j) sits at `data[i * cols + j]`.
 */

/** A dense row-major matrix. */
export interface Matrix<T extends Float32Array | Float64Array = Float32Array | Float64Array> {
  data: T;
  rows: number;
  cols: number;
}

/** A block of consecutive rows from a larger matrix: `rows × cols` values, row-major. */
export interface RowBlock {
  data: Float32Array | Float64Array;
  rows: number;
}

/**
 * A matrix read as a stream of row blocks, so a pass over 400K × 4096 float32 never
 * needs all of it in memory. `blocks()` starts a fresh pass each time it is called
 * and must yield the rows in the same order every time. A block's data may be reused by the
 * source once the next block has been taken: copy what must outlive it.
 */
export interface RowSource {
  rows: number;
  cols: number;
  blocks(): Iterable<RowBlock> | AsyncIterable<RowBlock>;
  /**
   * Optional: the rows at `indices` (ascending), in that order and in blocks, without reading the
   * others — a file source seeks to them. A few thousand rows of a big file then cost a few
   * thousand small reads instead of a pass.
   */
  rowsAt?(indices: Uint32Array): AsyncIterable<RowBlock>;
}

/** A RowSource whose passes are synchronous (in-memory data). */
export interface SyncRowSource extends RowSource {
  blocks(): Iterable<RowBlock>;
}

/** Rows per block when slicing an in-memory matrix: about 1 MiB of float32 per block. */
export function defaultBlockRows(cols: number): number {
  return Math.max(16, Math.floor(262_144 / Math.max(1, cols)));
}

/** A RowSource over an in-memory matrix; blocks are views, nothing is copied. */
export function denseRowSource(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
  blockRows: number = defaultBlockRows(cols),
): SyncRowSource {
  checkShape(data, rows, cols);
  return {
    rows,
    cols,
    *blocks() {
      for (let start = 0; start < rows; start += blockRows) {
        const end = Math.min(rows, start + blockRows);
        yield { data: data.subarray(start * cols, end * cols), rows: end - start };
      }
    },
  };
}

/** Throws a RangeError naming the mismatch when a flat array does not hold rows × cols values. */
export function checkShape(data: ArrayLike<number>, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw new RangeError(`invalid matrix shape ${rows} × ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected ${rows} × ${cols} = ${rows * cols}`);
  }
}
