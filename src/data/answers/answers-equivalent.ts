import { parseAnswer, type AnswerNode } from "./answer-tree.js";
import { evaluateExpression, expressionVariables } from "./evaluate-expression.js";
import type { ScalarAnswer } from "./scalar-answer.js";

/** Options for {@link answersEquivalent}. */
export interface EquivalenceOptions {
  /**
   * Largest accepted |a − b| / max(|a|, |b|) between two non-integer values (default 1e-4, so
   * `1/3` ≈ `0.3333`; inclusive). Two integer values must be exactly equal whatever this says.
   */
  relativeTolerance?: number;
}

const DEFAULT_RELATIVE_TOLERANCE = 1e-4;
// Points at which two expressions in the same variables are compared (`2x+1` vs `1+2x`).
const SAMPLE_POINTS = 3;

/**
 * Are two final answers the same answer? Both may be LaTeX or plain text, as extracted by
 * `extractAnswer` or written in a dataset.
 *
 * - Numbers: thousands commas (`1,000` = `1000`; `.` is always the decimal point, so `1.000` = 1),
 *   currency (`$18`, `€5`, `18 dollars`), unit words (`18 apples`, `5 cm`, `\text{ cm}`, `^\circ`),
 *   fractions, decimals, mixed numbers (`2\frac{1}{2}` = 2.5), scientific notation, `\sqrt`, `\pi`
 *   (evaluated, then compared with the relative tolerance; integers exactly).
 * - Percent: `50%` = `50 percent` = `50` (GSM8K answers are plain numbers) and also = `0.5`. This is
 *   deliberately not transitive: `50` ≠ `0.5`.
 * - Structure: tuples and intervals element-wise with the same brackets (`(1,2)` ≠ `(2,1)`,
 *   `[1,2)` ≠ `(1,2)`), sets `\{1,2\}` and bare lists `1, 2` order-insensitive, unions of intervals
 *   order-insensitive, matrices cell-wise.
 * - `x = 5` = `5` (a leading single-variable assignment is dropped).
 * - Expressions with variables: equal when they agree at several sample points (`2x+1` = `1+2x`).
 * - Anything else (`yes`, `\text{(B)}` = `B`, `east`): canonical text, case-insensitive.
 * - An empty answer is never equivalent to anything. Never throws.
 */
export function answersEquivalent(a: string, b: string, options: EquivalenceOptions = {}): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  if (a.trim() === "" || b.trim() === "") return false;
  if (a.trim() === b.trim()) return true;
  const requested = options.relativeTolerance;
  const tolerance = requested !== undefined && Number.isFinite(requested) && requested >= 0 ? requested : DEFAULT_RELATIVE_TOLERANCE;
  return nodesEquivalent(parseAnswer(a), parseAnswer(b), tolerance);
}

function nodesEquivalent(a: AnswerNode, b: AnswerNode, tolerance: number): boolean {
  if (a.kind === "scalar" && b.kind === "scalar") return scalarsEquivalent(a.scalar, b.scalar, tolerance);
  if (a.kind === "tuple" && b.kind === "tuple") {
    return a.open === b.open && a.close === b.close && orderedEquivalent(a.items, b.items, tolerance);
  }
  const unordered = (node: AnswerNode) => node.kind === "set" || node.kind === "list";
  if (unordered(a) && unordered(b)) return unorderedEquivalent(itemsOf(a), itemsOf(b), tolerance);
  if (a.kind === "union" && b.kind === "union") return unorderedEquivalent(a.items, b.items, tolerance);
  if (a.kind === "matrix" && b.kind === "matrix") {
    return a.rows.length === b.rows.length && a.rows.every((row, index) => orderedEquivalent(row, b.rows[index], tolerance));
  }
  return false;
}

function itemsOf(node: AnswerNode): AnswerNode[] {
  return node.kind === "set" || node.kind === "list" ? node.items : [];
}

function orderedEquivalent(a: AnswerNode[], b: AnswerNode[], tolerance: number): boolean {
  return a.length === b.length && a.every((item, index) => nodesEquivalent(item, b[index], tolerance));
}

function unorderedEquivalent(a: AnswerNode[], b: AnswerNode[], tolerance: number): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  // Pair identical scalars first through a map: a degenerate generation ("1, 1, 1, ...") would
  // otherwise cost a quadratic number of full comparisons.
  const byText = new Map<string, number[]>();
  b.forEach((item, index) => {
    if (item.kind !== "scalar" || item.scalar.text === "") return;
    const list = byText.get(item.scalar.text);
    if (list === undefined) byText.set(item.scalar.text, [index]);
    else list.push(index);
  });
  const rest: AnswerNode[] = [];
  for (const item of a) {
    const index = item.kind === "scalar" ? byText.get(item.scalar.text)?.pop() : undefined;
    if (index === undefined) rest.push(item);
    else used[index] = true;
  }
  for (const item of rest) {
    const match = b.findIndex((candidate, index) => !used[index] && nodesEquivalent(item, candidate, tolerance));
    if (match < 0) return false;
    used[match] = true;
  }
  return true;
}

function scalarsEquivalent(a: ScalarAnswer, b: ScalarAnswer, tolerance: number): boolean {
  if (a.text !== "" && a.text === b.text) return true;
  if (a.value !== null && b.value !== null) return valuesMatch(a, b, tolerance);
  if (a.value !== null || b.value !== null) return false;
  return sameFunction(a.expression, b.expression, tolerance);
}

const INTEGER_LITERAL = /^-?\d+$/;

function valuesMatch(a: ScalarAnswer, b: ScalarAnswer, tolerance: number): boolean {
  const x = a.value as number;
  const y = b.value as number;
  // Integers past 2^53 collapse to one double; written integers are compared digit by digit.
  if (!a.percent && !b.percent && INTEGER_LITERAL.test(a.text) && INTEGER_LITERAL.test(b.text)) {
    return BigInt(a.text) === BigInt(b.text);
  }
  if (numbersMatch(x, y, tolerance)) return true;
  // Exactly one side is a percentage: `10%` also means 0.1.
  if (a.percent && !b.percent) return numbersMatch(x / 100, y, tolerance);
  if (b.percent && !a.percent) return numbersMatch(x, y / 100, tolerance);
  return false;
}

/** Integers must be equal; other values within the relative tolerance (inclusive). */
export function numbersMatch(x: number, y: number, tolerance: number): boolean {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  if (Number.isInteger(x) && Number.isInteger(y)) return x === y;
  // The 1e-9 slack keeps a difference of exactly the tolerance (1/3 vs 0.3333) from failing on rounding.
  return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y)) * (1 + 1e-9);
}

function sameFunction(a: string, b: string, tolerance: number): boolean {
  const variablesA = expressionVariables(a);
  const variablesB = expressionVariables(b);
  if (variablesA === null || variablesB === null) return false;
  const names = [...new Set([...variablesA, ...variablesB])].sort();
  if (names.length === 0) return false;
  for (let point = 0; point < SAMPLE_POINTS; point++) {
    const values = new Map(names.map((name) => [name, samplePoint(name, point)] as const));
    const x = evaluateExpression(a, values);
    const y = evaluateExpression(b, values);
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) return false;
    if (!numbersMatch(x, y, Math.max(tolerance, 1e-9))) return false;
  }
  return true;
}

/** A fixed, non-integer value per (variable, point) so that distinct variables get distinct values. */
function samplePoint(name: string, point: number): number {
  const seed = Math.sin(name.charCodeAt(0) * 12.9898 + (point + 1) * 78.233) * 43758.5453;
  return 0.5 + 3 * (seed - Math.floor(seed));
}
