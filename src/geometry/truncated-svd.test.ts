import { describe, expect, it } from "vitest";
import { symmetricEigen } from "./linear-algebra.js";
import { createRandom } from "./random.js";
import type { CsrMatrix } from "./truncated-svd.js";
import { denseRowSource } from "./matrix.js";
import { projectSvdDense, projectSvdSparse, projectSvdStreaming, truncatedSvd, truncatedSvdDense, truncatedSvdFitTransform, truncatedSvdStreaming } from "./truncated-svd.js";

/** A random sparse matrix with a dominant block structure, in CSR and dense form. */
function sparseCase(rows: number, cols: number) {
  const random = createRandom(8);
  const dense = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (random() < 0.15) dense[r * cols + c] = random() + ((r % 3) === (c % 3) ? 2 : 0);
    }
  }
  const indptr = new Uint32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (dense[r * cols + c] !== 0) {
      indices.push(c);
      values.push(dense[r * cols + c]);
    }
    indptr[r + 1] = indices.length;
  }
  const csr: CsrMatrix = { rows, cols, indptr, indices: Uint32Array.from(indices), values: Float64Array.from(values) };
  return { dense, csr };
}

describe("truncatedSvd", () => {
  it("sparse and dense agree with the exact singular values", () => {
    const rows = 120, cols = 30;
    const { dense, csr } = sparseCase(rows, cols);
    const gram = new Float64Array(cols * cols);
    for (let r = 0; r < rows; r++) for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) gram[a * cols + b] += dense[r * cols + a] * dense[r * cols + b];
    const exact = symmetricEigen(gram, cols);
    const sparse = truncatedSvd(csr, 3, { seed: 1, iterations: 6 });
    const full = truncatedSvdDense(dense, rows, cols, 3, { seed: 1, iterations: 6 });
    for (let t = 0; t < 3; t++) {
      // The three block directions have close singular values, so the randomized estimate is good to ~1e-3.
      expect(Math.abs(sparse.singularValues[t] - Math.sqrt(exact.values[t])) / Math.sqrt(exact.values[t])).toBeLessThan(2e-3);
      expect(full.singularValues[t]).toBeCloseTo(sparse.singularValues[t], 5);
    }
    const a = projectSvdSparse(sparse, csr);
    const b = projectSvdDense(full, dense, rows, cols);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
  });

  it("names a broken CSR matrix", () => {
    const bad: CsrMatrix = { rows: 1, cols: 2, indptr: Uint32Array.from([0, 1]), indices: Uint32Array.from([5]), values: Float64Array.from([1]) };
    expect(() => truncatedSvd(bad, 1)).toThrow(/column index 5 at entry 0/);
    expect(() => truncatedSvd({ ...bad, indptr: Uint32Array.from([0]) }, 1)).toThrow(/indptr has 1 entries/);
  });

  it("streamed in row blocks gives the in-memory model and coordinates", async () => {
    const rows = 90, cols = 24;
    const { dense } = sparseCase(rows, cols);
    const data = Float32Array.from(dense);
    const full = truncatedSvdDense(data, rows, cols, 2, { seed: 3 });
    // Blocks of 7 rows: the last block is short, as it is when a file is read in blocks.
    const source = { rows, cols, async *blocks() { yield* denseRowSource(data, rows, cols, 7).blocks(); } };
    const streamed = await truncatedSvdStreaming(source, 2, { seed: 3 });
    for (let i = 0; i < full.components.length; i++) expect(streamed.components[i]).toBeCloseTo(full.components[i], 6);
    const points = await projectSvdStreaming(streamed, source);
    const expected = projectSvdDense(full, data, rows, cols);
    for (let i = 0; i < expected.length; i++) expect(points[i]).toBeCloseTo(expected[i], 4);
    // Fit and coordinates in the same passes, on one thread and on worker threads.
    for (const threads of [1, 2]) {
      const fit = await truncatedSvdFitTransform(source, 2, { seed: 3, threads, minWork: 0 });
      for (let i = 0; i < full.components.length; i++) expect(fit.model.components[i]).toBeCloseTo(full.components[i], 6);
      for (let i = 0; i < expected.length; i++) expect(fit.points[i]).toBeCloseTo(expected[i], 4);
    }
  });
});
