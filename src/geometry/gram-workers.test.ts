import { describe, expect, it } from "vitest";
import { accumulateCenteredGram, gramScratch, projectBlock } from "./dense-kernels.js";
import { startGramThreads, gramThreadCount } from "./gram-workers.js";
import { sharedCopy } from "./knn-workers.js";
import { pca, pcaInWorkers } from "./pca.js";
import { createGaussian, createRandom } from "./random.js";
import { plantedDirection, cosine } from "./test-data.js";
import { truncatedSvdDense, truncatedSvdDenseInWorkers } from "./truncated-svd.js";
import { setSimdKernels } from "./wasm/simd-kernels.js";

function gaussianMatrix(rows: number, cols: number, seed: number): Float32Array {
  const gaussian = createGaussian(createRandom(seed));
  return Float32Array.from({ length: rows * cols }, () => gaussian() + 0.5);
}

/** The inputs of one pass: a column mean, a random basis and μᵀZ. */
function passInputs(data: Float32Array, rows: number, cols: number, width: number) {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c] / rows;
  const gaussian = createGaussian(createRandom(11));
  const basis = Float64Array.from({ length: cols * width }, () => gaussian());
  const meanBasis = new Float64Array(width);
  for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
  return { mean, basis, meanBasis };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(relative * scale);
}

describe("startGramThreads", () => {
  // The float64 JavaScript kernel agrees with the naive answer to rounding; the SIMD one (float32 products) to 1e-6.
  it.each([
    { kernel: "JavaScript", simd: false, tolerance: 1e-12 },
    { kernel: "WebAssembly SIMD", simd: true, tolerance: 1e-6 },
  ])("sums the pieces to the single-thread and the naive answer, to the same bits on 1, 2 or 3 threads ($kernel)", async ({ simd, tolerance }) => {
    const previous = setSimdKernels(simd);
    try {
      await piecesAgree(tolerance);
    } finally {
      setSimdKernels(previous);
    }
  });

  async function piecesAgree(tolerance: number): Promise<void> {
    // 1,003 rows in blocks of 250 and 753: several 256-row pieces, uneven, crossing the kernel's 32-row panels.
    const rows = 1003, cols = 17, width = 5;
    const data = gaussianMatrix(rows, cols, 5);
    const { mean, basis, meanBasis } = passInputs(data, rows, cols, width);
    const single = new Float64Array(cols * width);
    const singleSums = new Float64Array(width);
    const singleSquares = accumulateCenteredGram(data, rows, cols, mean, basis, width, meanBasis, single, singleSums, gramScratch(width), true);
    // Naive known answer: W = (X − 1μᵀ)ᵀ(X − 1μᵀ)Z.
    const naive = new Float64Array(cols * width);
    let naiveSquares = 0;
    for (let r = 0; r < rows; r++) {
      const t = new Float64Array(width);
      for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) t[j] += (data[r * cols + c] - mean[c]) * basis[c * width + j];
      for (let c = 0; c < cols; c++) {
        naiveSquares += (data[r * cols + c] - mean[c]) ** 2;
        for (let j = 0; j < width; j++) naive[c * width + j] += (data[r * cols + c] - mean[c]) * t[j];
      }
    }
    for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) single[c * width + j] -= mean[c] * singleSums[j];
    expectClose(single, naive, tolerance);

    const answers: number[][] = [];
    for (const threadCount of [1, 2, 3]) {
      const threads = startGramThreads(threadCount);
      try {
        expect(threads.threads).toBe(threadCount);
        const pass = threads.beginPass({ cols, mean, basis, width, meanBasis, wantSquares: true, final: false });
        await pass.add({ data: data.subarray(0, 250 * cols), rows: 250 });
        await pass.add({ data: data.subarray(250 * cols), rows: rows - 250 });
        const sums = pass.finish();
        const product = Float64Array.from(sums.product);
        for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) product[c * width + j] -= mean[c] * sums.centeringSums[j];
        expectClose(product, single, tolerance);
        expectClose(product, naive, tolerance);
        expect(Math.abs(sums.squares - singleSquares) / singleSquares).toBeLessThan(tolerance);
        expect(Math.abs(sums.squares - naiveSquares) / naiveSquares).toBeLessThan(tolerance);
        expect(sums.smallGram).toBeNull();
        answers.push([...sums.product, ...sums.centeringSums, sums.squares]);

        // The final pass, fed a block already in shared memory (read in place): only ZᵀGZ.
        const small = new Float64Array(width * width);
        accumulateCenteredGram(data, rows, cols, mean, basis, width, meanBasis, new Float64Array(0), new Float64Array(width), gramScratch(width), false, small);
        const finalPass = threads.beginPass({ cols, mean, basis, width, meanBasis, wantSquares: false, final: true });
        await finalPass.add({ data: sharedCopy(data), rows });
        const finalSums = finalPass.finish();
        expect(finalSums.product.length).toBe(0);
        expectClose(finalSums.smallGram as Float64Array, small, tolerance);
        expect(finalSums.squares).toBe(0);
      } finally {
        await threads.close();
      }
    }
    // Pieces are added in piece order whoever computed them: the same bits on any thread count.
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  }

  it.each([
    { kernel: "JavaScript", simd: false },
    { kernel: "WebAssembly SIMD", simd: true },
  ])("projects every row on 1, 2 or 3 threads to the bits of projectBlock over the whole matrix ($kernel)", async ({ simd }) => {
    const previous = setSimdKernels(simd);
    try {
      // 1,100 rows in blocks of 700 and 400 (not shared: copied piece by piece for the workers).
      const rows = 1100, cols = 23, k = 3;
      const data = gaussianMatrix(rows, cols, 8);
      const gaussian = createGaussian(createRandom(12));
      const components = Float64Array.from({ length: k * cols }, () => gaussian());
      const mean = Float64Array.from({ length: cols }, () => 0.5);
      const meanProjection = new Float64Array(k);
      for (let t = 0; t < k; t++) for (let c = 0; c < cols; c++) meanProjection[t] += mean[c] * components[t * cols + c];
      const expected = new Float64Array(rows * k);
      projectBlock(data, rows, cols, mean, components, k, meanProjection, expected, 0);
      expect(expected.some((value) => value === 0)).toBe(false);
      for (const threadCount of [1, 2, 3]) {
        const threads = startGramThreads(threadCount);
        try {
          const out = new Float64Array(new SharedArrayBuffer(rows * k * Float64Array.BYTES_PER_ELEMENT));
          const pass = threads.beginProjection({ cols, mean, components, k, meanProjection, out });
          await pass.add({ data: data.subarray(0, 700 * cols), rows: 700 });
          await pass.add({ data: data.subarray(700 * cols), rows: rows - 700 });
          pass.finish();
          expect(Array.from(out)).toEqual(Array.from(expected));
          if (threadCount > 1) expect(() => threads.beginProjection({ cols, mean, components, k, meanProjection, out: new Float64Array(rows * k) })).toThrow(/shared memory/);
        } finally {
          await threads.close();
        }
      }
    } finally {
      setSimdKernels(previous);
    }
  });

  it("frees the caller's block buffer once add resolves, though the workers may still be on their copy", async () => {
    // A file source reuses one buffer: poisoning it after each add must not reach the sums.
    const rows = 4000, cols = 32, width = 4, blockRows = 1000;
    const data = gaussianMatrix(rows, cols, 21);
    const { mean, basis, meanBasis } = passInputs(data, rows, cols, width);
    const expected = new Float64Array(cols * width);
    const expectedSums = new Float64Array(width);
    accumulateCenteredGram(data, rows, cols, mean, basis, width, meanBasis, expected, expectedSums, gramScratch(width), false);
    const threads = startGramThreads(2);
    try {
      const pass = threads.beginPass({ cols, mean, basis, width, meanBasis, wantSquares: false, final: false });
      const buffer = new Float32Array(blockRows * cols);
      for (let first = 0; first < rows; first += blockRows) {
        buffer.set(data.subarray(first * cols, (first + blockRows) * cols));
        await pass.add({ data: buffer, rows: blockRows });
        buffer.fill(Number.NaN);
      }
      const sums = pass.finish();
      expect(sums.product.every(Number.isFinite)).toBe(true);
      const centered = (product: Float64Array, sums: Float64Array) => product.map((value, i) => value - mean[Math.floor(i / width)] * sums[i % width]);
      // Pieces regroup the float32 panel sums: equal up to rounding.
      expectClose(centered(sums.product, sums.centeringSums), centered(expected, expectedSums), 1e-6);
    } finally {
      await threads.close();
    }
  });

  it("keeps small problems on the calling thread", () => {
    expect(gramThreadCount(1000, 64, 8, { threads: 2 })).toBe(1);
    expect(gramThreadCount(50_000, 768, 8, { threads: 2 })).toBe(2);
    expect(gramThreadCount(1000, 64, 8, { threads: 4, minWork: 0 })).toBe(4);
  });
});

