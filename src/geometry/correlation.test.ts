import { describe, expect, it } from "vitest";
import { averageRanks, linearFit, pearson, spearman } from "./correlation.js";
import { loadStatisticsReference } from "./reference/statistics-reference.js";

const reference = loadStatisticsReference();

function close(actual: number, expected: number, relative = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected) + 1e-13);
}

describe("correlation against scipy.stats.pearsonr / spearmanr", () => {
  for (const testCase of reference.correlations) {
    it(`${testCase.name} (n = ${testCase.x.length})`, () => {
      const r = pearson(testCase.x, testCase.y);
      close(r.coefficient, testCase.pearson[0]);
      close(r.p, testCase.pearson[1], 1e-7);
      const rho = spearman(testCase.x, testCase.y);
      close(rho.coefficient, testCase.spearman[0]);
      close(rho.p, testCase.spearman[1], 1e-7);
      const fit = linearFit(testCase.x, testCase.y);
      close(fit.slope, testCase.fit[0]);
      close(fit.intercept, testCase.fit[1]);
    });
  }
});

describe("correlation edge cases", () => {
  it("ties share the mean rank", () => {
    expect([...averageRanks([10, 20, 20, 5, 20])]).toEqual([2, 4, 4, 1, 4]);
  });

  it("a perfect monotone relation has ρ = 1 and p = 0, a constant sample has no coefficient", () => {
    const x = [1, 2, 3, 4, 5, 6];
    const rho = spearman(x, x.map((v) => v ** 3));
    expect(rho.coefficient).toBe(1);
    expect(rho.p).toBe(0);
    expect(Number.isNaN(pearson(x, [2, 2, 2, 2, 2, 2]).coefficient)).toBe(true);
  });

  it("two points have a coefficient but no p-value; unequal lengths are refused", () => {
    const r = pearson([1, 2], [3, 5]);
    expect(r.coefficient).toBeCloseTo(1, 12);
    expect(Number.isNaN(r.p)).toBe(true);
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(/differ in length/);
  });
});
