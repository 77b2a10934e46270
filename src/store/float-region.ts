import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import { InputError } from "../core/errors.js";

/** Element types a vector file may hold; all are read as float32. */
export type FloatElement = "float32" | "float64" | "float16";

export const ELEMENT_BYTES: Readonly<Record<FloatElement, number>> = { float32: 4, float64: 8, float16: 2 };

/**
 * A row-major matrix of little-endian floats stored at `offset` in a file written by someone
 * else (a .npy's data, a raw .f32, a gapfill matrix's rows): read where it lies, nothing copied
 * to another file first.
 */
export interface FloatRegion {
  path: string;
  offset: number;
  rows: number;
  cols: number;
  element: FloatElement;
}

/** Rows `[start, start + count)` of a region, as float32, with the bytes they were read from. */
export interface RegionRows {
  start: number;
  rows: number;
  data: Float32Array;
  /** The file's own bytes of these rows (the same memory as `data` for float32). */
  bytes: Uint8Array;
}

/**
 * Reads rows `[start, start + count)`. float32 rows are read straight into the returned array
 * (into `into` when given, which must hold `count × cols` values); float64 and float16 are
 * converted.
 */
export async function readRegionRows(handle: FileHandle, region: FloatRegion, start: number, count: number, into?: Float32Array): Promise<RegionRows> {
  if (endianness() !== "LE") throw new InputError("vector-endianness", `${region.path}: little-endian vector files need a little-endian host`, { file: region.path });
  const width = ELEMENT_BYTES[region.element];
  const values = count * region.cols;
  const data = into ?? new Float32Array(values);
  if (data.length !== values) throw new RangeError(`${region.path}: target holds ${data.length} values, rows need ${values}`);
  const bytes = region.element === "float32" ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(values * width);
  const position = region.offset + start * region.cols * width;
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesRead } = await handle.read(bytes, offset, bytes.byteLength - offset, position + offset);
    if (bytesRead === 0) {
      throw new InputError("vectors-truncated", `${region.path} ends inside row ${start + Math.floor(offset / (region.cols * width))} of ${region.rows}: the file is cut short`, { file: region.path });
    }
    offset += bytesRead;
  }
  if (region.element === "float64") data.set(new Float64Array(bytes.buffer, bytes.byteOffset, values));
  else if (region.element === "float16") {
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, values);
    for (let i = 0; i < values; i++) data[i] = halfToFloat(halves[i]);
  }
  return { start, rows: count, data, bytes };
}

/**
 * Streams a region in blocks of at most `blockRows` rows, the next block read while the caller
 * works on this one. The blocks live in two buffers in shared memory (worker threads read them in
 * place, no copy), used in turn: a block is valid until the next one is taken (the read after it
 * then starts into its buffer), which is what RowSource promises; copy what must outlive it. A
 * fresh buffer per block left gigabytes of shared memory for the collector on a 6 GB file.
 */
export async function* regionRowBlocks(region: FloatRegion, blockRows: number): AsyncGenerator<RegionRows> {
  if (!Number.isInteger(blockRows) || blockRows <= 0) throw new RangeError(`blockRows must be a positive integer, got ${blockRows}`);
  const handle = await open(region.path, "r");
  const values = Math.min(blockRows, region.rows) * region.cols;
  const buffers = [0, 1].map(() => new Float32Array(new SharedArrayBuffer(values * Float32Array.BYTES_PER_ELEMENT)));
  let turn = 0;
  const read = (start: number): Promise<RegionRows> => {
    const count = Math.min(blockRows, region.rows - start);
    const buffer = buffers[turn++ % 2];
    return readRegionRows(handle, region, start, count, buffer.subarray(0, count * region.cols));
  };
  let next: Promise<RegionRows> | undefined;
  try {
    next = region.rows > 0 ? read(0) : undefined;
    for (let start = 0; next; start += blockRows) {
      const block = await next;
      next = start + blockRows < region.rows ? read(start + blockRows) : undefined;
      yield block;
    }
  } finally {
    // A read still in flight (the caller stopped early, or a read failed) ends before the handle closes.
    await next?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * The rows at `indices` (ascending) of a region, in that order, in blocks of at most `blockRows`:
 * one read per row, `parallel` of them in flight, so a sample of a big file is fetched without a
 * pass over it.
 */
export async function* regionRowsAt(region: FloatRegion, indices: Uint32Array, blockRows = 4096, parallel = 64): AsyncGenerator<RegionRows> {
  const handle = await open(region.path, "r");
  try {
    for (let first = 0; first < indices.length; first += blockRows) {
      const count = Math.min(blockRows, indices.length - first);
      const data = new Float32Array(count * region.cols);
      for (let batch = 0; batch < count; batch += parallel) {
        const reads: Promise<RegionRows>[] = [];
        for (let at = batch; at < Math.min(count, batch + parallel); at++) {
          const row = indices[first + at];
          if (row >= region.rows) throw new RangeError(`row ${row} is outside the ${region.rows} rows of ${region.path}`);
          reads.push(readRegionRows(handle, region, row, 1, data.subarray(at * region.cols, (at + 1) * region.cols)));
        }
        await Promise.all(reads);
      }
      yield { start: first, rows: count, data, bytes: new Uint8Array(data.buffer) };
    }
  } finally {
    await handle.close();
  }
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
