import { GapfillError } from "../../core/errors.js";
import type { Matrix } from "../../core/engine.js";
import { alignedZip } from "./torch-save-zip.js";

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
