import { describe, expect, it } from "vitest";
import { knnDensity, knnDensityInWorkers, knnDensityStreaming } from "./knn-density.js";
import { kthNeighbourRange } from "./knn-kernel.js";
import { kthNeighbourDistancesInWorkers } from "./knn-workers.js";
import { denseRowSource } from "./matrix.js";
import { createGaussian, createRandom, sampleIndices } from "./random.js";
import { setSimdKernels } from "./wasm/simd-kernels.js";

function gaussianMatrix(rows: number, cols: number, seed: number): Float32Array {
  const gaussian = createGaussian(createRandom(seed));
  return Float32Array.from({ length: rows * cols }, () => gaussian());
}

function singleThread(data: Float32Array, rows: number, cols: number, reference: Uint32Array, k: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) norms[i] += data[i * cols + c] ** 2;
  const out = new Float64Array(rows);
  kthNeighbourRange(data, cols, norms, reference, k, 0, rows, out);
  return out;
}

describe("kthNeighbourDistancesInWorkers", () => {
  it.each([
    { kernel: "JavaScript", simd: false },
    { kernel: "WebAssembly SIMD", simd: true },
  ])("splits the rows over worker threads and gives the single-thread answer to the bit, for any thread count ($kernel)", async ({ simd }) => {
    const previous = setSimdKernels(simd);
    try {
      // 1,001 rows: the ranges are uneven and cross the kernel's 64-row blocks.
      const rows = 1001;
      const cols = 13;
      const data = gaussianMatrix(rows, cols, 3);
      const reference = sampleIndices(createRandom(4), rows, 300);
      const expected = singleThread(data, rows, cols, reference, 5);
      for (const threads of [2, 3]) {
        const kth = await kthNeighbourDistancesInWorkers(data, rows, cols, reference, 5, { threads, minWork: 0 });
        expect(kth.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(Array.from(kth)).toEqual(Array.from(expected));
      }
      // Every row got a finite distance: no range was left to its zero fill.
      expect(expected.every((d) => d > 0 && Number.isFinite(d))).toBe(true);
    } finally {
      setSimdKernels(previous);
    }
  });
});

describe("knnDensityInWorkers and knnDensityStreaming", () => {
  it("agree with knnDensity on the exact and the approximate path", async () => {
    const rows = 900;
    const cols = 40;
    const data = gaussianMatrix(rows, cols, 7);
    const exact = knnDensity(data, rows, cols, { k: 6 });
    const exactInWorkers = await knnDensityInWorkers(data, rows, cols, { k: 6, threads: 2 });
    expect(exactInWorkers.method).toBe("exact");
    expect(Array.from(exactInWorkers.kthDistance)).toEqual(Array.from(exact.kthDistance));
    const approximateOptions = { k: 6, exactBudget: 0, projectDims: 8, referenceSize: 200, seed: 2, threads: 2 };
    const approximate = knnDensity(data, rows, cols, approximateOptions);
    expect(approximate.method).toBe("approximate");
    expect(Array.from((await knnDensityInWorkers(data, rows, cols, approximateOptions)).kthDistance)).toEqual(Array.from(approximate.kthDistance));
    const streamed = await knnDensityStreaming(denseRowSource(data, rows, cols, 128), approximateOptions);
    expect(Array.from(streamed.kthDistance)).toEqual(Array.from(approximate.kthDistance));
  });
});
