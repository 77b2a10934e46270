import { GapfillError } from "../../core/errors.js";
import type { Matrix } from "../../core/engine.js";

/**
 * A writer of the file `torch.save(tensor, buffer)` produces for one contiguous 2-D tensor, so
 * that vLLM (`--enable-prompt-embeds`) can read our prompt embeddings with
 * `torch.load(..., weights_only=True)` without Python on our side.
 *
 * The file is a zip with no compression whose entries are aligned to 64 bytes (PyTorch's
 * writer pads each local header with an extra field "FB" full of 'Z'), each entry followed by a
 * data descriptor, and always a zip64 end record. Records, under the prefix "archive/":
 * `data.pkl` (a protocol-2 pickle calling `torch._utils._rebuild_tensor_v2` on a persistent-id
 * storage), optionally `byteorder`, `data/0` (the raw little-endian elements), `version`.
 * The default layout is byte-for-byte what torch 1.13 writes (checked against golden files
 * made with real torch, see fixtures/make-golden.py); torch 2.x loads it too.
 */

export type TorchDtype = "float32" | "float16" | "bfloat16";

export interface TorchSaveOptions {
  /** Element type of the saved tensor; float32 input is rounded to nearest-even as torch does. */
  dtype?: TorchDtype;
  /** Also write the `byteorder` record ("little") that torch >= 2.0 adds after data.pkl. */
  byteorderRecord?: boolean;
}

const STORAGE_CLASS: Record<TorchDtype, string> = {
  float32: "FloatStorage",
  float16: "HalfStorage",
  bfloat16: "BFloat16Storage",
};

/** `torch.save` bytes of a float32 matrix as a `(rows, cols)` float32 tensor. */
export function torchSaveFloat32(m: Matrix): Uint8Array {
  return torchSave(m, { dtype: "float32" });
}

/** `torch.save` bytes of a float32 matrix converted to a float16 tensor. */
export function torchSaveFloat16(m: Matrix): Uint8Array {
  return torchSave(m, { dtype: "float16" });
}

/** `torch.save` bytes of a float32 matrix converted to a bfloat16 tensor. */
export function torchSaveBFloat16(m: Matrix): Uint8Array {
  return torchSave(m, { dtype: "bfloat16" });
}

