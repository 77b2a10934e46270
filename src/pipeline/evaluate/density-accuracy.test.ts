import { describe, expect, it } from "vitest";
import { createRandom } from "../../geometry/random.js";
import { cellOfMapPoint, densityAccuracy, type TrainingGrid } from "./density-accuracy.js";

/** A 10×10 grid over [0, 10)²; training counts grow along x: column i holds 5·i² examples per cell. */
const grid: TrainingGrid = {
  shape: [10, 10],
  min: [0, 0],
  max: [10, 10],
  counts: Array.from({ length: 100 }, (_, cell) => 5 * (cell % 10) ** 2),
};

/** 12 benchmark items per cell, each right with probability rising with the cell's training count. */
function planted(accuracyOf: (count: number) => number, seed = 1) {
  const random = createRandom(seed);
  const points: number[] = [];
  const correct: boolean[] = [];
  for (let cell = 0; cell < 100; cell++) {
    const [ix, iy] = [cell % 10, Math.floor(cell / 10)];
    for (let k = 0; k < 12; k++) {
      points.push(ix + random(), iy + random());
      correct.push(random() < accuracyOf(grid.counts[cell] as number));
    }
  }
  return { points, correct };
}

describe("density vs accuracy", () => {
  it("finds the planted dependence: accuracy rises with training density", () => {
    const { points, correct } = planted((count) => 0.1 + (0.8 * count) / 405);
    const result = densityAccuracy(grid, points, correct, { minPerRegion: 12 });
    // Every cell already holds 12 items: no merging, one region per cell.
    expect(result.regions).toHaveLength(100);
    expect(result.regions.reduce((sum, region) => sum + region.items, 0)).toBe(1200);
    expect(result.pearson.coefficient).toBeGreaterThan(0.8);
    expect(result.pearson.p).toBeLessThan(1e-10);
    expect(result.spearman.coefficient).toBeGreaterThan(0.8);
    expect(result.spearman.p).toBeLessThan(1e-10);
    expect(result.fit.slope).toBeGreaterThan(0);
    // The fitted line passes near the planted one: 0.1 at density 0, 0.9 at 405.
    expect(result.fit.intercept).toBeGreaterThan(0.02);
    expect(result.fit.intercept).toBeLessThan(0.2);
  });

  it("finds no dependence where there is none", () => {
    const { points, correct } = planted(() => 0.6, 2);
    const result = densityAccuracy(grid, points, correct, { minPerRegion: 12 });
    expect(Math.abs(result.pearson.coefficient)).toBeLessThan(0.3);
    expect(result.pearson.p).toBeGreaterThan(0.01);
  });

  it("merges cells until every region holds the minimum, keeping every item, and merges touching cells of similar density", () => {
    const { points, correct } = planted((count) => count / 405, 3);
    const result = densityAccuracy(grid, points, correct, { minPerRegion: 30 });
    expect(result.regions.every((region) => region.items >= 30)).toBe(true);
    expect(result.regions.reduce((sum, region) => sum + region.items, 0)).toBe(1200);
    expect(new Set(result.regions.flatMap((region) => region.cells)).size).toBe(100);
    // Density rises along x only: merges pair cells of one column (same density) first.
    const sameColumn = result.regions.filter((region) => new Set(region.cells.map((cell) => cell % 10)).size === 1).length;
    expect(sameColumn).toBe(result.regions.length);
    // Regions are listed from the sparsest.
    const densities = result.regions.map((region) => region.density);
    expect(densities).toEqual([...densities].sort((a, b) => a - b));
  });

  it("stops at one region when there are too few items, and clamps points outside the grid", () => {
    expect(cellOfMapPoint(grid, [-3, 50])).toBe(90);
    expect(cellOfMapPoint(grid, [10, 0])).toBe(9);
    const result = densityAccuracy(grid, [1, 1, 8, 8, 20, -1], [true, false, true], { minPerRegion: 10 });
    expect(result.regions).toHaveLength(1);
    expect(result.regions[0]).toMatchObject({ items: 3, correct: 2 });
    expect(Number.isNaN(result.pearson.coefficient)).toBe(true);
  });
});
