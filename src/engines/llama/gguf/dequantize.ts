import { bfloat16ToFloat, halfToFloat } from "./float16.js";
import { GGML_BLOCK, GgmlType } from "./gguf-types.js";

/** ggml types this TypeScript dequantizer handles; others go through ggml's own `to_float`. */
export const TS_DEQUANTIZABLE: ReadonlySet<number> = new Set([
  GgmlType.F32,
  GgmlType.F16,
  GgmlType.BF16,
  GgmlType.Q8_0,
  GgmlType.Q4_0,
]);

/**
 * Dequantize `count` values of ggml type `type` from `bytes` (which must start on a block
 * boundary) into `out` at `outOffset`. Throws RangeError for a type outside TS_DEQUANTIZABLE.
 */
export function dequantize(type: number, bytes: Uint8Array, count: number, out: Float32Array, outOffset = 0): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case GgmlType.F32:
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(i * 4, true);
      return;
    case GgmlType.F16:
      for (let i = 0; i < count; i++) out[outOffset + i] = halfToFloat(view.getUint16(i * 2, true));
      return;
    case GgmlType.BF16:
      for (let i = 0; i < count; i++) out[outOffset + i] = bfloat16ToFloat(view.getUint16(i * 2, true));
      return;
    case GgmlType.Q8_0:
      for (let b = 0; b < count / 32; b++) {
        const d = halfToFloat(view.getUint16(b * 34, true));
        for (let j = 0; j < 32; j++) out[outOffset + b * 32 + j] = view.getInt8(b * 34 + 2 + j) * d;
      }
      return;
    case GgmlType.Q4_0:
      for (let b = 0; b < count / 32; b++) {
        const d = halfToFloat(view.getUint16(b * 18, true));
        for (let j = 0; j < 16; j++) {
          const packed = bytes[b * 18 + 2 + j];
          out[outOffset + b * 32 + j] = ((packed & 0x0f) - 8) * d;
          out[outOffset + b * 32 + j + 16] = ((packed >> 4) - 8) * d;
        }
      }
      return;
    default:
      throw new RangeError(`no TypeScript dequantizer for ggml type ${GGML_BLOCK[type]?.name ?? type}`);
  }
}
