import { endianness } from "node:os";
import { open, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { RunStateError } from "../core/errors.js";
import { atomicWriteFile, atomicWriteLines, syncDirectory } from "./atomic-write.js";
import { dirname } from "node:path";

/**
 * Float32 matrices (embeddings, reduced points) live in flat files next to the run database:
 * a 32-byte header, then the rows, row-major, little-endian float32.
 *
 *   bytes 0-7    magic "GFMATF32"
 *   bytes 8-11   format version (u32, 1)
 *   bytes 12-15  cols (u32)
 *   bytes 16-23  rows (u64), or OPEN_ROWS while the file is still being appended to
 *   bytes 24-31  reserved (0)
 *
 * A sealed file states its row count, so a short file is detected as damaged. An open file's
 * row count is whatever whole rows are on disk: a torn last row from a crash is ignored.
 */
export interface Float32Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

const MAGIC = "GFMATF32";
const FORMAT_VERSION = 1;
/** Size of the header; data starts here (a multiple of 4, so rows stay float-aligned). */
export const FLOAT32_MATRIX_HEADER_BYTES = 32;
const OPEN_ROWS = 0xffff_ffff_ffff_ffffn;

interface Header {
  cols: number;
  /** undefined while the file is open for appending. */
  rows: number | undefined;
}

function encodeHeader(cols: number, rows: number | undefined): Buffer {
  const header = Buffer.alloc(FLOAT32_MATRIX_HEADER_BYTES);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(FORMAT_VERSION, 8);
  header.writeUInt32LE(cols, 12);
  header.writeBigUInt64LE(rows === undefined ? OPEN_ROWS : BigInt(rows), 16);
  return header;
}

function decodeHeader(path: string, bytes: Buffer): Header {
  if (bytes.length < FLOAT32_MATRIX_HEADER_BYTES || bytes.toString("latin1", 0, 8) !== MAGIC) {
    throw new RunStateError("matrix-damaged", `${path} is not a gapfill float32 matrix (bad header)`);
  }
  const version = bytes.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw new RunStateError("matrix-damaged", `${path}: matrix format v${version} is not supported (expected v${FORMAT_VERSION})`);
  }
  const rows = bytes.readBigUInt64LE(16);
  return { cols: bytes.readUInt32LE(12), rows: rows === OPEN_ROWS ? undefined : Number(rows) };
}

function checkHostEndianness(): void {
  // The file is little-endian and read through a Float32Array view, which is host-endian.
  if (endianness() !== "LE") throw new RunStateError("matrix-endianness", "float32 matrix files need a little-endian host");
}

function checkShape(path: string, data: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(cols) || cols <= 0 || cols > 0xffff_ffff) throw new RangeError(`${path}: cols must be a positive integer, got ${cols}`);
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`${path}: rows must be a non-negative integer, got ${rows}`);
  if (data.length !== rows * cols) {
    throw new RangeError(`${path}: data has ${data.length} values, rows × cols = ${rows} × ${cols} = ${rows * cols}`);
  }
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes a complete matrix atomically (temp file, fsync, rename). */
export async function writeFloat32Matrix(path: string, matrix: Float32Matrix): Promise<void> {
  checkHostEndianness();
  checkShape(path, matrix.data, matrix.rows, matrix.cols);
  await atomicWriteLines(path, [encodeHeader(matrix.cols, matrix.rows), bytesOf(matrix.data)]);
}

async function readHeader(handle: FileHandle, path: string): Promise<{ header: Header; size: number; durableRows: number }> {
  const size = (await handle.stat()).size;
  const bytes = Buffer.alloc(FLOAT32_MATRIX_HEADER_BYTES);
  const { bytesRead } = await handle.read(bytes, 0, FLOAT32_MATRIX_HEADER_BYTES, 0);
  const header = decodeHeader(path, bytes.subarray(0, bytesRead));
  const rowBytes = header.cols * 4;
  const wholeRows = Math.floor((size - FLOAT32_MATRIX_HEADER_BYTES) / rowBytes);
  if (header.rows !== undefined && wholeRows < header.rows) {
    throw new RunStateError(
      "matrix-damaged",
      `${path} is truncated: header says ${header.rows} rows of ${header.cols}, file holds ${wholeRows}`,
    );
  }
  return { header, size, durableRows: header.rows ?? wholeRows };
}

/** The shape of a matrix file without reading its data. */
export async function float32MatrixShape(path: string): Promise<{ rows: number; cols: number; sealed: boolean }> {
  const handle = await open(path, "r");
  try {
    const { header, durableRows } = await readHeader(handle, path);
    return { rows: durableRows, cols: header.cols, sealed: header.rows !== undefined };
  } finally {
    await handle.close();
  }
}

/** Reads a whole matrix into memory. For files larger than memory, use {@link readFloat32Rows}. */
export async function readFloat32Matrix(path: string): Promise<Float32Matrix> {
  const { rows, cols } = await float32MatrixShape(path);
  return { data: await readFloat32Rows(path, 0, rows), rows, cols };
}

/** Reads rows `[start, start + count)`; throws if they are not all durable in the file. */
export async function readFloat32Rows(path: string, start: number, count: number): Promise<Float32Array> {
  const handle = await open(path, "r");
  try {
    const { header, durableRows } = await readHeader(handle, path);
    return await readRows(handle, path, header.cols, durableRows, start, count);
  } finally {
    await handle.close();
  }
}

