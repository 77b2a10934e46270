import { describe, expect, it } from "vitest";
import { densityGrid } from "./grid-density.js";
import { createRandom } from "./random.js";
import { selectSeedPairs } from "./seed-pairs.js";
import { findSparseRegions, type SparseWindow } from "./sparse-regions.js";
import { blobsWithBridge } from "./test-data.js";
import { chooseThreshold } from "./threshold.js";

function inside(window: SparseWindow, point: readonly number[]): boolean {
  return point.every((v, d) => v >= window.min[d] && v <= window.max[d]);
}

/** A dense disc, a thin ring around it, and a dense ring outside: the sparse cells form a ring. */
function discAndRings(): Float64Array {
  const random = createRandom(5);
  const out: number[] = [];
  const polar = (r0: number, r1: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const r = Math.sqrt(r0 * r0 + (r1 * r1 - r0 * r0) * random());
      const a = 2 * Math.PI * random();
      out.push(10 + r * Math.cos(a), 10 + r * Math.sin(a));
    }
  };
  polar(0, 4, 4000);
  polar(5, 7, 60);
  polar(8, 10, 8000);
  return Float64Array.from(out);
}

describe("selectSeedPairs", () => {
  it("takes the two seeds from opposite sides of each bridge window, with the midpoint inside the window", () => {
    const { points, count } = blobsWithBridge(2);
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 25);
    // One window per bridge cell (window side 1), all in the one merged region.
    expect(map.windows).toHaveLength(8);
    expect(map.windows.every((w) => w.region === 0)).toBe(true);
    const pairs = selectSeedPairs(points, count, grid, map.windows, 8, { seed: 1 });
    expect(pairs).toHaveLength(8);
    // Every window gets one pair before any gets a second.
    expect(pairs.map((p) => p.window)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const pair of pairs) {
      const window = map.windows[pair.window];
      expect(pair.firstSide).not.toBe(pair.secondSide);
      expect(pair.midpointInside).toBe(true);
      expect(inside(window, pair.midpoint)).toBe(true);
      const a = [points[2 * pair.first], points[2 * pair.first + 1]];
      const b = [points[2 * pair.second], points[2 * pair.second + 1]];
      expect(pair.midpoint[0]).toBeCloseTo((a[0] + b[0]) / 2, 12);
      // Seeds within a cell of their faces, never further.
      expect(a[pair.axis]).toBeGreaterThanOrEqual(window.min[pair.axis] - 1);
      expect(b[pair.axis]).toBeLessThanOrEqual(window.max[pair.axis] + 1);
    }
    expect(new Set(pairs.map((p) => `${p.first}:${p.second}`)).size).toBe(8);
  });

  it("ranks windows sparsest first and uses the next pair of sides when a window is used again", () => {
    // Two windows: cell (1, 1) holds 1 point, cell (3, 1) holds 2; data all around both.
    const around: number[] = [];
    for (let x = 0; x < 5; x++) for (let y = 0; y < 3; y++) if (y !== 1 || x % 2 === 0) for (let k = 0; k < 12; k++) around.push(x + 0.1 + 0.8 * ((k * 7) % 12) / 12, y + 0.1 + 0.8 * k / 12);
    const points = Float64Array.from([...around, 1.5, 1.5, 3.4, 1.5, 3.6, 1.6]);
    const count = points.length / 2;
    const grid = densityGrid(points, count, 2, { shape: [5, 3], bounds: { min: [0, 0], max: [5, 3] } });
    const map = findSparseRegions(grid, 5, { reach: 1 });
    expect(map.windows.map((w) => w.points)).toEqual([1, 2]);
    const pairs = selectSeedPairs(points, count, grid, map.windows, 4, { seed: 2 });
    expect(pairs.map((p) => p.window)).toEqual([0, 1, 0, 1]);
    // The repeat of a window uses the other axis.
    expect(pairs[2].axis).not.toBe(pairs[0].axis);
    expect(pairs[3].axis).not.toBe(pairs[1].axis);
    expect(pairs.every((p) => p.midpointInside && inside(map.windows[p.window], p.midpoint))).toBe(true);
  });

  it("uses the nearest points beyond a face when the face has none", () => {
    // The sparse cell [1, 2) has data to its left; to its right only far away, at 9.4 and 9.5.
    const points = Float64Array.from([0.5, 0.5, 0.6, 0.5, 1.5, 0.5, 9.5, 0.5, 9.4, 0.5]);
    const grid = densityGrid(points, 5, 2, { shape: [10, 1], bounds: { min: [0, 0], max: [10, 1] } });
    const window: SparseWindow = { rank: 0, cell: 1, points: 1, cellMin: [1, 0], cellMax: [1, 0], min: [1, 0], max: [2, 1], region: 0 };
    const [pair] = selectSeedPairs(points, 5, grid, [window], 1);
    expect(pair.axis).toBe(0);
    expect(pair.firstOnSide).toBe(true);
    expect(pair.secondOnSide).toBe(false);
    // No pair with a far stand-in has its midpoint in [1, 2]: the closest one (0.5 with 9.4) is taken and flagged.
    expect(pair.midpointInside).toBe(false);
    expect([pair.first, pair.second]).toEqual([0, 4]);
  });

  it("3-D: seeds on opposing faces, midpoints inside the window", () => {
    const { points, count } = blobsWithBridge(3, { perBlob: 4320, bridge: 16 });
    const grid = densityGrid(points, count, 3, { shape: [20, 10, 10], bounds: { min: [0, 0, 0], max: [20, 10, 10] } });
    const map = findSparseRegions(grid, chooseThreshold(grid.density, grid.counts).threshold);
    expect(map.windows.length).toBe(8);
    const pairs = selectSeedPairs(points, count, grid, map.windows, 16, { seed: 4 });
    expect(pairs.length).toBeGreaterThanOrEqual(8);
    expect(pairs.slice(0, 8).map((p) => p.window).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const pair of pairs) expect(inside(map.windows[pair.window], pair.midpoint)).toBe(true);
    expect(new Set(pairs.map((p) => p.firstSide))).toContain("left");
  });

  it("a ring of sparse cells around a dense centre: the midpoints stay in the ring, not the centre", () => {
    const points = discAndRings();
    const count = points.length / 2;
    const grid = densityGrid(points, count, 2, { shape: [20, 20] });
    const map = findSparseRegions(grid, 8);
    expect(map.windows.length).toBeGreaterThan(10);
    const pairs = selectSeedPairs(points, count, grid, map.windows, 20, { seed: 6 });
    expect(pairs).toHaveLength(20);
    const inSparse = pairs.filter((pair) => {
      const cx = Math.min(19, Math.floor(((pair.midpoint[0] - grid.min[0]) / (grid.max[0] - grid.min[0])) * 20));
      const cy = Math.min(19, Math.floor(((pair.midpoint[1] - grid.min[1]) / (grid.max[1] - grid.min[1])) * 20));
      return map.sparse[cx + 20 * cy] === 1;
    });
    expect(inSparse.length).toBeGreaterThanOrEqual(18);
    // None is at the dense centre.
    for (const pair of pairs) expect(Math.hypot(pair.midpoint[0] - 10, pair.midpoint[1] - 10)).toBeGreaterThan(3.5);
  });

  it("is deterministic for a seed and stops when windows run out of pairs", () => {
    const { points, count } = blobsWithBridge(2);
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 25);
    expect(selectSeedPairs(points, count, grid, map.windows, 12, { seed: 9 })).toEqual(selectSeedPairs(points, count, grid, map.windows, 12, { seed: 9 }));
    const tiny = Float64Array.from([0.5, 0.5, 1.5, 0.5, 2.5, 0.5]);
    const tinyGrid = densityGrid(tiny, 3, 2, { shape: [3, 1], bounds: { min: [0, 0], max: [3, 1] } });
    const window: SparseWindow = { rank: 0, cell: 1, points: 1, cellMin: [1, 0], cellMax: [1, 0], min: [1, 0], max: [2, 1], region: 0 };
    // Point 1 sits at the window's middle, on no side: only 0 (left) and 2 (right) qualify. One pair, then none.
    expect(selectSeedPairs(tiny, 3, tinyGrid, [window], 10).map((p) => [p.first, p.second])).toEqual([[0, 2]]);
    expect(() => selectSeedPairs(tiny, 3, tinyGrid, [window], -1)).toThrow(/pairs/);
  });
});
