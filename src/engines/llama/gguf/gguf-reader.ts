import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { InputError } from "../../../core/errors.js";
import { GGML_BLOCK, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType, ggmlRowBytes } from "./gguf-types.js";

/** A parsed metadata value: numbers (64-bit ones as bigint only past 2^53), strings, booleans, arrays. */
export type GgufValue = number | bigint | string | boolean | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the contiguous row length. */
  dims: number[];
  type: number;
  /** Absolute byte offset of the tensor's data in the file. */
  fileOffset: number;
}

export interface GgufHeader {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  /** Absolute offset where tensor data begins. */
  dataOffset: number;
}

/**
 * Reads the header of a GGUF file lazily from disk, growing its window as needed, so a
 * multi-gigabyte model costs only its metadata (the vocab is the large part: a few MB).
 */
class Cursor {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  position = 0;
  constructor(private readonly file: FileHandle, private readonly path: string, private readonly size: number) {}

  private async need(bytes: number): Promise<Buffer> {
    const end = this.position + bytes;
    if (end > this.size) throw new InputError("gguf-truncated", `${this.path}: GGUF header ends early (byte ${this.position})`, { file: this.path });
    if (this.position < this.windowStart || end > this.windowStart + this.window.length) {
      const length = Math.min(this.size - this.position, Math.max(bytes, 1 << 20));
      const buffer = Buffer.alloc(length);
      await this.file.read(buffer, 0, length, this.position);
      this.window = buffer;
      this.windowStart = this.position;
    }
    const at = this.position - this.windowStart;
    this.position = end;
    return this.window.subarray(at, at + bytes);
  }
  async u8(): Promise<number> { return (await this.need(1)).readUInt8(0); }
  async i8(): Promise<number> { return (await this.need(1)).readInt8(0); }
  async u16(): Promise<number> { return (await this.need(2)).readUInt16LE(0); }
  async i16(): Promise<number> { return (await this.need(2)).readInt16LE(0); }
  async u32(): Promise<number> { return (await this.need(4)).readUInt32LE(0); }
  async i32(): Promise<number> { return (await this.need(4)).readInt32LE(0); }
  async f32(): Promise<number> { return (await this.need(4)).readFloatLE(0); }
  async f64(): Promise<number> { return (await this.need(8)).readDoubleLE(0); }
  async u64(): Promise<number | bigint> { return small((await this.need(8)).readBigUInt64LE(0)); }
  async i64(): Promise<number | bigint> { return small((await this.need(8)).readBigInt64LE(0)); }
  async count(what: string): Promise<number> {
    const n = await this.u64();
    if (typeof n === "bigint") throw new InputError("gguf-corrupt", `${this.path}: implausible ${what} count ${n}`, { file: this.path });
    // Every counted item takes at least a byte, so a count past the end means a cut file.
    if (n > this.size - this.position) {
      throw new InputError("gguf-truncated", `${this.path}: GGUF header ends early (${what} count ${n} at byte ${this.position} of ${this.size})`, { file: this.path });
    }
    return n;
  }
  async string(): Promise<string> {
    const length = await this.count("string length");
    return (await this.need(length)).toString("utf8");
  }
}

function small(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

async function readValue(cursor: Cursor, type: number, path: string): Promise<GgufValue> {
  switch (type) {
    case GgufValueType.UINT8: return cursor.u8();
    case GgufValueType.INT8: return cursor.i8();
    case GgufValueType.UINT16: return cursor.u16();
    case GgufValueType.INT16: return cursor.i16();
    case GgufValueType.UINT32: return cursor.u32();
    case GgufValueType.INT32: return cursor.i32();
    case GgufValueType.FLOAT32: return cursor.f32();
    case GgufValueType.BOOL: return (await cursor.u8()) !== 0;
    case GgufValueType.STRING: return cursor.string();
    case GgufValueType.UINT64: return cursor.u64();
    case GgufValueType.INT64: return cursor.i64();
    case GgufValueType.FLOAT64: return cursor.f64();
    case GgufValueType.ARRAY: {
      const itemType = await cursor.u32();
      const n = await cursor.count("array element");
      const items: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = await readValue(cursor, itemType, path);
      return items;
    }
    default:
      throw new InputError("gguf-corrupt", `${path}: unknown GGUF value type ${type} at byte ${cursor.position}`, { file: path });
  }
}

/**
 * Parse a GGUF file's header, metadata and tensor table (not the tensor data).
 * Throws InputError naming the path for a missing file, a non-GGUF file or a damaged header.
 */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (error) {
    throw new InputError("model-not-found", `model file not found or unreadable: ${path}`, { file: path, cause: error });
  }
  try {
    const size = (await file.stat()).size;
    const cursor = new Cursor(file, path, size);
    if (size < 24 || (await cursor.u32()) !== GGUF_MAGIC) {
      throw new InputError("not-gguf", `${path} is not a GGUF file (no "GGUF" magic at its start)`, { file: path });
    }
    const version = await cursor.u32();
    if (version < 2 || version > 3) throw new InputError("gguf-version", `${path}: GGUF version ${version} is not supported (2 or 3)`, { file: path });
    const tensorCount = await cursor.count("tensor");
    const kvCount = await cursor.count("metadata");
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await cursor.string();
      metadata.set(key, await readValue(cursor, await cursor.u32(), path));
    }
    const infos: Array<Omit<GgufTensorInfo, "fileOffset"> & { offset: number }> = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await cursor.string();
      const nDims = await cursor.u32();
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(Number(await cursor.u64()));
      const type = await cursor.u32();
      const offset = Number(await cursor.u64());
      infos.push({ name, dims, type, offset });
    }
    const alignmentValue = metadata.get("general.alignment");
    const alignment = typeof alignmentValue === "number" && alignmentValue > 0 ? alignmentValue : GGUF_DEFAULT_ALIGNMENT;
    const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
    const tensors = new Map<string, GgufTensorInfo>();
    for (const info of infos) {
      tensors.set(info.name, { name: info.name, dims: info.dims, type: info.type, fileOffset: dataOffset + info.offset });
    }
    return { path, version, metadata, tensors, dataOffset };
  } finally {
    await file.close();
  }
}

/**
 * Read rows of a 2-D tensor as raw bytes (still in the tensor's ggml type), in the order given.
 * Returns one contiguous buffer of `rows.length * rowBytes` bytes.
 */
export async function readTensorRows(header: GgufHeader, tensorName: string, rows: readonly number[]): Promise<{ bytes: Uint8Array; rowBytes: number; rowLength: number; type: number }> {
  const info = header.tensors.get(tensorName);
  if (!info) throw new InputError("gguf-tensor-missing", `${header.path} has no tensor "${tensorName}"`, { file: header.path });
  const [rowLength, rowCount] = info.dims;
  const rowBytes = ggmlRowBytes(info.type, rowLength);
  if (rowBytes === undefined) {
    throw new InputError("gguf-type", `${header.path}: tensor "${tensorName}" has ggml type ${GGML_BLOCK[info.type]?.name ?? info.type}, whose block size gapfill does not know`, { file: header.path });
  }
  const bytes = new Uint8Array(rows.length * rowBytes);
  const file = await open(header.path, "r");
  try {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!Number.isInteger(row) || row < 0 || row >= (rowCount ?? 1)) throw new RangeError(`row ${row} is outside tensor "${tensorName}" (${rowCount} rows)`);
      await file.read(bytes, i * rowBytes, rowBytes, info.fileOffset + row * rowBytes);
    }
  } finally {
    await file.close();
  }
  return { bytes, rowBytes, rowLength, type: info.type };
}
