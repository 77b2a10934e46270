import { describe, expect, it } from "vitest";
import { blobsWithBridge } from "../../geometry/test-data.js";
import { knnAgreement, mapDensity } from "./map-density.js";

describe("mapDensity", () => {
  it("two blobs and a thin bridge: the bridge is the sparse region and its seed pairs sit on opposing sides of its windows", () => {
    // The points span x ∈ [0, 20], y ∈ [2, 8]: a 20 × 6 grid has unit cells and the bridge is one row of 8 cells.
    const { points, count } = blobsWithBridge(2);
    const density = mapDensity(Float32Array.from(points), count, 2, { grid: [20, 6], pairs: 4, seed: 1 });
    expect(density.threshold.threshold).toBeGreaterThan(3);
    expect(density.threshold.threshold).toBeLessThan(50);
    expect(density.sparse.regions).toHaveLength(1);
    // The 24 bridge points, and at most a few blob points where the data's edges shift the cells.
    expect(density.sparse.regions[0].points).toBeGreaterThanOrEqual(24);
    expect(density.sparse.regions[0].points).toBeLessThan(30);
    expect(density.sparse.regions[0].centroid[0]).toBeCloseTo(10, 0);
    expect(density.pairs.length).toBeGreaterThan(0);
    // Four pairs, four distinct windows, the sparsest first.
    expect(density.pairs.map((pair) => pair.window)).toEqual([0, 1, 2, 3]);
    for (const pair of density.pairs) {
      expect(pair.region).toBe(0);
      expect(pair.firstSide).not.toBe(pair.secondSide);
      // Midpoints fall inside their window, which lies on the bridge.
      const window = density.sparse.windows[pair.window];
      expect(pair.midpoint.every((v, d) => v >= window.min[d] && v <= window.max[d])).toBe(true);
      expect(pair.midpoint[0]).toBeGreaterThan(5);
      expect(pair.midpoint[0]).toBeLessThan(15);
    }
  });
});

describe("knnAgreement", () => {
  it("is skipped when k is 0 or the set has no more than k rows", async () => {
    const { points, count } = blobsWithBridge(2, { perBlob: 200, bridge: 8 });
    const data = Float32Array.from(points);
    const density = mapDensity(data, count, 2, { seed: 1 });
    const source = { rows: count, cols: 2, inMemory: data, *blocks() { yield { data, rows: count }; } };
    expect(await knnAgreement(source, density, { k: 0, seed: 1 })).toBeUndefined();
    expect(await knnAgreement({ ...source, rows: 5 }, density, { k: 5, seed: 1 })).toBeUndefined();
    const agreement = await knnAgreement(source, density, { k: 5, seed: 1 });
    expect(agreement?.k).toBe(5);
    expect(agreement?.agreement.baseline).toBeCloseTo(0.25, 1);
  });
});
