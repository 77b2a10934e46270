import { describe, expect, it } from "vitest";
import {
  accumulateCenteredGram,
  accumulateCenteredGramJs,
  accumulateColumnMoments,
  accumulateColumnMomentsJs,
  gramScratch,
  projectBlock,
  projectBlockJs,
} from "../dense-kernels.js";
import { kthNeighbourRange, kthNeighbourRangeJs } from "../knn-kernel.js";
import { createGaussian, createRandom, sampleIndices } from "../random.js";
import { setSimdKernels, simdKernels } from "./simd-kernels.js";

function matrix(rows: number, cols: number, seed: number, offset: number): Float32Array {
  const gaussian = createGaussian(createRandom(seed));
  return Float32Array.from({ length: rows * cols }, () => gaussian() + offset);
}

/** Largest |a − b| over the largest |b|. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0, error = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    error = Math.max(error, Math.abs(actual[i] - expected[i]));
  }
  return error / scale;
}

describe("the WebAssembly SIMD kernels", () => {
  it("are available on this runtime and on by default", () => {
    expect(simdKernels()).not.toBeNull();
  });

  it("accumulateCenteredGram agrees with the float64 JavaScript kernel to 1e-6, for odd shapes and a large mean", () => {
    // cols 1 mod 4 and width 9: every padded tail; 70 rows: two full panels and a part; mean 20× the spread.
    for (const [rows, cols, width] of [[70, 17, 9], [131, 64, 8], [5, 3, 2]]) {
      const data = matrix(rows, cols, rows, 20);
      const mean = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c] / rows;
      const gaussian = createGaussian(createRandom(3));
      const basis = Float64Array.from({ length: cols * width }, () => gaussian());
      const meanBasis = new Float64Array(width);
      for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
      const run = (kernel: typeof accumulateCenteredGramJs, small: boolean) => {
        const product = new Float64Array(small ? 0 : cols * width).fill(small ? 0 : 1);
        const sums = new Float64Array(width);
        const smallGram = small ? new Float64Array(width * width) : null;
        const squares = kernel(data, rows, cols, mean, basis, width, meanBasis, product, sums, gramScratch(width), true, smallGram);
        // The centered product, as the callers form it.
        for (let c = 0; c < (small ? 0 : cols); c++) for (let j = 0; j < width; j++) product[c * width + j] -= mean[c] * sums[j];
        return { product, sums, squares, smallGram };
      };
      const previous = setSimdKernels(true);
      try {
        const simd = run(accumulateCenteredGram, false);
        const js = run(accumulateCenteredGramJs, false);
        expect(relativeError(simd.product, js.product)).toBeLessThan(1e-6);
        // Σt is near zero on centered data; the SIMD rows are centered by μ rounded to float32
        // (|δμ| ≤ 20 · 6e-8), which moves Σt by up to rows · Σ_c |δμ_c| |z_cj|.
        for (let j = 0; j < width; j++) expect(Math.abs(simd.sums[j] - js.sums[j])).toBeLessThan(rows * 20 * 6e-8 * 4 * cols);
        expect(Math.abs(simd.squares - js.squares) / js.squares).toBeLessThan(1e-6);
        const simdSmall = run(accumulateCenteredGram, true);
        const jsSmall = run(accumulateCenteredGramJs, true);
        expect(relativeError(simdSmall.smallGram!, jsSmall.smallGram!)).toBeLessThan(1e-6);
        // The switch: off, the exported function is the JavaScript kernel to the bit.
        setSimdKernels(false);
        expect(Array.from(run(accumulateCenteredGram, false).product)).toEqual(Array.from(js.product));
      } finally {
        setSimdKernels(previous);
      }
    }
  });

  it("accumulateColumnMoments gives the JavaScript column sums to the bit and Σ‖x‖² to rounding", () => {
    for (const [rows, cols] of [[150, 21], [64, 8]]) {
      const data = matrix(rows, cols, cols, 7);
      const simdSums = Float64Array.from({ length: cols }, (_, c) => c);
      const jsSums = Float64Array.from({ length: cols }, (_, c) => c);
      const simdSquares = accumulateColumnMoments(data, rows, cols, simdSums);
      const jsSquares = accumulateColumnMomentsJs(data, rows, cols, jsSums);
      expect(Array.from(simdSums)).toEqual(Array.from(jsSums));
      expect(simdSquares).not.toBe(0);
      expect(Math.abs(simdSquares - jsSquares) / jsSquares).toBeLessThan(1e-13);
    }
  });

  it("projectBlock agrees with the JavaScript kernel, centered or not, at an output offset", () => {
    const rows = 37, cols = 50, k = 5;
    const data = matrix(rows, cols, 9, 3);
    const gaussian = createGaussian(createRandom(10));
    const components = Float64Array.from({ length: k * cols }, () => gaussian());
    const mean = Float64Array.from({ length: cols }, () => 3 + gaussian() * 0.1);
    const meanProjection = new Float64Array(k);
    for (let t = 0; t < k; t++) for (let c = 0; c < cols; c++) meanProjection[t] += mean[c] * components[t * cols + c];
    for (const centre of [mean, null]) {
      const simd = new Float64Array(2 + rows * k);
      const js = new Float64Array(2 + rows * k);
      projectBlock(data, rows, cols, centre, components, k, meanProjection, simd, 2);
      projectBlockJs(data, rows, cols, centre, components, k, meanProjection, js, 2);
      expect(simd[0]).toBe(0);
      expect(relativeError(simd, js)).toBeLessThan(2e-6);
    }
  });

  it("kthNeighbourRange agrees with the JavaScript kernel and skips each query's own row", () => {
    const rows = 300, cols = 13, k = 4;
    const data = matrix(rows, cols, 12, 0.5);
    const norms = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) norms[i] += data[i * cols + c] ** 2;
    const reference = sampleIndices(createRandom(13), rows, 120);
    const simd = new Float64Array(rows);
    const js = new Float64Array(rows);
    // A range that starts mid-block and ends in a partial 16-query tile.
    kthNeighbourRange(data, cols, norms, reference, k, 5, 290, simd);
    kthNeighbourRangeJs(data, cols, norms, reference, k, 5, 290, js);
    expect(simd[0]).toBe(0);
    expect(simd[295]).toBe(0);
    expect(relativeError(simd.subarray(5, 290), js.subarray(5, 290))).toBeLessThan(1e-5);
    // Duplicated rows: distance 0 to the copy, never to itself.
    const twins = new Float32Array([1, 2, 1, 2, 5, 5]);
    const twinsOut = new Float64Array(3);
    kthNeighbourRange(twins, 2, new Float64Array([5, 5, 50]), Uint32Array.from([0, 1, 2]), 1, 0, 3, twinsOut);
    expect(Array.from(twinsOut)).toEqual([0, 0, 5]);
  });
});