async function readRows(
  handle: FileHandle,
  path: string,
  cols: number,
  durableRows: number,
  start: number,
  count: number,
): Promise<Float32Array> {
  checkHostEndianness();
  if (start < 0 || count < 0 || start + count > durableRows) {
    // Asking past the end means the file is shorter than its run says (cut short, or replaced): the run's state, not a bug.
    throw new RunStateError("matrix-rows-missing", `${path}: rows [${start}, ${start + count}) out of range (file holds ${durableRows})`);
  }
  const data = new Float32Array(count * cols);
  const target = bytesOf(data);
  const position = FLOAT32_MATRIX_HEADER_BYTES + start * cols * 4;
  let offset = 0;
  while (offset < target.byteLength) {
    const { bytesRead } = await handle.read(target, offset, target.byteLength - offset, position + offset);
    if (bytesRead === 0) throw new RunStateError("matrix-damaged", `${path}: unexpected end of file`);
    offset += bytesRead;
  }
  return data;
}

/**
 * Streams a matrix in blocks of at most `blockRows` rows, so a 400K × 4096 file is processed in
 * bounded memory. Each yielded block is a fresh array the caller may keep. Rows appended while
 * the stream runs are not included: the row count is read once, at the start.
 */
export async function* float32RowBlocks(
  path: string,
  blockRows: number,
): AsyncGenerator<{ start: number; rows: number; cols: number; data: Float32Array }> {
  if (!Number.isInteger(blockRows) || blockRows <= 0) throw new RangeError(`blockRows must be a positive integer, got ${blockRows}`);
  const handle = await open(path, "r");
  try {
    const { header, durableRows } = await readHeader(handle, path);
    for (let start = 0; start < durableRows; start += blockRows) {
      const count = Math.min(blockRows, durableRows - start);
      yield { start, rows: count, cols: header.cols, data: await readRows(handle, path, header.cols, durableRows, start, count) };
    }
  } finally {
    await handle.close();
  }
}

/**
 * A matrix file grown a block of rows at a time, resumable after a crash. `rows` is the number
 * of rows known durable: after `append` resolves they are fsynced. Record progress elsewhere
 * (SQLite) only after `append` resolves; on resume, `rows` is the truth (or `truncate` back to
 * what the database recorded).
 */
export interface Float32MatrixAppender {
  readonly path: string;
  readonly cols: number;
  readonly rows: number;
  /** Appends `block.length / cols` rows and fsyncs them. */
  append(block: Float32Array): Promise<void>;
  /** Drops rows past `rows` (e.g. rows whose bookkeeping never reached the database). */
  truncate(rows: number): Promise<void>;
  /** Marks the matrix complete: the header records the row count. Closes the file. */
  seal(): Promise<void>;
  /** Closes without sealing; the file stays appendable. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) an appendable matrix with `cols` columns. An existing file must have the
 * same column count; a torn last row left by a crash is cut off, and a sealed file is reopened
 * for appending.
 */
export async function openFloat32MatrixAppender(path: string, cols: number): Promise<Float32MatrixAppender> {
  checkHostEndianness();
  checkShape(path, new Float32Array(0), 0, cols);
  const exists = await stat(path).then(
    (stats) => stats.size >= FLOAT32_MATRIX_HEADER_BYTES,
    () => false,
  );
  // A file shorter than the header can only be a creation that crashed: start it over.
  if (!exists) await atomicWriteFile(path, encodeHeader(cols, undefined));
  const handle = await open(path, "r+");
  let rows: number;
  try {
    const { header, size, durableRows } = await readHeader(handle, path);
    if (header.cols !== cols) {
      throw new RunStateError("matrix-shape", `${path} has ${header.cols} columns, expected ${cols}`);
    }
    rows = durableRows;
    const end = FLOAT32_MATRIX_HEADER_BYTES + rows * cols * 4;
    if (size !== end) await handle.truncate(end);
    if (header.rows !== undefined) await handle.write(encodeHeader(cols, undefined), 0, FLOAT32_MATRIX_HEADER_BYTES, 0);
    if (size !== end || header.rows !== undefined) await handle.sync();
  } catch (error) {
    await handle.close();
    throw error;
  }

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new RunStateError("matrix-closed", `${path} is closed`);
  };
  const appender: Float32MatrixAppender = {
    path,
    cols,
    get rows() {
      return rows;
    },
    async append(block) {
      ensureOpen();
      if (block.length % cols !== 0) {
        throw new RangeError(`${path}: block of ${block.length} values is not a whole number of ${cols}-column rows`);
      }
      const bytes = bytesOf(block);
      const position = FLOAT32_MATRIX_HEADER_BYTES + rows * cols * 4;
      let offset = 0;
      while (offset < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, position + offset);
        offset += bytesWritten;
      }
      await handle.sync();
      rows += block.length / cols;
    },
    async truncate(keep) {
      ensureOpen();
      if (!Number.isInteger(keep) || keep < 0 || keep > rows) throw new RangeError(`${path}: cannot truncate ${rows} rows to ${keep}`);
      await handle.truncate(FLOAT32_MATRIX_HEADER_BYTES + keep * cols * 4);
      await handle.sync();
      rows = keep;
    },
    async seal() {
      ensureOpen();
      await handle.write(encodeHeader(cols, rows), 0, FLOAT32_MATRIX_HEADER_BYTES, 0);
      await handle.sync();
      closed = true;
      await handle.close();
      await syncDirectory(dirname(path));
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
  return appender;
}
