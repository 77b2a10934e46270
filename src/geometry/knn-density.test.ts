import { describe, expect, it } from "vitest";
import { densityGrid } from "./grid-density.js";
import { compareDensities, knnDensity, knnDensityStreaming, knnGridAgreement } from "./knn-density.js";
import { denseRowSource } from "./matrix.js";
import { createGaussian, createRandom } from "./random.js";
import { findSparseRegions } from "./sparse-regions.js";
import { blobsWithBridge } from "./test-data.js";

/** The 2-D bridge data placed in a random 2-D plane of a 24-D space, plus a little noise. */
function liftedBridge() {
  const { points, count, bridgeStart } = blobsWithBridge(2, { perBlob: 1500, bridge: 40 });
  const cols = 24;
  const gaussian = createGaussian(createRandom(5));
  const u = Array.from({ length: cols }, () => gaussian());
  const v = Array.from({ length: cols }, () => gaussian());
  const normU = Math.hypot(...u);
  const uu = u.map((x) => x / normU);
  const dotUV = v.reduce((s, x, i) => s + x * uu[i], 0);
  const w = v.map((x, i) => x - dotUV * uu[i]);
  const normW = Math.hypot(...w);
  const ww = w.map((x) => x / normW);
  const data = new Float32Array(count * cols);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < cols; c++) data[i * cols + c] = points[2 * i] * uu[c] + points[2 * i + 1] * ww[c] + 0.01 * gaussian();
  }
  return { data, cols, count, bridgeStart, points };
}

