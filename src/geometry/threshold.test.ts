import { describe, expect, it } from "vitest";
import { chooseThreshold } from "./threshold.js";

/** Figure 2 of the paper in miniature: a hump of cells around 40 points, a thin tail of low counts, empty cells. */
function craftedDensities(): number[] {
  const densities: number[] = [];
  for (let v = 30; v <= 50; v++) for (let n = 0; n < 25 - 2 * Math.abs(v - 40); n++) densities.push(v);
  for (let v = 1; v <= 5; v++) for (let n = 0; n < 4; n++) densities.push(v);
  for (let n = 0; n < 200; n++) densities.push(0);
  return densities;
}

describe("chooseThreshold", () => {
  it("puts T at a quarter of the density the median point sees (the paper's bulk at 30–50 → T = 10), ignoring empty cells", () => {
    const densities = craftedDensities();
    const choice = chooseThreshold(densities, densities);
    expect(choice.mode).toBe(40);
    // Denser cells hold more points, so the median point sits a little above the cell mode.
    expect(choice.typicalDensity).toBe(41);
    expect(choice.threshold).toBe(10);
    expect(choice.rule).toMatch(/median point/);
    expect(choice.nonEmptyCells).toBe(densities.filter((d) => d > 0).length);
    expect(choice.histogram.binWidth).toBe(1);
    expect(choice.histogram.counts[0]).toBe(0);
    expect(choice.histogram.counts[40]).toBe(25);
  });

  it("bins wide ranges and still finds the hump", () => {
    const densities = craftedDensities().map((d) => d * 10);
    const choice = chooseThreshold(densities, densities);
    expect(choice.histogram.binWidth).toBe(8);
    // Bins of 8 over values spaced by 10 are lumpy: the mode is right to within two bins.
    expect(Math.abs(choice.mode - 400)).toBeLessThanOrEqual(16);
    expect(choice.typicalDensity).toBe(410);
    expect(choice.threshold).toBe(103);
  });

  it("follows the points, not the many thin tail cells (where the cell mode gives T = 2)", () => {
    // A real map's shape: 300 cells of 1–2 points at the edges, 60 cells of 20–40 holding most points.
    const densities: number[] = [];
    for (let n = 0; n < 300; n++) densities.push(1 + (n % 2));
    for (let n = 0; n < 60; n++) densities.push(20 + (n % 21));
    const choice = chooseThreshold(densities, densities);
    expect(choice.mode).toBeLessThanOrEqual(2);
    expect(choice.typicalDensity).toBeGreaterThanOrEqual(28);
    expect(choice.typicalDensity).toBeLessThanOrEqual(34);
    expect(choice.threshold).toBeGreaterThanOrEqual(7);
    expect(choice.threshold).toBeLessThanOrEqual(9);
  });

  it("weights by points even when a sliding window makes density differ from count", () => {
    // Two cells: density 4 holding 1 point, density 40 holding 9 points → the median point sees 40.
    const choice = chooseThreshold([4, 40, 0], [1, 9, 0]);
    expect(choice.typicalDensity).toBe(40);
    expect(choice.threshold).toBe(10);
  });

  it("supports a quantile rule and a fixed T", () => {
    const densities = craftedDensities();
    const quantile = chooseThreshold(densities, densities, { quantile: 0.05 });
    expect(quantile.threshold).toBeLessThanOrEqual(5);
    expect(quantile.threshold).toBeGreaterThanOrEqual(2);
    expect(chooseThreshold(densities, densities, { fixed: 7 }).threshold).toBe(7);
    expect(() => chooseThreshold(densities, densities, { fixed: 0 })).toThrow(/positive/);
    expect(() => chooseThreshold(densities, densities, { quantile: 1.5 })).toThrow(/\(0, 1\)/);
  });

  it("never drops below 2", () => {
    const ones = new Array(100).fill(1);
    expect(chooseThreshold(ones, ones).threshold).toBe(2);
  });
});
