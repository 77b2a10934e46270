import { describe, expect, it } from "vitest";
import { cellCoordinates, cellIndex, densityGrid } from "./grid-density.js";
import { findSparseRegions } from "./sparse-regions.js";
import { blobsWithBridge } from "./test-data.js";
import { chooseThreshold } from "./threshold.js";

describe("findSparseRegions", () => {
  it("2-D: the bridge cells are the sparse ones; empty corners never are", () => {
    const { points, count } = blobsWithBridge(2);
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const { threshold } = chooseThreshold(grid.density, grid.counts);
    // A quarter of the typical ~100 points per blob cell.
    expect(threshold).toBeGreaterThanOrEqual(20);
    expect(threshold).toBeLessThanOrEqual(30);
    const map = findSparseRegions(grid, threshold);
    const bridge = Array.from({ length: 8 }, (_, i) => cellIndex(grid, [6 + i, 4]));
    const sparseCells = Array.from(map.sparse.keys()).filter((c) => map.sparse[c]);
    expect(sparseCells).toEqual(bridge);
    expect(map.regions).toHaveLength(1);
    expect(map.regions[0].cells).toEqual(bridge);
    expect(map.regions[0].points).toBe(24);
    expect(map.regions[0].min).toEqual([6, 4]);
    expect(map.regions[0].max).toEqual([14, 5]);
    expect(map.regions[0].centroid[0]).toBeCloseTo(10, 9);
    expect(map.regions[0].centroid[1]).toBeCloseTo(4.5, 9);
    for (const corner of [[0, 0], [19, 0], [0, 9], [19, 9], [10, 0], [10, 9]]) {
      expect(map.sparse[cellIndex(grid, corner)]).toBe(0);
    }
  });

  it("3-D: the bridge cells are the sparse ones", () => {
    const { points, count } = blobsWithBridge(3, { perBlob: 4320, bridge: 16 });
    const grid = densityGrid(points, count, 3, { shape: [20, 10, 10], bounds: { min: [0, 0, 0], max: [20, 10, 10] } });
    const { threshold } = chooseThreshold(grid.density, grid.counts);
    const map = findSparseRegions(grid, threshold);
    const bridge = Array.from({ length: 8 }, (_, i) => cellIndex(grid, [6 + i, 4, 4]));
    expect(Array.from(map.sparse.keys()).filter((c) => map.sparse[c])).toEqual(bridge);
    expect(map.regions).toHaveLength(1);
    expect(map.regions[0].cellMin).toEqual([6, 4, 4]);
    expect(map.regions[0].cellMax).toEqual([13, 4, 4]);
  });

  it("with automatic grid and threshold, the bridge is found and no sparse cell is empty or off the data", () => {
    const { points, count, bridgeStart } = blobsWithBridge(2, { bridge: 40 });
    const grid = densityGrid(points, count, 2);
    const { threshold } = chooseThreshold(grid.density, grid.counts);
    const map = findSparseRegions(grid, threshold);
    for (let cell = 0; cell < grid.cellCount; cell++) {
      if (!map.sparse[cell]) continue;
      expect(grid.counts[cell]).toBeGreaterThan(0);
      expect(grid.density[cell]).toBeLessThan(threshold);
    }
    // The cell holding the middle of the bridge is sparse and in the sparsest region.
    const middle = Array.from({ length: count - bridgeStart }, (_, j) => bridgeStart + j).find((i) => Math.abs(points[2 * i] - 10) < 0.3) as number;
    const middleCell = grid.cellOfPoint[middle];
    expect(map.sparse[middleCell]).toBe(1);
    expect(map.regions[0].cells).toContain(middleCell);
    // Between the blobs, away from the bridge, the map is empty: nothing there is sparse.
    for (let cell = 0; cell < grid.cellCount; cell++) {
      const [x, y] = cellCoordinates(grid, cell);
      const cx = grid.min[0] + (x + 0.5) * grid.cellSize[0];
      const cy = grid.min[1] + (y + 0.5) * grid.cellSize[1];
      if (cx > 7 && cx < 13 && (cy < 3.5 || cy > 5.5)) expect(map.sparse[cell]).toBe(0);
    }
  });

  it("a lone outlier in empty space is not a sparse region", () => {
    const { points, count } = blobsWithBridge(2, { bridge: 0 });
    const withOutlier = new Float64Array(points.length + 2);
    withOutlier.set(points);
    withOutlier.set([10, 9.5], points.length);
    const grid = densityGrid(withOutlier, count + 1, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 25);
    expect(map.regions).toHaveLength(0);
  });

  it("windows: one per sparse cell, sparsest first; a wider window drops windows centred inside a better one", () => {
    const { points, count } = blobsWithBridge(2);
    const grid = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] } });
    const map = findSparseRegions(grid, 25);
    expect(map.windows.map((w) => w.cell).sort((a, b) => a - b)).toEqual(map.regions[0].cells);
    expect(map.windows.every((w, i) => i === 0 || map.windows[i - 1].points <= w.points)).toBe(true);
    expect(map.windows[0].max[0] - map.windows[0].min[0]).toBeCloseTo(1, 12);
    // A 3-cell window: the bridge's window sums are 9 (3 cells × 3 points) in its middle.
    const wide = densityGrid(points, count, 2, { shape: [20, 10], bounds: { min: [0, 0], max: [20, 10] }, window: 3 });
    const wideMap = findSparseRegions(wide, 25);
    expect(wideMap.windows.length).toBeGreaterThan(0);
    wideMap.windows.forEach((window, i) => {
      expect(window.points).toBeLessThan(25);
      expect(window.cellMax[0] - window.cellMin[0]).toBeLessThanOrEqual(2);
      // No later (less sparse) window is centred inside this one.
      for (const later of wideMap.windows.slice(i + 1)) {
        const c = cellCoordinates(wide, later.cell);
        expect(c.every((v, d) => v >= window.cellMin[d] && v <= window.cellMax[d])).toBe(false);
      }
    });
  });
});
