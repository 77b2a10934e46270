import { describe, expect, it } from "vitest";
import { densityGrid } from "./grid-density.js";
import { selectSeedPairs } from "./seed-pairs.js";
import { findSparseRegions } from "./sparse-regions.js";
import { blobsWithBridge } from "./test-data.js";

function twoBridges() {
  const { points, count } = blobsWithBridge(2, { bridge: 24 });
  // A second, thinner bridge higher up: one point per cell along y ∈ [6, 7].
  const extra = Array.from({ length: 8 }, (_, i) => [6.5 + i, 6.5]).flat();
  const all = new Float64Array(points.length + extra.length);
  all.set(points);
  all.set(extra, points.length);
  const total = count + 8;
  const grid = densityGrid(all, total, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
  const map = findSparseRegions(grid, 25);
  return { points: all, count: total, grid, map };
}

describe("selectSeedPairs", () => {
  it("takes the two seeds from opposite sides of the sparse region", () => {
    const { points, count } = blobsWithBridge(2);
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 25);
    const pairs = selectSeedPairs(points, count, grid, map.regions, 5, { seed: 1 });
    expect(pairs).toHaveLength(5);
    for (const pair of pairs) {
      // The region spans x ∈ [6, 14]: the left seed sits within a cell of x = 6, the right one of x = 14.
      expect(pair.axis).toBe(0);
      expect(pair.firstSide).toBe("left");
      expect(pair.secondSide).toBe("right");
      expect(pair.firstOnSide && pair.secondOnSide).toBe(true);
      const [ax, ay] = [points[2 * pair.first], points[2 * pair.first + 1]];
      const [bx, by] = [points[2 * pair.second], points[2 * pair.second + 1]];
      expect(ax).toBeGreaterThanOrEqual(5);
      expect(ax).toBeLessThan(6.5);
      expect(bx).toBeGreaterThan(13.5);
      expect(bx).toBeLessThanOrEqual(15);
      for (const y of [ay, by]) {
        expect(y).toBeGreaterThanOrEqual(4);
        expect(y).toBeLessThanOrEqual(5);
      }
      expect(pair.midpoint[0]).toBeCloseTo((ax + bx) / 2, 12);
    }
    expect(new Set(pairs.map((p) => `${p.first}:${p.second}`)).size).toBe(5);
  });

  it("spreads the budget over regions, sparsest first, before reusing one", () => {
    const { points, count, grid, map } = twoBridges();
    expect(map.regions).toHaveLength(2);
    // The one-point-per-cell bridge is the sparser.
    expect(map.regions[0].min[1]).toBe(6);
    const pairs = selectSeedPairs(points, count, grid, map.regions, 5, { seed: 3 });
    expect(pairs.map((p) => p.region)).toEqual([0, 1, 0, 1, 0]);
    expect(new Set(pairs.map((p) => `${p.first}:${p.second}`)).size).toBe(5);
    expect(selectSeedPairs(points, count, grid, map.regions, 1, { seed: 3 }).map((p) => p.region)).toEqual([0]);
  });

  it("uses the nearest point when a side has none", () => {
    // A sparse cell pattern with data only to its left within reach, and far to its right.
    const points = Float64Array.from([0.5, 0.5, 0.6, 0.5, 1.5, 0.5, 9.5, 0.5, 9.4, 0.5]);
    const grid = densityGrid(points, 5, 2, { shape: [10, 1], bounds: { min: [0, 0], max: [10, 1] } });
    const region = { rank: 0, cells: [1], points: 1, meanDensity: 1, sparsity: 0.5, cellMin: [1, 0], cellMax: [1, 0], min: [1, 0], max: [2, 1], centroid: [1.5, 0.5] };
    const [pair] = selectSeedPairs(points, 5, grid, [region], 1);
    expect(pair.axis).toBe(0);
    expect(pair.firstOnSide).toBe(true);
    expect(pair.secondOnSide).toBe(false);
    // Nearest to the right face x = 2 on the right half: the point at 9.4.
    expect(pair.second).toBe(4);
    expect([0, 1, 2]).toContain(pair.first);
  });

  it("is deterministic for a seed and stops when regions run out of pairs", () => {
    const { points, count, grid, map } = twoBridges();
    const a = selectSeedPairs(points, count, grid, map.regions, 6, { seed: 9 });
    const b = selectSeedPairs(points, count, grid, map.regions, 6, { seed: 9 });
    expect(b).toEqual(a);
    const tiny = Float64Array.from([0.5, 0.5, 1.5, 0.5, 2.5, 0.5]);
    const tinyGrid = densityGrid(tiny, 3, 2, { shape: [3, 1], bounds: { min: [0, 0], max: [3, 1] } });
    const region = { rank: 0, cells: [1], points: 1, meanDensity: 1, sparsity: 0.5, cellMin: [1, 0], cellMax: [1, 0], min: [1, 0], max: [2, 1], centroid: [1.5, 0.5] };
    const pairs = selectSeedPairs(tiny, 3, tinyGrid, [region], 10);
    // Point 1 sits exactly at the box middle, so only 0 (left) and 2 (right) qualify: one pair, then none.
    expect(pairs.map((p) => [p.first, p.second])).toEqual([[0, 2]]);
  });
});
