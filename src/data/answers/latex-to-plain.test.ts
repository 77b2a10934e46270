import { describe, expect, it } from "vitest";
import { latexToPlain, MATRIX_CELL, MATRIX_CLOSE, MATRIX_OPEN, MATRIX_ROW, SET_CLOSE, SET_OPEN, UNION } from "./latex-to-plain.js";

describe("latexToPlain", () => {
  it.each([
    ["\\frac{1}{2}", "(1)/(2)"],
    ["\\dfrac12", "(1)/(2)"],
    ["\\frac\\pi2", "(pi)/(2)"],
    ["\\frac{\\frac{1}{2}}{3}", "((1)/(2))/(3)"],
    ["\\sqrt{2}", "sqrt(2)"],
    ["\\sqrt2", "sqrt(2)"],
    ["\\sqrt[3]{x}", "(x)^(1/(3))"],
    ["x^{2}", "x^(2)"],
    ["\\left( 3, 4 \\right)", "(3, 4)"],
    ["\\left. x \\right|", "x |"],
    ["1{,}000", "1,000"],
    ["1,\\!000", "1,000"],
    ["5\\text{ cm}", "5 cm"],
    ["90^\\circ", "90"],
    ["90^{\\circ}", "90"],
    ["50\\%", "50%"],
    ["\\$18", "18"],
    ["$x$", "x"],
    ["2\\frac{1}{2}", "(2+1/2)"],
    ["-2\\frac{1}{2}", "-(2+1/2)"],
    ["2\\frac{3}{2}", "2(3)/(2)"],
    ["x^2\\frac{1}{2}", "x^2(1)/(2)"],
    ["2 1/2", "(2+1/2)"],
    ["\\theta", "theta"],
    ["3 \\times 10^{4}", "3 * 10^(4)"],
    ["−5", "-5"],
    ["π", "pi"],
  ])("%s → %s", (latex, plain) => {
    expect(latexToPlain(latex)).toBe(plain);
  });

  it("marks sets, unions and matrices", () => {
    expect(latexToPlain("\\{1, 2\\}")).toBe(`${SET_OPEN}1, 2${SET_CLOSE}`);
    expect(latexToPlain("\\left\\{1\\right\\}")).toBe(`${SET_OPEN}1${SET_CLOSE}`);
    expect(latexToPlain("(1,2) \\cup (3,4)")).toBe(`(1,2) ${UNION} (3,4)`);
    expect(latexToPlain("\\begin{pmatrix} 1 & 2 \\\\ 3 & \\frac12 \\end{pmatrix}")).toBe(
      `${MATRIX_OPEN}1${MATRIX_CELL}2${MATRIX_ROW}3${MATRIX_CELL}(1)/(2)${MATRIX_CLOSE}`,
    );
  });

  it("does not treat prototype names as known commands", () => {
    expect(latexToPlain("\\constructor")).toBe("constructor");
  });
});
