import { writeFile } from "node:fs/promises";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufValueType, ggmlRowBytes } from "../../src/engines/llama/gguf/gguf-types.js";

/** One metadata entry. Arrays name their element type; scalars their own. */
export type GgufEntry =
  | { key: string; type: "string"; value: string }
  | { key: string; type: "u32" | "i32" | "f32" | "u64"; value: number }
  | { key: string; type: "bool"; value: boolean }
  | { key: string; type: "string[]"; value: readonly string[] }
  | { key: string; type: "i32[]" | "f32[]" | "u32[]"; value: readonly number[] };

/** One tensor: `dims` in ggml order (dims[0] is the contiguous row length). */
export interface GgufTensorInput {
  name: string;
  dims: readonly number[];
  type: number;
  data: Uint8Array;
}

/** Grows a byte buffer; GGUF is written little-endian throughout. */
class ByteSink {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  u8(v: number): void { this.reserve(1); this.buffer.writeUInt8(v, this.length); this.length += 1; }
  u32(v: number): void { this.reserve(4); this.buffer.writeUInt32LE(v, this.length); this.length += 4; }
  i32(v: number): void { this.reserve(4); this.buffer.writeInt32LE(v, this.length); this.length += 4; }
  f32(v: number): void { this.reserve(4); this.buffer.writeFloatLE(v, this.length); this.length += 4; }
  u64(v: number): void { this.reserve(8); this.buffer.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buffer.set(b, this.length); this.length += b.length; }
  string(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.bytes(b); }
  padTo(alignment: number): void { while (this.length % alignment !== 0) this.u8(0); }
  result(): Buffer { return this.buffer.subarray(0, this.length); }
}

const SCALAR_TYPE = { u32: GgufValueType.UINT32, i32: GgufValueType.INT32, f32: GgufValueType.FLOAT32, u64: GgufValueType.UINT64 } as const;

function writeScalar(sink: ByteSink, type: "u32" | "i32" | "f32" | "u64", value: number): void {
  if (type === "u32") sink.u32(value);
  else if (type === "i32") sink.i32(value);
  else if (type === "u64") sink.u64(value);
  else sink.f32(value);
}

function writeEntry(sink: ByteSink, entry: GgufEntry): void {
  sink.string(entry.key);
  switch (entry.type) {
    case "string":
      sink.u32(GgufValueType.STRING);
      sink.string(entry.value);
      return;
    case "bool":
      sink.u32(GgufValueType.BOOL);
      sink.u8(entry.value ? 1 : 0);
      return;
    case "string[]":
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.STRING);
      sink.u64(entry.value.length);
      for (const s of entry.value) sink.string(s);
      return;
    case "i32[]":
    case "f32[]":
    case "u32[]": {
      const element = entry.type.slice(0, 3) as "i32" | "f32" | "u32";
      sink.u32(GgufValueType.ARRAY);
      sink.u32(SCALAR_TYPE[element]);
      sink.u64(entry.value.length);
      for (const v of entry.value) writeScalar(sink, element, v);
      return;
    }
    default:
      sink.u32(SCALAR_TYPE[entry.type]);
      writeScalar(sink, entry.type, entry.value);
  }
}

/** Serialize a GGUF v3 file in memory: header, metadata, tensor infos, aligned tensor data. */
export function encodeGguf(entries: readonly GgufEntry[], tensors: readonly GgufTensorInput[]): Buffer {
  const alignment = GGUF_DEFAULT_ALIGNMENT;
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(entries.length);
  for (const entry of entries) writeEntry(sink, entry);
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((a, b) => a * b, 1);
    const expected = ggmlRowBytes(tensor.type, elements);
    if (expected !== undefined && expected !== tensor.data.length) {
      throw new RangeError(`tensor ${tensor.name}: ${tensor.data.length} bytes given, its type and shape need ${expected}`);
    }
    sink.string(tensor.name);
    sink.u32(tensor.dims.length);
    for (const d of tensor.dims) sink.u64(d);
    sink.u32(tensor.type);
    sink.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(tensor.data.length / alignment) * alignment;
  }
  sink.padTo(alignment);
  const dataStart = sink.length;
  tensors.forEach((tensor, i) => {
    sink.padTo(alignment);
    if (sink.length - dataStart !== offsets[i]) throw new Error("internal: GGUF tensor offset drift");
    sink.bytes(tensor.data);
  });
  sink.padTo(alignment);
  return sink.result();
}

/** Write a GGUF v3 file. */
export async function writeGguf(path: string, entries: readonly GgufEntry[], tensors: readonly GgufTensorInput[]): Promise<void> {
  await writeFile(path, encodeGguf(entries, tensors));
}
