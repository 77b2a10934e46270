import { floatToHalf } from "./float16.js";

/**
 * Reference quantizers for the two simplest ggml block formats, following ggml's
 * `quantize_row_q8_0_ref` / `quantize_row_q4_0_ref` so that a model written here decodes in
 * llama.cpp to the same values our dequantizer produces. Input length must be a multiple of 32.
 */

const QK = 32;

function checkLength(values: Float32Array, format: string): void {
  if (values.length % QK !== 0) throw new RangeError(`${format} needs a multiple of ${QK} values, got ${values.length}`);
}

/** Q8_0: per 32 values, a half scale `d = max|x| / 127` then 32 signed bytes. */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  checkLength(values, "Q8_0");
  const blocks = values.length / QK;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(values[b * QK + j]));
    const d = amax / 127;
    const inverse = d ? 1 / d : 0;
    view.setUint16(b * 34, floatToHalf(d), true);
    for (let j = 0; j < QK; j++) {
      // C roundf: halves away from zero.
      const scaled = Math.fround(values[b * QK + j] * inverse);
      view.setInt8(b * 34 + 2 + j, Math.sign(scaled) * Math.round(Math.abs(scaled)));
    }
  }
  return out;
}

/** Q4_0: per 32 values, a half scale `d = max / -8` (max = the value of largest magnitude) and 16 bytes of nibbles. */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  checkLength(values, "Q4_0");
  const blocks = values.length / QK;
  const out = new Uint8Array(blocks * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = values[b * QK + j];
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const inverse = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * 18, floatToHalf(d), true);
    for (let j = 0; j < QK / 2; j++) {
      const lo = Math.min(15, Math.trunc(Math.fround(values[b * QK + j] * inverse) + 8.5));
      const hi = Math.min(15, Math.trunc(Math.fround(values[b * QK + j + QK / 2] * inverse) + 8.5));
      out[b * 18 + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

/** F16: two bytes per value. */
export function quantizeF16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, floatToHalf(values[i]), true);
  return out;
}
