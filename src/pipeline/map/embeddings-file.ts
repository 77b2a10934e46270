import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { extname } from "node:path";
import { InputError, OptionError } from "../../core/errors.js";
import { ELEMENT_BYTES, type FloatElement, type FloatRegion } from "../../store/float-region.js";
import { FLOAT32_MATRIX_HEADER_BYTES, float32MatrixShape } from "../../store/float32-matrix.js";
import { hasNpyMagic, readNpyHeader } from "../../store/npy.js";
import type { EmbeddingsFileInfo } from "./embed-examples.js";
import { describeParquetVectors, nonFiniteVector, type ParquetVectorColumn } from "./parquet-vectors.js";

/** What the vectors in a file are and where they lie, read from its header alone. */
export type EmbeddingsLayout =
  | { format: "npy" | "f32" | "gapfill-f32"; dtype: string; region: FloatRegion; bytes: number; mtimeMs: number; inferredDims?: boolean }
  | { format: "parquet"; dtype: string; parquet: ParquetVectorColumn; bytes: number; mtimeMs: number };

export interface EmbeddingsFileOptions {
  path: string;
  /** Parquet: the vector column (default: the only list-of-float column). */
  column?: string;
  /** Vector length: needed to read a raw .f32 when the row count is unknown, a check for the other formats. */
  dims?: number;
}

const NPY_ELEMENTS: Readonly<Record<string, FloatElement>> = { "<f4": "float32", "<f8": "float64", "<f2": "float16" };
const GAPFILL_MAGIC = "GFMATF32";

/**
 * Reads the header of a vector file chosen by its extension and checked by its content:
 * `.npy` (2-D, C order, `<f4`, or `<f8`/`<f2` converted to float32 as they are read), `.f32`
 * (a gapfill matrix file, or raw little-endian float32 rows whose length is `dims` or, without
 * it, whatever makes `datasetRows` rows), `.parquet` (a list-of-float column). The file must hold
 * `datasetRows` vectors of at least one value: anything else is one error naming the file and
 * both numbers.
 */
export async function readEmbeddingsLayout(options: EmbeddingsFileOptions, datasetRows: number, datasetPath: string): Promise<EmbeddingsLayout> {
  const { path } = options;
  const stats = await stat(path).catch(() => undefined);
  if (!stats?.isFile()) throw new InputError("embeddings-missing", `${path}: no such file (given as embeddings)`, { file: path, relatedOptions: ["embeddings"] });
  const extension = extname(path).toLowerCase();
  if (options.column !== undefined && extension !== ".parquet") {
    throw new OptionError("embeddingColumn", `names a column of a .parquet file; ${path} is not one`, { relatedOptions: ["embeddings"] });
  }
  const base = { bytes: stats.size, mtimeMs: stats.mtimeMs };
  const start = await firstBytes(path, 8);
  let layout: EmbeddingsLayout;
  if (extension === ".npy") layout = { ...base, ...(await npyLayout(path, stats.size)) };
  else if (extension === ".f32") {
    if (hasNpyMagic(start)) throw new InputError("embeddings-format", `${path} is a .npy file (it starts with numpy's magic): name it .npy`, { file: path });
    layout =
      Buffer.from(start).toString("latin1") === GAPFILL_MAGIC
        ? { ...base, format: "gapfill-f32", dtype: "float32", region: { path, offset: FLOAT32_MATRIX_HEADER_BYTES, ...(await float32MatrixShape(path)), element: "float32" } }
        : { ...base, ...rawLayout(path, stats.size, options.dims, datasetRows) };
  } else if (extension === ".parquet") {
    if (Buffer.from(start).toString("latin1", 0, 4) !== "PAR1") throw new InputError("embeddings-format", `${path} does not start with Parquet's magic "PAR1": is it a Parquet file?`, { file: path });
    const parquet = await describeParquetVectors(path, options.column);
    layout = { ...base, format: "parquet", dtype: parquet.element === "float64" ? "list<double>" : "list<float>", parquet };
  } else {
    throw new OptionError(
      "embeddings",
      `${path}: its extension "${extension}" names no vector format gapfill reads: .npy (numpy, float32), .f32 (raw little-endian float32 rows, or a gapfill matrix) or .parquet (a column of float lists)`,
    );
  }
  const { rows, cols } = shapeOf(layout);
  if (rows !== datasetRows) {
    throw new InputError(
      "embeddings-rows",
      `${path} holds ${rows} vectors and ${datasetPath} has ${datasetRows} rows: the vectors must be row-aligned with the dataset (vector i embeds row i, in the dataset's order)`,
      { file: path },
    );
  }
  if (cols === 0) throw new InputError("embeddings-dims", `${path} holds vectors of 0 dims: there is nothing to map`, { file: path });
  if (options.dims !== undefined && cols !== options.dims) {
    throw new InputError("embeddings-dims", `${path} holds vectors of ${cols} dims, embeddingDims says ${options.dims}`, { file: path, relatedOptions: ["embeddingDims"] });
  }
  return layout;
}