/** `torch.save` bytes of `m` as a contiguous `(rows, cols)` tensor of `options.dtype`. */
export function torchSave(m: Matrix, options: TorchSaveOptions = {}): Uint8Array {
  const dtype = options.dtype ?? "float32";
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new GapfillError("invalid-matrix", `torch.save: rows and cols must be non-negative integers, got ${m.rows}×${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new GapfillError("invalid-matrix", `torch.save: ${m.rows}×${m.cols} needs ${m.rows * m.cols} values, got ${m.data.length}`);
  }
  const records: [string, Uint8Array][] = [["data.pkl", tensorPickle(STORAGE_CLASS[dtype], m.rows, m.cols)]];
  if (options.byteorderRecord) records.push(["byteorder", ascii("little")]);
  records.push(["data/0", elementBytes(m.data, dtype)]);
  records.push(["version", ascii("3\n")]);
  return alignedZip(records.map(([name, data]) => ({ name: `archive/${name}`, data })));
}

/** Base64 of `torchSave(m, options)`: the form vLLM's `prompt_embeds` field takes. */
export function torchSaveBase64(m: Matrix, options: TorchSaveOptions = {}): string {
  const bytes = torchSave(m, options);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

// ---------------------------------------------------------------- element conversion

const scratch = new DataView(new ArrayBuffer(4));

function float32Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

/** IEEE binary16 bits of a float32 value, rounded to nearest-even (torch's `at::Half`). */
export function float32ToFloat16Bits(value: number): number {
  const bits = float32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa === 0 ? 0x7c00 : 0x7e00);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full significand down, rounding half to even.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** bfloat16 bits of a float32 value, rounded to nearest-even; NaN becomes 0x7fc0 as in c10. */
export function float32ToBFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7fc0;
  const bits = float32Bits(value);
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elementBytes(data: Float32Array, dtype: TorchDtype): Uint8Array {
  if (dtype === "float32") {
    // Copy bytes rather than values so NaN payloads survive exactly.
    if (littleEndianHost) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const out = new DataView(new ArrayBuffer(data.length * 4));
    data.forEach((value, index) => out.setFloat32(index * 4, value, true));
    return new Uint8Array(out.buffer);
  }
  const convert = dtype === "float16" ? float32ToFloat16Bits : float32ToBFloat16Bits;
  const out = new Uint8Array(data.length * 2);
  for (let index = 0; index < data.length; index += 1) {
    const half = convert(data[index]);
    out[index * 2] = half & 0xff;
    out[index * 2 + 1] = half >>> 8;
  }
  return out;
}

function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

// ---------------------------------------------------------------- pickle (protocol 2)

/**
 * The pickle `torch.save` writes for a plain tensor: `_rebuild_tensor_v2(storage, 0, size,
 * stride, False, OrderedDict())`, the storage being the persistent id
 * `('storage', torch.<Dtype>Storage, '0', 'cpu', numel)`. Memo slots (BINPUT) are numbered in
 * the order CPython's pickler assigns them, which the golden files pin down.
 */
function tensorPickle(storageClass: string, rows: number, cols: number): Uint8Array {
  const out: number[] = [];
  let memo = 0;
  const bytes = (...values: number[]): void => {
    out.push(...values);
  };
  const text = (value: string): void => {
    for (const byte of Buffer.from(value, "utf8")) out.push(byte);
  };
  const put = (): void => {
    if (memo < 256) bytes(0x71, memo); // BINPUT
    else bytes(0x72, ...le(memo, 4)); // LONG_BINPUT
    memo += 1;
  };
  const global = (module: string, name: string): void => {
    bytes(0x63); // GLOBAL
    text(`${module}\n${name}\n`);
    put();
  };
  const unicode = (value: string): void => {
    const encoded = Buffer.from(value, "utf8");
    bytes(0x58, ...le(encoded.length, 4)); // BINUNICODE
    for (const byte of encoded) out.push(byte);
    put();
  };
  const integer = (value: number): void => {
    if (value <= 0xff) bytes(0x4b, value); // BININT1
    else if (value <= 0xffff) bytes(0x4d, ...le(value, 2)); // BININT2
    else if (value <= 0x7fffffff) bytes(0x4a, ...le(value, 4)); // BININT
    // More elements than this is more than 4 GiB of data, refused by the zip writer anyway.
    else throw new GapfillError("tensor-too-large", `torch.save: ${value} elements is past what this writer supports`);
  };
  const pair = (first: number, second: number): void => {
    integer(first);
    integer(second);
    bytes(0x86); // TUPLE2
    put();
  };

  bytes(0x80, 2); // PROTO 2
  global("torch._utils", "_rebuild_tensor_v2");
  bytes(0x28); // MARK: the argument tuple
  bytes(0x28); // MARK: the persistent id tuple
  unicode("storage");
  global("torch", storageClass);
  unicode("0");
  unicode("cpu");
  integer(rows * cols);
  bytes(0x74); // TUPLE
  put();
  bytes(0x51); // BINPERSID
  integer(0); // storage offset
  pair(rows, cols); // size
  pair(cols, 1); // stride (contiguous)
  bytes(0x89); // NEWFALSE: requires_grad
  global("collections", "OrderedDict"); // backward hooks: OrderedDict()
  bytes(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  put();
  bytes(0x74); // TUPLE
  put();
  bytes(0x52); // REDUCE
  put();
  bytes(0x2e); // STOP
  return new Uint8Array(out);
}

/** Little-endian bytes of a non-negative integer below 2^53. */
function le(value: number, width: number): number[] {
  const result: number[] = [];
  let rest = value;
  for (let index = 0; index < width; index += 1) {
    result.push(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return result;
}

// ---------------------------------------------------------------- zip, as PyTorch's miniz writes it

const ALIGNMENT = 64;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const DESCRIPTOR = 16;
/** General purpose flags miniz sets: bit 3 (sizes in a data descriptor), bit 11 (UTF-8 names). */
const FLAGS = 0x0808;

function alignedZip(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const layout = entries.map((entry) => ({ ...entry, nameBytes: Buffer.from(entry.name, "utf8"), crc: crc32(entry.data), offset: 0, padding: 0 }));
  let cursor = 0;
  for (const entry of layout) {
    entry.offset = cursor;
    const dataStart = cursor + LOCAL_HEADER + entry.nameBytes.length + 4;
    entry.padding = (ALIGNMENT - (dataStart % ALIGNMENT)) % ALIGNMENT;
    cursor = dataStart + entry.padding + entry.data.length + DESCRIPTOR;
  }
  const centralOffset = cursor;
  const centralSize = layout.reduce((sum, entry) => sum + CENTRAL_HEADER + entry.nameBytes.length, 0);
  if (centralOffset + centralSize >= 0xffffffff) {
    // Torch would switch to zip64 local fields here; prompt embeddings never come close.
    throw new GapfillError("tensor-too-large", `torch.save: ${centralOffset} bytes is past what this writer supports (4 GiB)`);
  }
  const total = centralOffset + centralSize + 56 + 20 + 22;
  const buffer = new Uint8Array(total);
  const view = new DataView(buffer.buffer);
  let at = 0;
  const u16 = (value: number): void => {
    view.setUint16(at, value, true);
    at += 2;
  };
  const u32 = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  const u64 = (value: number): void => {
    view.setBigUint64(at, BigInt(value), true);
    at += 8;
  };
  const raw = (data: Uint8Array): void => {
    buffer.set(data, at);
    at += data.length;
  };

  for (const entry of layout) {
    // Local header: crc and sizes are zero here, given in the descriptor after the data.
    u32(0x04034b50);
    u16(0); // version needed
    u16(FLAGS);
    u16(0); // stored
    u16(0); // time
    u16(0); // date
    u32(0);
    u32(0);
    u32(0);
    u16(entry.nameBytes.length);
    u16(4 + entry.padding);
    raw(entry.nameBytes);
    buffer.set([0x46, 0x42], at); // "FB": PyTorch's padding field id
    at += 2;
    u16(entry.padding);
    buffer.fill(0x5a, at, at + entry.padding); // 'Z'
    at += entry.padding;
    raw(entry.data);
    u32(0x08074b50);
    u32(entry.crc);
    u32(entry.data.length);
    u32(entry.data.length);
  }
  for (const entry of layout) {
    u32(0x02014b50);
    u16(0); // version made by
    u16(0); // version needed
    u16(FLAGS);
    u16(0);
    u16(0);
    u16(0);
    u32(entry.crc);
    u32(entry.data.length);
    u32(entry.data.length);
    u16(entry.nameBytes.length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk
    u16(0); // internal attributes
    u32(0); // external attributes
    u32(entry.offset);
    raw(entry.nameBytes);
  }
  const zip64End = at;
  u32(0x06064b50); // zip64 end of central directory record
  u64(44);
  u16(0x031e); // made by: unix, spec 3.0
  u16(45); // needed: zip64
  u32(0);
  u32(0);
  u64(layout.length);
  u64(layout.length);
  u64(centralSize);
  u64(centralOffset);
  u32(0x07064b50); // zip64 locator
  u32(0);
  u64(zip64End);
  u32(1);
  u32(0x06054b50); // end of central directory
  u16(0);
  u16(0);
  u16(layout.length);
  u16(layout.length);
  u32(centralSize);
  u32(centralOffset);
  u16(0);
  return buffer;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, reflected, as zip uses). Node 20's zlib has no crc32 before 20.15. */
export function crc32(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let index = 0; index < data.length; index += 1) crc = crcTable[(crc ^ data[index]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
