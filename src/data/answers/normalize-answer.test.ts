import { describe, expect, it } from "vitest";
import { normalizeAnswer } from "./normalize-answer.js";
import { parseNumericAnswer } from "./parse-numeric-answer.js";

describe("normalizeAnswer", () => {
  it.each([
    ["$1,000.00", "1000"],
    ["1{,}000", "1000"],
    ["72.", "72"],
    ["0.50", "0.5"],
    ["\\frac{2}{4}", "0.5"],
    ["\\dfrac12", "0.5"],
    ["\\frac13", "1/3"],
    ["-\\frac{6}{9}", "-2/3"],
    ["2\\frac{1}{2}", "2.5"],
    ["1.5e3", "1500"],
    ["1.5 \\times 10^{3}", "1500"],
    ["50%", "50"],
    ["18 apples", "18"],
    ["x = 5", "5"],
    ["\\sqrt{2}", "sqrt(2)"],
    ["\\text{(B)}", "b"],
    ["East", "east"],
    ["\\{3, 1, 2\\}", "{1,2,3}"],
    ["\\left( 3, 4 \\right)", "(3,4)"],
    ["[1, 2)", "[1,2)"],
    ["2, 1", "1,2"],
    ["\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "[[1,2],[3,4]]"],
  ])("%s → %s", (answer, expected) => {
    expect(normalizeAnswer(answer)).toBe(expected);
  });

  it("gives equal strings to equal plain values and different strings to different ones", () => {
    expect(normalizeAnswer("$18")).toBe(normalizeAnswer("18 dollars"));
    expect(normalizeAnswer("\\frac{1}{2}")).toBe(normalizeAnswer("0.5"));
    expect(normalizeAnswer("2")).not.toBe(normalizeAnswer("20"));
    expect(normalizeAnswer("(1,2)")).not.toBe(normalizeAnswer("(2,1)"));
  });
});

describe("parseNumericAnswer", () => {
  it.each([
    ["72", 72],
    ["1,080", 1080],
    ["-3", -3],
    ["$18.50", 18.5],
    ["18 apples", 18],
    ["50%", 50],
    ["-\\frac{1}{2}", -0.5],
    ["2\\frac12", 2.5],
    ["1.5e3", 1500],
    ["2.5 \\times 10^{-3}", 0.0025],
    ["x = 5", 5],
    ["\\sqrt{4}", 2],
    ["2^{10}", 1024],
  ])("%s → %d", (answer, expected) => {
    expect(parseNumericAnswer(answer)).toBeCloseTo(expected, 12);
  });

  it("is null for what is not a single number", () => {
    for (const answer of ["(1,2)", "\\{1\\}", "x+1", "yes", "\\infty", "", "1, 2", "5 ± 2", "2 < x"]) {
      expect(parseNumericAnswer(answer), answer).toBeNull();
    }
  });

  it("gives 2π for 2\\pi", () => {
    expect(parseNumericAnswer("2\\pi")).toBeCloseTo(2 * Math.PI, 12);
  });
});
