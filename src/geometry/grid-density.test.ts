import { describe, expect, it } from "vitest";
import { cellCenter, cellCoordinates, cellIndex, densityGrid, parseGridShape } from "./grid-density.js";
import { createGaussian, createRandom } from "./random.js";

describe("densityGrid", () => {
  it("counts points per cell over bounds taken from the data", () => {
    const points = Float64Array.from([0, 0, 1, 1, 2, 2, 2, 0, 0.1, 0.1]);
    const grid = densityGrid(points, 5, 2, { shape: [2, 2] });
    expect(Array.from(grid.min)).toEqual([0, 0]);
    expect(Array.from(grid.max)).toEqual([2, 2]);
    // (0,0),(0.1,0.1) → cell 0; (1,1),(2,2) → cell 3 (the maximum lands in the last cell); (2,0) → cell 1.
    expect(Array.from(grid.counts)).toEqual([2, 1, 0, 2]);
    expect(Array.from(grid.cellOfPoint)).toEqual([0, 3, 3, 1, 0]);
    expect(cellCoordinates(grid, 1)).toEqual([1, 0]);
    expect(cellIndex(grid, [0, 1])).toBe(2);
    expect(cellIndex(grid, [2, 0])).toBe(-1);
    expect(cellCenter(grid, 3)).toEqual([1.5, 1.5]);
  });

  it("chooses square cells so non-empty cells hold the target occupancy", () => {
    const gaussian = createGaussian(createRandom(3));
    const count = 5000;
    const points = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      points[2 * i] = 3 * gaussian();
      points[2 * i + 1] = gaussian();
    }
    const grid = densityGrid(points, count, 2, { targetOccupancy: 20 });
    expect(grid.cellSize[0] / grid.cellSize[1]).toBeGreaterThan(0.8);
    expect(grid.cellSize[0] / grid.cellSize[1]).toBeLessThan(1.25);
    const nonEmpty = Array.from(grid.counts).filter((c) => c > 0).length;
    expect(count / nonEmpty).toBeGreaterThanOrEqual(20);
    // Finer by a few cells along the wide axis would fall under the target.
    const finer = densityGrid(points, count, 2, { shape: [grid.shape[0] + 4, Math.round(((grid.shape[0] + 4) * grid.shape[1]) / grid.shape[0])] });
    expect(count / Array.from(finer.counts).filter((c) => c > 0).length).toBeLessThan(20);
    expect(grid.sizeRule).toMatch(/auto/);
  });

  it("robust bounds keep one far outlier from squeezing the map", () => {
    const count = 1001;
    const points = new Float64Array(count * 2);
    for (let i = 0; i < 1000; i++) {
      points[2 * i] = (i % 100) / 100;
      points[2 * i + 1] = Math.floor(i / 100) / 10;
    }
    points[2000] = 1000;
    points[2001] = 0.5;
    const plain = densityGrid(points, count, 2, { shape: [10, 10] });
    const firstColumn = (g: typeof plain) => Array.from(g.cellOfPoint).filter((cell) => cellCoordinates(g, cell)[0] === 0).length;
    expect(firstColumn(plain)).toBe(1000);
    const robust = densityGrid(points, count, 2, { shape: [10, 10], robustQuantile: 0.01 });
    expect(robust.max[0]).toBeLessThan(2);
    expect(Math.max(...robust.counts)).toBeLessThan(40);
    // The outlier is clamped into the last column, not dropped.
    expect(Array.from(robust.counts).reduce((a, b) => a + b, 0)).toBe(count);
    expect(cellCoordinates(robust, robust.cellOfPoint[1000])[0]).toBe(9);
  });

  it("sums a sliding window of cells", () => {
    // One point per cell on a 3×3 grid, plus a second point in the centre cell.
    const points = Float64Array.from([0.5, 0.5, 1.5, 0.5, 2.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 1.5, 0.5, 2.5, 1.5, 2.5, 2.5, 2.5, 1.5, 1.5]);
    const grid = densityGrid(points, 10, 2, { shape: [3, 3], bounds: { min: [0, 0], max: [3, 3] }, window: 3 });
    expect(Array.from(grid.counts)).toEqual([1, 1, 1, 1, 2, 1, 1, 1, 1]);
    // Corners see a 2×2 window, edges 2×3, the centre all nine cells.
    expect(Array.from(grid.density)).toEqual([5, 7, 5, 7, 10, 7, 5, 7, 5]);
    expect(() => densityGrid(points, 10, 2, { window: 2 })).toThrow(/odd/);
  });

  it("parses grid flags and names bad ones", () => {
    expect(parseGridShape("auto", 2)).toBeUndefined();
    expect(parseGridShape("40x30", 2)).toEqual([40, 30]);
    expect(parseGridShape("8X8x4", 3)).toEqual([8, 8, 4]);
    expect(() => parseGridShape("40x", 2)).toThrow(/"40x"/);
    expect(() => parseGridShape("40x30", 3)).toThrow(/3 positive integers/);
    expect(() => densityGrid(new Float64Array(3), 1, 2)).toThrow(/expected 1 × 2/);
  });
});
