import { describe, expect, it } from "vitest";
import { seededNormal } from "../../../../test/support/tiny-gguf.js";
import { dequantize } from "./dequantize.js";
import { bfloat16ToFloat, floatToHalf, halfToFloat } from "./float16.js";
import { GgmlType } from "./gguf-types.js";
import { quantizeF16, quantizeQ4_0, quantizeQ8_0 } from "./quantize.js";

function randomValues(n: number, seed: number): Float32Array {
  const normal = seededNormal(seed);
  return Float32Array.from({ length: n }, () => normal());
}

describe("half floats", () => {
  it("encodes known values exactly", () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00); // overflow → infinity
    expect(floatToHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
  });

  it("rounds to nearest even and round-trips every finite half", () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (let bits = 0; bits < 0x7c00; bits += 7) expect(floatToHalf(halfToFloat(bits))).toBe(bits);
  });
});

describe("block quantization", () => {
  it("Q8_0 round-trips within half a quantization step (plus the half-precision rounding of the scale)", () => {
    const values = randomValues(256, 3);
    const out = new Float32Array(values.length);
    dequantize(GgmlType.Q8_0, quantizeQ8_0(values), values.length, out);
    for (let b = 0; b < 8; b++) {
      const block = values.subarray(b * 32, b * 32 + 32);
      const step = Math.max(...block.map(Math.abs)) / 127;
      for (let j = 0; j < 32; j++) expect(Math.abs(out[b * 32 + j] - block[j])).toBeLessThanOrEqual(step * (0.5 + 127 * 2 ** -11) + 1e-7);
    }
  });

  it("Q4_0 keeps each value within one step and the block's largest value nearly exact", () => {
    const values = randomValues(64, 4);
    const out = new Float32Array(values.length);
    dequantize(GgmlType.Q4_0, quantizeQ4_0(values), values.length, out);
    for (let b = 0; b < 2; b++) {
      const block = Array.from(values.subarray(b * 32, b * 32 + 32));
      const step = Math.max(...block.map(Math.abs)) / 8;
      block.forEach((v, j) => expect(Math.abs(out[b * 32 + j] - v)).toBeLessThanOrEqual(step + 1e-6));
    }
  });

  it("F16 dequantizes to the nearest half", () => {
    const values = Float32Array.from([0.1, -3.25, 1000.5]);
    const out = new Float32Array(3);
    dequantize(GgmlType.F16, quantizeF16(values), 3, out);
    expect(Array.from(out)).toEqual([halfToFloat(floatToHalf(0.1)), -3.25, 1000.5]);
  });

  it("refuses lengths that are not whole blocks and types it does not know", () => {
    expect(() => quantizeQ8_0(new Float32Array(33))).toThrow(/multiple of 32/);
    expect(() => dequantize(GgmlType.Q4_K, new Uint8Array(144), 256, new Float32Array(256))).toThrow(/Q4_K/);
  });
});
