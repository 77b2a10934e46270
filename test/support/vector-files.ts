/**
 * Writers for the vector files `gapfill map --embeddings` reads, so tests build their own:
 * .npy written byte by byte as numpy.lib.format documents it (no numpy needed), raw .f32, and
 * Parquet with a list-of-float column through hyparquet-writer.
 */
import { writeFileSync } from "node:fs";
import { parquetWriteFile } from "hyparquet-writer";

export interface NpyWriteOptions {
  /** The dtype string: "<f4" (default), "<f8", "<f2", or anything else to test refusals. */
  descr?: string;
  version?: 1 | 2 | 3;
  fortranOrder?: boolean;
  /** Defaults to [rows, cols]. */
  shape?: number[];
}

/**
 * The .npy header as numpy writes it: magic "\x93NUMPY", version, header length (u16 LE for
 * 1.0, u32 LE for 2.0/3.0), then the dict literal padded with spaces and ended by "\n" so the
 * data starts on a multiple of 64 bytes.
 */
export function npyHeader(descr: string, shape: number[], options: { version?: 1 | 2 | 3; fortranOrder?: boolean } = {}): Buffer {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${options.fortranOrder ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 6 + 2 + lengthBytes;
  const unpadded = prefix + Buffer.byteLength(dict) + 1;
  const padding = (64 - (unpadded % 64)) % 64;
  const text = dict + " ".repeat(padding) + "\n";
  const header = Buffer.alloc(prefix + Buffer.byteLength(text));
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) header.writeUInt16LE(Buffer.byteLength(text), 8);
  else header.writeUInt32LE(Buffer.byteLength(text), 8);
  header.write(text, prefix, version === 3 ? "utf8" : "latin1");
  return header;
}

/** A .npy of `rows × cols` values (row-major), stored as `descr` (float32, float64 or float16 little-endian). */
export function writeNpy(path: string, data: ArrayLike<number>, rows: number, cols: number, options: NpyWriteOptions = {}): void {
  const descr = options.descr ?? "<f4";
  const header = npyHeader(descr, options.shape ?? [rows, cols], options);
  writeFileSync(path, Buffer.concat([header, encodeValues(data, descr)]));
}

/** Raw little-endian float32 values, no header. */
export function writeRawF32(path: string, data: ArrayLike<number>): void {
  writeFileSync(path, encodeValues(data, "<f4"));
}

function encodeValues(data: ArrayLike<number>, descr: string): Buffer {
  const width = descr.endsWith("8") ? 8 : descr.endsWith("2") ? 2 : 4;
  const out = Buffer.alloc(data.length * width);
  for (let i = 0; i < data.length; i++) {
    if (width === 8) out.writeDoubleLE(data[i], i * 8);
    else if (width === 2) out.writeUInt16LE(floatToHalf(data[i]), i * 2);
    else out.writeFloatLE(data[i], i * 4);
  }
  return out;
}

/** Round-to-nearest-even float → IEEE binary16, for values a test writes (normal range, ±0, ±Inf, NaN). */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity || magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | Math.round(magnitude / 2 ** -24);
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return fraction === 1024 ? sign | ((exponent + 16) << 10) : sign | ((exponent + 15) << 10) | fraction;
}

/** A Parquet file with one list-of-float (or double) column per entry of `vectors`, plus string columns. */
export function writeVectorParquet(
  path: string,
  vectors: Array<{ name: string; element?: "FLOAT" | "DOUBLE"; rows: Array<ArrayLike<number> | null> }>,
  strings: Array<{ name: string; values: string[] }> = [],
  rowGroupSize = 64,
): void {
  const schema: Array<Record<string, unknown>> = [{ name: "root", num_children: vectors.length + strings.length }];
  for (const column of strings) schema.push({ name: column.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" });
  for (const column of vectors) {
    schema.push(
      { name: column.name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: column.element ?? "FLOAT", repetition_type: "REQUIRED" },
    );
  }
  parquetWriteFile({
    filename: path,
    columnData: [
      ...strings.map((column) => ({ name: column.name, data: column.values })),
      ...vectors.map((column) => ({ name: column.name, data: column.rows.map((row) => (row === null ? null : Array.from(row))) as never })),
    ],
    schema: schema as never,
    rowGroupSize,
  });
}