/** rows × cols of a layout. */
export function shapeOf(layout: EmbeddingsLayout): { rows: number; cols: number } {
  return layout.format === "parquet" ? { rows: layout.parquet.rows, cols: layout.parquet.cols } : { rows: layout.region.rows, cols: layout.region.cols };
}

async function npyLayout(path: string, size: number): Promise<{ format: "npy"; dtype: string; region: FloatRegion }> {
  const header = await readNpyHeader(path);
  const element = NPY_ELEMENTS[header.descr];
  if (!element) {
    throw new InputError(
      "npy-dtype",
      `${path} holds ${header.descr} values; gapfill reads float32 ('<f4', and converts '<f8' and '<f2'): save it with np.save(path, vectors.astype(np.float32))`,
      { file: path },
    );
  }
  if (header.shape.length !== 2) {
    throw new InputError("npy-shape", `${path} holds a ${header.shape.length}-D array of shape (${header.shape.join(", ")}); the vectors must be a 2-D array (rows, dims)`, { file: path });
  }
  if (header.fortranOrder) {
    throw new InputError("npy-fortran-order", `${path} is stored in Fortran (column) order; gapfill reads rows in C order: save it with np.save(path, np.ascontiguousarray(vectors))`, { file: path });
  }
  const [rows, cols] = header.shape;
  const expected = header.dataOffset + rows * cols * ELEMENT_BYTES[element];
  if (size !== expected) {
    throw new InputError("npy-size", `${path} is ${size} bytes; its header (shape (${rows}, ${cols}), ${header.descr}) needs ${expected}: the file is ${size < expected ? "cut short" : "longer than its array"}`, {
      file: path,
    });
  }
  return { format: "npy", dtype: header.descr, region: { path, offset: header.dataOffset, rows, cols, element } };
}

function rawLayout(path: string, size: number, dims: number | undefined, datasetRows: number): { format: "f32"; dtype: string; region: FloatRegion; inferredDims?: boolean } {
  if (size % 4 !== 0) throw new InputError("f32-size", `${path} is ${size} bytes, not a whole number of float32 values`, { file: path });
  const values = size / 4;
  if (dims !== undefined) {
    if (values % dims !== 0) {
      throw new InputError("f32-size", `${path} holds ${values} float32 values, not a whole number of ${dims}-dim rows (embeddingDims ${dims})`, { file: path, relatedOptions: ["embeddingDims"] });
    }
    return { format: "f32", dtype: "float32", region: { path, offset: 0, rows: values / dims, cols: dims, element: "float32" } };
  }
  // Row-aligned with the dataset: the vector length is what makes one row per example.
  if (datasetRows === 0 || values % datasetRows !== 0) {
    throw new InputError(
      "f32-size",
      `${path} holds ${values} float32 values, not ${datasetRows} rows (the dataset's) of a whole number of dims: give the vector length with embeddingDims to see how many rows it holds`,
      { file: path, relatedOptions: ["embeddingDims"] },
    );
  }
  return { format: "f32", dtype: "float32", region: { path, offset: 0, rows: datasetRows, cols: values / datasetRows, element: "float32" }, inferredDims: true };
}

