import { describe, expect, it } from "vitest";
import { createRandom } from "../../geometry/random.js";
import { answersEquivalent } from "./answers-equivalent.js";
import { extractAnswer } from "./extract-answer.js";
import { normalizeAnswer } from "./normalize-answer.js";
import { parseNumericAnswer } from "./parse-numeric-answer.js";


// Pieces that exercise every rule, plus characters that break naive parsers.
const PIECES = [
  "\\boxed{", "\\fbox", "\\frac", "\\dfrac", "\\sqrt", "\\sqrt[", "\\left(", "\\right)", "\\{", "\\}", "{", "}",
  "(", ")", "[", "]", "\\text{", "\\begin{pmatrix}", "\\end{pmatrix}", "\\begin{array}", "&", "\\\\", "\\",
  "#### ", "### Final answer", "**Answer:**", "The answer is ", "$", "$$", "\\(", "\\)", "^", "_", "\\circ",
  "\\pi", "\\infty", "\\cup", ",", ".", "%", "1", "2", "0", "9", "1,000", "-", "+", "*", "/", "=", "x", "e",
  "apples", " ", "\n", "\t", "€", "π", "²", "−", "«", "»", "⟦", "⟧", "¦", "‖", "∪", "\u0000", "\ud800", "😀",
  "constructor", "__proto__", "\\constructor", "\\toString", "1e308", "1e-400", "0/0", "(2)/(0)",
];

function randomAnswer(next: () => number): string {
  const length = Math.floor(next() * 12);
  let text = "";
  for (let index = 0; index < length; index++) {
    text += next() < 0.8 ? PIECES[Math.floor(next() * PIECES.length)] : String.fromCharCode(Math.floor(next() * 0x3000));
  }
  return text;
}

function checkTotal(a: string, b: string): void {
  const extracted = extractAnswer(a);
  expect(extracted === null || (typeof extracted.answer === "string" && extracted.answer !== "")).toBe(true);
  expect(typeof answersEquivalent(a, b)).toBe("boolean");
  expect(typeof normalizeAnswer(a)).toBe("string");
  const value = parseNumericAnswer(a);
  expect(value === null || Number.isFinite(value)).toBe(true);
}

describe("robustness", () => {
  it("never throws on random strings, and equivalence is symmetric and reflexive on them", () => {
    const next = createRandom(20261121);
    for (let round = 0; round < 3000; round++) {
      const a = randomAnswer(next);
      const b = randomAnswer(next);
      checkTotal(a, b);
      expect(answersEquivalent(a, b)).toBe(answersEquivalent(b, a));
      if (a.trim() !== "") expect(answersEquivalent(a, a)).toBe(true);
    }
  });

  it("survives deep nesting and long runs (no recursion overflow, no runaway backtracking)", () => {
    const hostile = [
      "{".repeat(20000),
      "{".repeat(5000) + "1" + "}".repeat(5000),
      "(".repeat(20000) + "1" + ")".repeat(20000),
      "\\frac".repeat(5000) + "12",
      "\\sqrt".repeat(5000) + "2",
      "\\boxed{".repeat(3000) + "7" + "}".repeat(3000),
      "#" + " ".repeat(50000) + "x",
      "The answer is " + ".".repeat(50000) + "x",
      "**" + " ".repeat(50000) + "Final" + " ".repeat(50000) + "!",
      "^" + " ".repeat(50000) + "{" + " ".repeat(50000) + "x",
      "1" + " 1".repeat(30000) + "/",
      "9".repeat(50000) + " apples",
      "x" + "^x".repeat(10000),
      "-".repeat(20000) + "1",
      "1,".repeat(20000),
      "€".repeat(50000) + "%",
    ];
    for (const text of hostile) checkTotal(text, text.slice(0, 100));
  });

  it("does not accept a non-string without throwing", () => {
    const notAString = 5 as unknown as string;
    expect(answersEquivalent(notAString, "5")).toBe(false);
    expect(normalizeAnswer(notAString)).toBe("");
    expect(parseNumericAnswer(notAString)).toBeNull();
    expect(extractAnswer(notAString)).toBeNull();
  });
});
