import { describe, expect, it } from "vitest";
import { evaluateExpression, expressionVariables } from "./evaluate-expression.js";

describe("evaluateExpression", () => {
  it.each([
    ["1+2*3", 7],
    ["(1+2)*3", 9],
    ["2^3^2", 512],
    ["-2^2", -4],
    ["2^-1", 0.5],
    ["2pi", 2 * Math.PI],
    ["3(4)", 12],
    ["2sqrt(2)", 2 * Math.SQRT2],
    ["sqrt(2)^2", 2],
    ["sqrt 9", 3],
    ["1.5e3", 1500],
    ["1/2pi", Math.PI / 2],
    [".5", 0.5],
    ["(1)/(4)", 0.25],
    ["e", Math.E],
    ["e^2", Math.E ** 2],
    ["2e", 2 * Math.E],
    ["sin(pi/6)", 0.5],
    ["sin^2(1) + cos^2(1)", 1],
    ["sec(0)", 1],
    ["tan^2 1 + 1", 1 / Math.cos(1) ** 2],
    ["sin 2pi/4", Math.sin(2 * Math.PI) / 4],
    ["ln(e^3)", 3],
    ["log 1000", 3],
    ["exp(0) + abs(-2)", 3],
    ["arctan(1)*4", Math.PI],
  ])("%s = %d", (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
  });

  it("is null outside its grammar, never throwing", () => {
    for (const expression of ["", "(", "1+", "2 apples", "x+1", "1 ± 2", "a<b", "process.exit()", "1))", "0/0"]) {
      expect(evaluateExpression(expression), expression).toBeNull();
    }
  });

  it("reads functions of variables, Greek names and subscripts as variables", () => {
    const values = new Map([["x", 0.5], ["theta", 1.25], ["x_1", 2], ["a_37", 3]]);
    expect(evaluateExpression("sin 2x", values)).toBeCloseTo(Math.sin(1), 12);
    expect(evaluateExpression("2 sin x cos x", values)).toBeCloseTo(Math.sin(1), 12);
    expect(evaluateExpression("cos^2 theta", values)).toBeCloseTo(Math.cos(1.25) ** 2, 12);
    expect(evaluateExpression("x_1 + a_(37)", values)).toBe(5);
    expect([...(expressionVariables("x_1 + theta + e + sin(y)") ?? [])].sort()).toEqual(["theta", "x_1", "y"]);
    // A short word inside a formula is a product of letters; a word on its own is text.
    expect([...(expressionVariables("ln(ab)") ?? [])].sort()).toEqual(["a", "b"]);
    expect(expressionVariables("no")).toBeNull();
  });

  it("uses variable values when given", () => {
    expect(evaluateExpression("2x+y", new Map([["x", 3], ["y", 1]]))).toBe(7);
    expect(evaluateExpression("2x+y", new Map([["x", 3]]))).toBeNull();
  });

  it("lists the variables of an expression, or null for a word", () => {
    expect([...(expressionVariables("2x + y^2 + pi") ?? [])].sort()).toEqual(["x", "y"]);
    expect(expressionVariables("east")).toBeNull();
  });

  it("gives up on absurd nesting instead of overflowing the stack", () => {
    expect(evaluateExpression("(".repeat(50) + "1" + ")".repeat(50))).toBe(1);
    expect(evaluateExpression("(".repeat(300) + "1" + ")".repeat(300))).toBeNull();
    expect(evaluateExpression("(".repeat(5000) + "1" + ")".repeat(5000))).toBeNull();
  });
});