async function firstBytes(path: string, count: number): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const bytes = Buffer.alloc(count);
    const { bytesRead } = await handle.read(bytes, 0, count, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Pieces hashed by the sampled digest, and their size. */
const DIGEST_PIECES = 64;
const DIGEST_PIECE_BYTES = 64 << 10;

/**
 * The identity of a vector file (see {@link EmbeddingsFileInfo.digest}): the whole file's sha256
 * for Parquet; for the other formats, the sha256 of its size, header and 64 evenly spread pieces of
 * its vectors, which reads 4 MiB whatever the file's size. The values themselves are checked as
 * the map reads them ({@link checkFiniteRows}).
 */
export async function embeddingsDigest(layout: EmbeddingsLayout, path: string): Promise<EmbeddingsFileInfo["digest"]> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  const readAt = async (buffer: Buffer, position: number) => {
    for (let offset = 0; offset < buffer.length; ) {
      const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
      if (bytesRead === 0) throw new InputError("vectors-truncated", `${path} changed while it was read`, { file: path });
      offset += bytesRead;
    }
    hash.update(buffer);
  };
  try {
    if (layout.format === "parquet") {
      const buffer = Buffer.alloc(Math.min(layout.bytes, 64 << 20));
      for (let position = 0; position < layout.bytes; position += buffer.length) await readAt(buffer.subarray(0, Math.min(buffer.length, layout.bytes - position)), position);
      return { algorithm: "sha256", value: hash.digest("hex") };
    }
    const { region } = layout;
    hash.update(`${layout.bytes}\n`);
    await readAt(Buffer.alloc(region.offset), 0);
    const dataBytes = layout.bytes - region.offset;
    if (dataBytes <= DIGEST_PIECES * DIGEST_PIECE_BYTES) await readAt(Buffer.alloc(dataBytes), region.offset);
    else {
      const piece = Buffer.alloc(DIGEST_PIECE_BYTES);
      for (let i = 0; i < DIGEST_PIECES; i++) await readAt(piece, region.offset + Math.floor((i * (dataBytes - DIGEST_PIECE_BYTES)) / (DIGEST_PIECES - 1)));
    }
    return { algorithm: "sha256-sampled", value: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

/** Throws an error naming the row (0-based, counted from `startRow`) of the first NaN or ±Infinity in `data`, rows of `cols`. */
export function checkFiniteRows(path: string, data: Float32Array, startRow: number, cols: number): void {
  // v · 0 is 0 for every finite v and NaN for NaN and ±Infinity: four branch-free sums say whether a block is clean.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    a += data[i] * 0;
    b += data[i + 1] * 0;
    c += data[i + 2] * 0;
    d += data[i + 3] * 0;
  }
  for (let i = whole; i < data.length; i++) a += data[i] * 0;
  if (a + b + c + d === 0) return;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    // v − v is 0 for every finite v, NaN for NaN and ±Infinity.
    if (value - value !== 0) throw nonFiniteVector(path, startRow + Math.floor(i / cols), i % cols, value);
  }
}

/** The provenance record of a checked file. */
export function embeddingsFileInfo(layout: EmbeddingsLayout, absolutePath: string, digest: EmbeddingsFileInfo["digest"]): EmbeddingsFileInfo {
  return {
    path: absolutePath,
    format: layout.format,
    dtype: layout.dtype,
    ...(layout.format === "parquet" ? { column: layout.parquet.column } : {}),
    bytes: layout.bytes,
    modified: new Date(layout.mtimeMs).toISOString(),
    digest,
  };
}
