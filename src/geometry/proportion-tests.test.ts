import { describe, expect, it } from "vitest";
import { mcnemarFromVerdicts, mcnemarTest, wilsonInterval } from "./proportion-tests.js";
import { loadStatisticsReference } from "./reference/statistics-reference.js";

const reference = loadStatisticsReference();

describe("Wilson interval", () => {
  it("matches the closed form evaluated in Python (z = norm.ppf(0.975))", () => {
    for (const [k, n, lower, upper] of reference.wilson) {
      const interval = wilsonInterval(k, n);
      expect(interval.lower).toBeCloseTo(lower, 12);
      expect(interval.upper).toBeCloseTo(upper, 12);
      expect(interval.estimate).toBe(k / n);
    }
  });

  it("is [0, 1] with no items and refuses impossible counts", () => {
    expect(wilsonInterval(0, 0)).toMatchObject({ lower: 0, upper: 1 });
    expect(() => wilsonInterval(5, 3)).toThrow(/successes ≤ n/);
  });
});

describe("McNemar", () => {
  it("exact and χ² p-values match SciPy's binomial and χ² tails", () => {
    for (const [b, c, exact, chi, chiP] of reference.mcnemar) {
      const result = mcnemarTest(b, c);
      expect(result.exactP).toBeCloseTo(exact, 12);
      expect(result.chiSquared).toBeCloseTo(chi, 12);
      expect(result.chiSquaredP).toBeCloseTo(chiP, 10);
    }
  });

  it("counts only the discordant items", () => {
    const result = mcnemarFromVerdicts([true, true, false, false, true], [true, false, true, false, false]);
    expect(result).toMatchObject({ onlyFirst: 2, onlySecond: 1 });
    expect(mcnemarTest(0, 0).exactP).toBe(1);
  });
});
