import { describe, expect, it } from "vitest";
import { approximateTokens, summarize } from "./text-stats.js";

describe("approximateTokens", () => {
  it("counts words, short digit runs and punctuation", () => {
    expect(approximateTokens("Natalia sold 48 clips.")).toBe(5);
    expect(approximateTokens("12345")).toBe(2); // "123" + "45"
    expect(approximateTokens("")).toBe(0);
    expect(approximateTokens("  \n ")).toBe(0);
  });
});

describe("summarize", () => {
  it("gives min, mean, median, p95 and max", () => {
    const s = summarize(Array.from({ length: 101 }, (_, i) => i));
    expect(s).toEqual({ count: 101, min: 0, mean: 50, p50: 50, p95: 95, max: 100 });
  });
  it("handles no values", () => {
    expect(summarize([]).count).toBe(0);
  });
});
