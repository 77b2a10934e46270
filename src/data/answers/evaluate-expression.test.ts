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
  ])("%s = %d", (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
  });

  it("is null outside its grammar, never throwing", () => {
    for (const expression of ["", "(", "1+", "2 apples", "x+1", "1 ± 2", "a<b", "process.exit()", "1))", "0/0"]) {
      expect(evaluateExpression(expression), expression).toBeNull();
    }
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
