import { describe, expect, it } from "vitest";
import { answersEquivalent } from "./answers-equivalent.js";

// [a, b, equivalent?, why]. Every row is checked in both orders.
const PAIRS: Array<[string, string, boolean, string]> = [
  // Plain numbers and their dress.
  ["1,000", "1000", true, "thousands comma"],
  ["1,000,000", "1000000", true, "several groups"],
  ["1,000", "1.000", false, "a dot is always the decimal point"],
  ["1,00", "100", false, "not a valid thousands grouping: a list"],
  ["$18", "18", true, "dollar prefix"],
  ["18 dollars", "$18.00", true, "currency word and cents"],
  ["€5", "5", true, "euro"],
  ["£7.50", "7.5", true, "pound, trailing zero"],
  ["18 apples", "18", true, "unit word"],
  ["5 hours", "5", true, "unit word"],
  ["5 cm", "5", true, "unit abbreviation"],
  ["5cm", "5", true, "glued unit"],
  ["5 square units", "5", true, "several unit words"],
  ["60 km/h", "60", true, "compound unit"],
  ["72.", "72", true, "trailing period"],
  ["2", "20", false, "different integers"],
  ["-3", "3", false, "sign matters"],
  ["−3", "-3", true, "unicode minus"],
  ["1000000", "1000001", false, "integers are compared exactly, whatever the tolerance"],
  ["five", "5", true, "number word"],
  // Percent.
  ["50%", "50", true, "percent sign dropped"],
  ["50 percent", "50", true, "percent word"],
  ["50%", "0.5", true, "percent as a fraction"],
  ["10%", "0.1", true, "percent as a fraction"],
  ["50", "0.5", false, "without a percent sign, 50 is not 0.5"],
  ["50\\%", "50%", true, "LaTeX percent"],
  ["25%", "0.52", false, "wrong fraction"],
  // Fractions, decimals, tolerance.
  ["1/3", "0.3333", true, "decimal within 1e-4"],
  ["1/3", "0.33", false, "decimal outside 1e-4"],
  ["2/3", "0.6667", true, "rounded decimal"],
  ["\\frac{1}{2}", "0.5", true, "LaTeX fraction"],
  ["\\dfrac12", "0.5", true, "dfrac without braces"],
  ["\\tfrac{1}{2}", "\\frac12", true, "tfrac"],
  ["\\frac{2}{4}", "\\frac{1}{2}", true, "unreduced fraction"],
  ["\\frac{1}{2}", "\\frac{1}{3}", false, "different fractions"],
  ["-\\frac{1}{2}", "-0.5", true, "negative fraction"],
  ["\\frac{-1}{2}", "-\\frac12", true, "sign inside or outside"],
  ["2\\frac{1}{2}", "2.5", true, "mixed number"],
  ["2\\frac{1}{2}", "\\frac{5}{2}", true, "mixed number vs improper fraction"],
  ["2 1/2", "2.5", true, "plain mixed number"],
  ["-2\\frac{1}{2}", "-2.5", true, "negative mixed number"],
  ["2\\frac{3}{2}", "3", true, "improper fraction after a number is a product, not a mixed number"],
  ["1.5e3", "1500", true, "scientific notation"],
  ["1.5 \\times 10^{3}", "1500", true, "LaTeX scientific notation"],
  ["3 \\cdot 10^{-2}", "0.03", true, "negative exponent"],
  ["1.5e3", "150", false, "wrong exponent"],
  // LaTeX decoration.
  ["1{,}000", "1000", true, "LaTeX thousands"],
  ["1,\\!000", "1000", true, "thin negative space in thousands"],
  ["10\\,000", "10000", true, "thin space in thousands"],
  ["\\$18", "18", true, "escaped dollar"],
  ["90^\\circ", "90", true, "degrees"],
  ["90^{\\circ}", "90°", true, "degree forms"],
  ["5\\text{ cm}", "5", true, "text unit"],
  ["12\\mbox{ inches}", "12", true, "mbox unit"],
  ["\\boxed{7}", "7", true, "a box around the answer"],
  ["$\\frac{3}{4}$", "0.75", true, "math delimiters"],
  ["\\sqrt{2}", "\\sqrt2", true, "sqrt with and without braces"],
  ["2\\sqrt{2}", "\\sqrt{8}", true, "same value"],
  ["\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true, "rationalised denominator"],
  ["\\sqrt{2}", "\\sqrt{3}", false, "different roots"],
  ["\\sqrt[3]{8}", "2", true, "cube root"],
  ["2\\pi", "2 \\pi", true, "pi spacing"],
  ["\\frac{\\pi}{2}", "\\frac12\\pi", true, "pi fraction forms"],
  ["3.14", "\\pi", false, "not equal under the default tolerance"],
  ["\\pi", "π", true, "unicode pi"],
  // Structures.
  ["\\left( 3, 4 \\right)", "(3,4)", true, "left/right delimiters"],
  ["(1,2)", "(2,1)", false, "tuples are ordered"],
  ["(1,2)", "(1,2,3)", false, "tuple length"],
  ["\\left(\\frac{1}{2}, -3\\right)", "(0.5,-3)", true, "tuple element-wise"],
  ["[1,2)", "(1,2)", false, "interval brackets matter"],
  ["[1, 2)", "\\left[1,2\\right)", true, "half-open interval"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)", true, "union order-insensitive"],
  ["(-\\infty, 2]", "(-\\infty, 2)", false, "closed vs open end"],
  ["\\{1,2\\}", "\\{2,1\\}", true, "sets are unordered"],
  ["\\{1,2\\}", "\\{1,3\\}", false, "different sets"],
  ["1, 2", "2, 1", true, "a bare list of solutions is unordered"],
  ["x = 1, 2", "2,1", true, "list after an assignment"],
  ["-2, 3", "3, -2", true, "list with negatives"],
  ["1, 2", "1, 2, 3", false, "list length"],
  ["1,000, 2,000", "2000, 1000", true, "list of numbers with thousands commas"],
  ["1, 1, 2", "1, 2, 2", true, "lists are sets: a member written twice counts once"],
  ["1, 1, 2", "1, 2, 3", false, "a set with a member the other lacks"],
  [
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
    true,
    "matrix delimiters",
  ],
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", false, "vector order"],
  ["\\begin{pmatrix} \\frac12 & 0 \\end{pmatrix}", "\\begin{pmatrix} 0.5 & 0 \\end{pmatrix}", true, "matrix cells by value"],
  // Assignments, expressions, text.
  ["x = 5", "5", true, "leading assignment"],
  ["x=5", "y = 5", true, "assignments to any one variable"],
  ["x = 5", "6", false, "assignment with a wrong value"],
  ["2x+1", "1+2x", true, "same polynomial"],
  ["x^2", "x \\cdot x", true, "same function"],
  ["\\frac{x}{2}", "0.5x", true, "fraction of a variable"],
  ["x+1", "x+2", false, "different polynomials"],
  ["x+1", "y+1", false, "different variables"],
  ["y = 2x + 3", "2x+3", true, "equation vs its right side"],
  ["\\text{(B)}", "B", true, "multiple choice"],
  ["(B)", "b", true, "multiple choice case"],
  ["B", "C", false, "different choices"],
  ["Yes", "yes", true, "text case"],
  ["yes", "no", false, "different words"],
  ["\\text{East}", "east", true, "text command"],
  ["east", "west", false, "different words"],
  ["\\infty", "\\infty", true, "identical"],
  ["\\infty", "-\\infty", false, "infinities of opposite sign"],
  ["\\dfrac{3}{4}\\text{ inches}", "0.75", true, "fraction with a text unit"],
  ["\\$1.50", "1.5", true, "escaped dollar with cents"],
  [".5", "0.5", true, "leading decimal point"],
  ["3\\sqrt{3}", "3 \\sqrt 3", true, "sqrt argument without braces"],
  ["\\frac{9}{4}", "2\\frac{1}{4}", true, "improper fraction vs mixed number"],
  ["x > 5", "x>5", true, "relations compared as text"],
  ["x > 5", "x < 5", false, "different relations"],
  ["a = 2, b = 3", "2, 3", true, "assignments in a list"],
  ["\\text{Monday}", "monday", true, "text answer"],
  ["12.00", "12", true, "trailing zeros"],
  ["4\\sqrt{3}\\text{ cm}^2", "4\\sqrt3", true, "squared unit after a surd"],
  ["\\frac{1}{2} \\text{ hour}", "0.5", true, "fraction with a unit"],
  ["y = -\\frac{1}{2}x + 3", "3 - 0.5x", true, "line equation vs its right side"],
  ["12345678901234567890", "12345678901234567891", false, "integers beyond double precision"],
  ["007", "7", true, "leading zeros"],
  ["10 am", "10 pm", false, "am/pm are not units"],
  ["five apples", "5", true, "number word with a unit"],
  ["", "", false, "an empty answer is never correct"],
  ["5", "", false, "empty vs something"],
];

describe("answersEquivalent", () => {
  it("has a table worth the name", () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(60);
    expect(PAIRS.filter((pair) => !pair[2]).length).toBeGreaterThanOrEqual(20);
  });

  // A plain loop, not it.each: its name templating reads `$18` as a variable.
  for (const [a, b, expected, why] of PAIRS) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${expected} (${why})`, () => {
      expect(answersEquivalent(a, b)).toBe(expected);
      expect(answersEquivalent(b, a)).toBe(expected);
    });
  }

  it("widens and tightens the numeric tolerance on request", () => {
    expect(answersEquivalent("3.14", "\\pi", { relativeTolerance: 1e-3 })).toBe(true);
    expect(answersEquivalent("3.1416", "\\pi")).toBe(true);
    expect(answersEquivalent("3.1416", "\\pi", { relativeTolerance: 1e-7 })).toBe(false);
    expect(answersEquivalent("1/3", "0.3333", { relativeTolerance: 0 })).toBe(false);
    // Integers stay exact even with a loose tolerance.
    expect(answersEquivalent("100", "101", { relativeTolerance: 0.1 })).toBe(false);
  });

  it("falls back to the default for a nonsensical tolerance", () => {
    expect(answersEquivalent("1/3", "0.3333", { relativeTolerance: Number.NaN })).toBe(true);
    expect(answersEquivalent("1/3", "0.3", { relativeTolerance: -1 })).toBe(false);
  });
});
