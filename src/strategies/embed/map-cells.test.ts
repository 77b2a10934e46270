import { describe, expect, it } from "vitest";
import { cellOfPoint, cellsTouch, sparseNeighbourhood } from "./map-cells.js";

const grid = { shape: [4, 3], min: [0, 0], max: [4, 3], cellSize: [1, 1], window: 1, sizeRule: "test", counts: [] };

describe("map cells", () => {
  it("places points like the map does, clamping outside the bounds", () => {
    expect(cellOfPoint(grid, [0.5, 0.5])).toBe(0);
    expect(cellOfPoint(grid, [3.5, 2.5])).toBe(11);
    expect(cellOfPoint(grid, [1.5, 1.2])).toBe(5);
    expect(cellOfPoint(grid, [-9, 99])).toBe(8);
  });

  it("counts diagonal neighbours as touching, and nothing further", () => {
    expect(cellsTouch(grid, 5, 0)).toBe(true);
    expect(cellsTouch(grid, 5, 10)).toBe(true);
    expect(cellsTouch(grid, 0, 2)).toBe(false);
    expect([...sparseNeighbourhood(grid, [0])].sort((a, b) => a - b)).toEqual([0, 1, 4, 5]);
    expect(sparseNeighbourhood(grid, [5]).size).toBe(9);
  });
});