describe("pcaInWorkers and truncatedSvdDenseInWorkers", () => {
  it("agree with the one-thread fits up to rounding, recover a planted direction, and repeat to the bit", async () => {
    const rows = 3000, cols = 48;
    const { data, direction } = plantedDirection(rows, cols, { offset: 2, seed: 9 });
    const one = pca(data, rows, cols, 2, { seed: 1 });
    const two = await pcaInWorkers(data, rows, cols, 2, { seed: 1, threads: 2, minWork: 0 });
    for (let t = 0; t < 2; t++) {
      expect(cosine(two.components.subarray(t * cols, (t + 1) * cols), one.components.subarray(t * cols, (t + 1) * cols))).toBeGreaterThan(1 - 1e-9);
    }
    expect(Math.abs(cosine(two.components.subarray(0, cols), direction))).toBeGreaterThan(0.99);
    expectClose(two.explainedVariance, one.explainedVariance, 1e-9);
    expectClose(two.explainedVarianceRatio, one.explainedVarianceRatio, 1e-9);
    expectClose(two.mean, one.mean, 0);
    const again = await pcaInWorkers(data, rows, cols, 2, { seed: 1, threads: 2, minWork: 0 });
    expect(Array.from(again.components)).toEqual(Array.from(two.components));

    const svdOne = truncatedSvdDense(data, rows, cols, 2, { seed: 1 });
    const svdTwo = await truncatedSvdDenseInWorkers(data, rows, cols, 2, { seed: 1, threads: 3, minWork: 0 });
    for (let t = 0; t < 2; t++) {
      expect(cosine(svdTwo.components.subarray(t * cols, (t + 1) * cols), svdOne.components.subarray(t * cols, (t + 1) * cols))).toBeGreaterThan(1 - 1e-9);
    }
    expectClose(svdTwo.singularValues, svdOne.singularValues, 1e-9);
  });
});
