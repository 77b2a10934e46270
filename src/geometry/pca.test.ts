import { describe, expect, it } from "vitest";
import { symmetricEigen } from "./linear-algebra.js";
import type { RowBlock } from "./matrix.js";
import { pca, pcaFitTransform, pcaStreaming, projectPca, projectPcaStreaming } from "./pca.js";
import { denseRowSource } from "./matrix.js";
import { plantedDirection, cosine } from "./test-data.js";

/** Exact covariance eigenvectors for small data, as the reference answer. */
function exactPca(data: Float32Array, rows: number, cols: number) {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c] / rows;
  const cov = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < cols; a++) {
      const da = data[r * cols + a] - mean[a];
      for (let b = 0; b < cols; b++) cov[a * cols + b] += (da * (data[r * cols + b] - mean[b])) / (rows - 1);
    }
  }
  return symmetricEigen(cov, cols);
}

describe("pca", () => {
  it("recovers a planted principal direction", () => {
    const rows = 2000, cols = 64;
    const { data, direction } = plantedDirection(rows, cols, { offset: 3 });
    const model = pca(data, rows, cols, 2);
    expect(Math.abs(cosine(model.components.subarray(0, cols), direction))).toBeGreaterThan(0.99);
    expect(model.explainedVarianceRatio[0]).toBeGreaterThan(0.5);
    expect(model.mean[0]).toBeCloseTo(3, 0);
  });

  it("matches the exact covariance eigenvectors and variances", () => {
    const rows = 600, cols = 12;
    const { data } = plantedDirection(rows, cols, { signal: 3, noise: 1, seed: 3 });
    // Distinct scales per column keep the eigenvalues apart, so each axis is well defined.
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] *= 1 + 0.3 * (cols - c);
    const exact = exactPca(data, rows, cols);
    const model = pca(data, rows, cols, 3);
    let total = 0;
    for (let i = 0; i < cols; i++) total += exact.values[i];
    for (let t = 0; t < 3; t++) {
      const exactVector = Array.from({ length: cols }, (_, c) => exact.vectors[c * cols + t]);
      expect(Math.abs(cosine(model.components.subarray(t * cols, (t + 1) * cols), exactVector))).toBeGreaterThan(0.9999);
      // Randomized: eigenvalues to a relative 1e-4, not to machine precision.
      expect(Math.abs(model.explainedVariance[t] - exact.values[t]) / exact.values[t]).toBeLessThan(1e-4);
      expect(Math.abs(model.explainedVarianceRatio[t] - exact.values[t] / total) / (exact.values[t] / total)).toBeLessThan(1e-4);
    }
  });

  it("keeps the midpoint property: the midpoint projects to the midpoint of projections", () => {
    const rows = 500, cols = 40;
    const { data } = plantedDirection(rows, cols, { seed: 9 });
    const model = pca(data, rows, cols, 2);
    const projected = projectPca(model, data, rows, cols);
    const midpoint = new Float32Array(cols);
    for (let c = 0; c < cols; c++) midpoint[c] = (data[3 * cols + c] + data[77 * cols + c]) / 2;
    const projectedMidpoint = projectPca(model, midpoint, 1, cols);
    for (let t = 0; t < 2; t++) {
      expect(Math.abs(projectedMidpoint[t] - (projected[3 * 2 + t] + projected[77 * 2 + t]) / 2)).toBeLessThan(1e-5);
    }
  });

  it("streams: block-wise async PCA equals in-memory PCA", async () => {
    const rows = 1001, cols = 33;
    const { data } = plantedDirection(rows, cols, { seed: 4 });
    const memory = pca(data, rows, cols, 2, { seed: 5 });
    const source = {
      rows,
      cols,
      async *blocks(): AsyncIterable<RowBlock> {
        for (let start = 0; start < rows; start += 37) {
          const end = Math.min(rows, start + 37);
          yield { data: data.slice(start * cols, end * cols), rows: end - start };
        }
      },
    };
    const streamed = await pcaStreaming(source, 2, { seed: 5 });
    // Float32 products in the kernels: other block boundaries regroup sums, so equal to ~1e-7.
    for (let i = 0; i < memory.components.length; i++) expect(streamed.components[i]).toBeCloseTo(memory.components[i], 6);
    expect(streamed.passes).toBe(memory.passes);
    const a = projectPca(memory, data, rows, cols);
    const b = await projectPcaStreaming(streamed, source);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
  });

  it("is deterministic and sign-normalised", () => {
    const rows = 300, cols = 20;
    const { data } = plantedDirection(rows, cols, { seed: 2 });
    const first = pca(data, rows, cols, 2, { seed: 11 });
    const second = pca(data, rows, cols, 2, { seed: 11 });
    expect(Array.from(second.components)).toEqual(Array.from(first.components));
    const otherSeed = pca(data, rows, cols, 1, { seed: 12 });
    // A different random start converges to the same axis with the same sign.
    for (let c = 0; c < cols; c++) expect(otherSeed.components[c]).toBeCloseTo(first.components[c], 6);
  });

  it("handles data of lower rank than the basis", () => {
    const rows = 50, cols = 10;
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      data[r * cols] = r;
      data[r * cols + 1] = 2 * r;
    }
    const model = pca(data, rows, cols, 2);
    expect(Math.abs(model.components[0])).toBeCloseTo(1 / Math.sqrt(5), 6);
    expect(Math.abs(model.components[1])).toBeCloseTo(2 / Math.sqrt(5), 6);
    expect(model.explainedVarianceRatio[0]).toBeCloseTo(1, 6);
  });

  it("fit-transform: the final pass's coordinates equal projecting the rows on the fitted model", async () => {
    const rows = 1500, cols = 48;
    const { data } = plantedDirection(rows, cols, { seed: 6, offset: 2 });
    for (const [k, threads] of [[2, 1], [3, 1], [2, 3]]) {
      // threads 3 with no minimum work: the passes, the final projecting one included, on worker threads.
      const { model, points } = await pcaFitTransform(denseRowSource(data, rows, cols, 100), k, { seed: 1, threads, minWork: 0 });
      const projected = projectPca(model, data, rows, cols);
      expect(points.length).toBe(rows * k);
      let largest = 0;
      for (const value of projected) largest = Math.max(largest, Math.abs(value));
      for (let i = 0; i < points.length; i++) expect(Math.abs(points[i] - projected[i])).toBeLessThan(1e-5 * largest);
      // The same model as a fit alone: projecting costs no extra pass and changes nothing.
      const alone = await pcaStreaming(denseRowSource(data, rows, cols), k, { seed: 1, threads: 1 });
      expect(model.passes).toBe(alone.passes);
      for (let i = 0; i < model.components.length; i++) expect(model.components[i]).toBeCloseTo(alone.components[i], 5);
    }
  });

  it("first pass gathers the mean with the first product: exact even far from the origin", () => {
    // Rows a million units from the origin with unit spread: an uncentered product corrected
    // afterwards must still find the planted axis and the exact variances.
    const rows = 800, cols = 16;
    const { data } = plantedDirection(rows, cols, { signal: 3, noise: 1, seed: 8 });
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = data[r * cols + c] * (1 + 0.2 * (cols - c)) + 1e6;
    const exact = exactPca(data, rows, cols);
    const model = pca(data, rows, cols, 2, { seed: 3 });
    for (let t = 0; t < 2; t++) {
      const exactVector = Array.from({ length: cols }, (_, c) => exact.vectors[c * cols + t]);
      expect(Math.abs(cosine(model.components.subarray(t * cols, (t + 1) * cols), exactVector))).toBeGreaterThan(0.9999);
      expect(Math.abs(model.explainedVariance[t] - exact.values[t]) / exact.values[t]).toBeLessThan(1e-3);
    }
    expect(model.mean[0]).toBeCloseTo(1e6, -1);
  });

  it("stops the power iterations once the subspace has converged, and runs them all with tolerance 0", () => {
    // Column scales halving every two columns: eigenvalues well apart, so few iterations suffice.
    const rows = 2000, cols = 64;
    const { data } = plantedDirection(rows, cols, { signal: 0, seed: 12 });
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] *= 2 ** (-c / 2);
    const early = pca(data, rows, cols, 2, { seed: 2 });
    const all = pca(data, rows, cols, 2, { seed: 2, tolerance: 0 });
    // 7 power iterations and the final pass when run to the end.
    expect(all.passes).toBe(8);
    expect(early.passes).toBeLessThan(all.passes);
    expect(Math.abs(cosine(early.components.subarray(0, cols), all.components.subarray(0, cols)))).toBeGreaterThan(0.99999);
    expect(pca(data, rows, cols, 2, { seed: 2, iterations: 2, tolerance: 0 }).passes).toBe(3);
    // No power iteration: a pass for the mean, then the final one.
    expect(pca(data, rows, cols, 2, { seed: 2, iterations: 0 }).passes).toBe(2);
  });

  it("names the mismatch on bad shapes", async () => {
    expect(() => pca(new Float32Array(10), 3, 4, 2)).toThrow(/10 values, expected 3 × 4/);
    const short = { rows: 10, cols: 2, *blocks() { yield { data: new Float32Array(8), rows: 4 }; } };
    await expect(pcaStreaming(short, 1)).rejects.toThrow(/yielded 4 rows, declared 10/);
  });
});