describe("knnDensity", () => {
  it("exact: distance to the k-th neighbour on a known line", () => {
    const data = Float64Array.from([0, 1, 2, 10]);
    const result = knnDensity(data, 4, 1, { k: 1 });
    expect(result.method).toBe("exact");
    expect(Array.from(result.kthDistance)).toEqual([1, 1, 1, 8]);
    expect(result.density[3]).toBeCloseTo(1 / 8, 12);
    expect(Array.from(knnDensity(data, 4, 1, { k: 2 }).kthDistance)).toEqual([2, 1, 2, 9]);
    expect(() => knnDensity(data, 4, 1, { k: 4 })).toThrow(/k = 4 needs at least 5 rows, got 4/);
  });

  it("bridge points have low density, exactly and approximately, and the grid agrees", async () => {
    const { data, cols, count, bridgeStart, points } = liftedBridge();
    const exact = knnDensity(data, count, cols, { k: 8 });
    const approximate = knnDensity(data, count, cols, { k: 8, exactBudget: 0, projectDims: 12, referenceSize: 1000, seed: 2 });
    expect(exact.method).toBe("exact");
    expect(approximate.method).toBe("approximate");
    expect(approximate.description).toMatch(/24 → 12 dims/);
    for (const result of [exact, approximate]) {
      const sorted = Float64Array.from(result.density).sort();
      const lowQuartile = sorted[Math.floor(0.25 * count)];
      let bridgeLow = 0;
      for (let i = bridgeStart; i < count; i++) if (result.density[i] < lowQuartile) bridgeLow++;
      expect(bridgeLow / (count - bridgeStart)).toBeGreaterThan(0.9);
    }
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 10);
    const agreement = compareDensities(grid.cellOfPoint, map.sparse, exact);
    expect(agreement.baseline).toBeCloseTo(0.25, 2);
    expect(agreement.sparsePointsLowShare).toBeGreaterThan(0.9);
    expect(agreement.disagreeingCells).toEqual([]);
    const streamed = await knnDensityStreaming(denseRowSource(data, count, cols, 100), { k: 8, projectDims: 12, referenceSize: 1000, seed: 2 });
    expect(Array.from(streamed.kthDistance)).toEqual(Array.from(approximate.kthDistance));
  });

  it("lists sparse cells whose points are not low-density", () => {
    const cellOfPoint = Uint32Array.from([0, 0, 1, 1]);
    const sparse = Uint8Array.from([1, 1]);
    const knn = { kthDistance: new Float64Array(4), density: Float64Array.from([1, 2, 30, 40]), method: "exact" as const, description: "" };
    const agreement = compareDensities(cellOfPoint, sparse, knn, 0.5);
    expect(agreement.lowDensityCutoff).toBe(30);
    expect(agreement.sparsePointsLowShare).toBe(0.5);
    expect(agreement.disagreeingCells).toEqual([{ cell: 1, points: 2, lowShare: 0 }]);
  });

  describe("knnGridAgreement", () => {
    const options = { k: 8, projectDims: 12, referenceSize: 1000, seed: 2, exactBudget: 0 };
    const bridgeMap = () => {
      const lifted = liftedBridge();
      const grid = densityGrid(lifted.points, lifted.count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
      return { ...lifted, grid, sparse: findSparseRegions(grid, 10).sparse };
    };

    it("querying every row gives the all-rows approximate answer exactly, in memory and streamed", async () => {
      const { data, cols, count, grid, sparse } = bridgeMap();
      const all = compareDensities(grid.cellOfPoint, sparse, knnDensity(data, count, cols, options));
      const everyRow = { ...options, sparseQueries: count, cutoffSample: count };
      const inMemory = await knnGridAgreement({ ...denseRowSource(data, count, cols), inMemory: data }, grid.cellOfPoint, sparse, everyRow);
      const streamed = await knnGridAgreement(denseRowSource(data, count, cols, 77), grid.cellOfPoint, sparse, everyRow);
      // A source that seeks reads the wanted rows alone: the same answer.
      const seeking = {
        ...denseRowSource(data, count, cols, 77),
        async *rowsAt(indices: Uint32Array) {
          const rows = new Float32Array(indices.length * cols);
          indices.forEach((row, at) => rows.set(data.subarray(row * cols, (row + 1) * cols), at * cols));
          yield { data: rows, rows: indices.length };
        },
      };
      const seeked = await knnGridAgreement(seeking, grid.cellOfPoint, sparse, everyRow);
      for (const check of [inMemory, streamed, seeked]) {
        expect(check.method).toBe("approximate");
        expect(check.agreement).toEqual(all);
        expect(check.queried).toBe(count);
      }
    });

    it("a sample for the cutoff and a cap on sparse queries: close to the full answer, far fewer rows", async () => {
      const { data, cols, count, grid, sparse } = bridgeMap();
      const all = compareDensities(grid.cellOfPoint, sparse, knnDensity(data, count, cols, options));
      const sparseCount = Array.from(grid.cellOfPoint).filter((cell) => sparse[cell]).length;
      const sampled = await knnGridAgreement(denseRowSource(data, count, cols, 64), grid.cellOfPoint, sparse, { ...options, cutoffSample: 600, sparseQueries: 30 });
      expect(sampled.queried).toBeLessThan(count / 1.5);
      // Stratified: the largest per-cell quota that keeps within 30 queries, every sparse cell represented.
      const described = new RegExp(`a sample of (\\d+) of the ${sparseCount} sparse-cell points \\(up to (\\d+) in every sparse cell\\)`).exec(sampled.description);
      expect(described).not.toBeNull();
      expect(Number(described![1])).toBeLessThanOrEqual(30);
      expect(Number(described![2])).toBeGreaterThanOrEqual(1);
      expect(sampled.description).toMatch(/uniform sample of 600 rows/);
      expect(Math.abs(sampled.agreement.baseline - all.baseline)).toBeLessThan(0.01);
      expect(Math.abs(sampled.agreement.sparsePointsLowShare - all.sparsePointsLowShare)).toBeLessThan(0.1);
      expect(sampled.agreement.sparsePointsLowShare).toBeGreaterThan(0.85);
    });

    it("small sets stay exact over every row", async () => {
      const { data, cols, count, grid, sparse } = bridgeMap();
      const check = await knnGridAgreement({ ...denseRowSource(data, count, cols), inMemory: data }, grid.cellOfPoint, sparse, { k: 8 });
      expect(check.method).toBe("exact");
      expect(check.agreement).toEqual(compareDensities(grid.cellOfPoint, sparse, knnDensity(data, count, cols, { k: 8 })));
    });
  });
});
