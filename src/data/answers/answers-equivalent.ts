import { parseAnswer, type AnswerNode, type Relation } from "./answer-tree.js";
import { evaluateExpression, expressionVariables } from "./evaluate-expression.js";
import type { ScalarAnswer } from "./scalar-answer.js";

/** Options for {@link answersEquivalent}. */
export interface EquivalenceOptions {
  /**
   * Largest accepted |a − b| / max(|a|, |b|) between two non-integer values (default 1e-4, so
   * `1/3` ≈ `0.3333`; inclusive). When either value is an integer the other must equal it (up to
   * floating-point noise) whatever this says: `9999.5` is not `10000`, `12.001` is not `12`.
   */
  relativeTolerance?: number;
}

const DEFAULT_RELATIVE_TOLERANCE = 1e-4;
// Points at which two expressions in the same variables are compared (`2x+1` vs `1+2x`).
// Half the points are positive in every variable (so `ln x`, `sqrt x` have values there); the
// rest give some variables negative values (so `sqrt(x^2)` is not `x`). A point where either side
// is undefined is skipped; at least MIN_DEFINED_POINTS must be defined on both sides and agree.
const SAMPLE_POINTS = 8;
const MIN_DEFINED_POINTS = 3;
// Floating-point noise allowed around an integer (`sqrt(2)^2` is 2.0000000000000004).
const INTEGER_NOISE = 1e-9;

/**
 * Are two final answers the same answer? Both may be LaTeX or plain text, as extracted by
 * `extractAnswer` or written in a dataset.
 *
 * - Numbers: thousands commas (`1,000` = `1000`; `.` is always the decimal point, so `1.000` = 1),
 *   currency (`$18`, `€5`, `18 dollars`), unit words (`18 apples`, `5 cm`, `\text{ cm}`, `^\circ`),
 *   fractions, decimals, mixed numbers (`2\frac{1}{2}` = 2.5), scientific notation, `\sqrt`, `\pi`
 *   (evaluated, then compared with the relative tolerance; when either side is an integer, exactly:
 *   `9999.5` ≠ `10000`). `\sin`, `\ln`, … and single letters are never taken for units (`2\sin x` ≠ `2`).
 * - Percent: `50%` = `50 percent` = `50` (GSM8K answers are plain numbers) and also = `0.5`. This is
 *   deliberately not transitive: `50` ≠ `0.5`.
 * - Structure: tuples and intervals element-wise with the same brackets (`(1,2)` ≠ `(2,1)`,
 *   `[1,2)` ≠ `(1,2)`), sets `\{1,2\}` and bare lists (`1, 2`, `6 and 8`, `1; 2`, `\pm 2`) as sets
 *   (order and repeats do not count), unions of intervals order-insensitive, matrices cell-wise.
 * - Labels go: `x = 5`, `f(x) = 1`, `(p,q) = (3,2)`, `AB = 4`, `x \in [0,1]` give the value; a chain
 *   `x = 5+5+1 = 11` gives its last member, `\frac{\sqrt3}{3} \approx 0.577` its exact one.
 * - Expressions with the same variables: equal when they agree at several sample points, relative to
 *   their magnitude (`(x+1)^2` = `x^2+2x+1`, `\tan^2 y + 1` = `\sec^2 y`).
 * - Equations: equal when one side-difference is a nonzero multiple of the other (`2x+4y-3=0` =
 *   `y = -\frac12 x + \frac34`); inequalities by a positive multiple (`5 \geq x` = `x \leq 5`);
 *   `a < x < b` is the interval `(a, b)`.
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
  // `y = 2x + 1` against an equation (`2x - y + 1 = 0`) compares as an equation, not as its value.
  const relationA = a.kind === "relation" ? a.relation : a.equation;
  const relationB = b.kind === "relation" ? b.relation : b.equation;
  if ((a.kind === "relation" || b.kind === "relation") && relationA !== undefined && relationB !== undefined) {
    return relationsEquivalent(relationA, relationB);
  }
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

function unorderedEquivalent(allA: AnswerNode[], allB: AnswerNode[], tolerance: number): boolean {
  // A set of answers: a member written twice (`(3,17,3,7)` listed twice) is still one member.
  const a = withoutRepeats(allA);
  const b = withoutRepeats(allB);
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

function withoutRepeats(items: AnswerNode[]): AnswerNode[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = writtenKey(item);
    if (key === null) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The canonical text of a scalar or a tuple of scalars; null for anything else. */
function writtenKey(node: AnswerNode): string | null {
  if (node.kind === "scalar") return node.scalar.text === "" ? null : node.scalar.text;
  if (node.kind !== "tuple") return null;
  const keys = node.items.map(writtenKey);
  return keys.some((key) => key === null) ? null : node.open + keys.join(",") + node.close;
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

/**
 * When either value is an integer, the other must be that integer (up to floating-point noise);
 * other values agree within the relative tolerance (inclusive).
 */
export function numbersMatch(x: number, y: number, tolerance: number): boolean {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  if (Number.isInteger(x) && Number.isInteger(y)) return x === y;
  if (Number.isInteger(x) || Number.isInteger(y)) return Math.abs(x - y) <= INTEGER_NOISE * Math.max(1, Math.abs(x), Math.abs(y));
  // The 1e-9 slack keeps a difference of exactly the tolerance (1/3 vs 0.3333) from failing on rounding.
  return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y)) * (1 + 1e-9);
}

function sameFunction(a: string, b: string, tolerance: number): boolean {
  const names = sharedVariables(a, b);
  if (names === null || names.length === 0) return false;
  let defined = 0;
  for (let point = 0; point < SAMPLE_POINTS; point++) {
    const values = new Map(names.map((name) => [name, samplePoint(name, point)] as const));
    const x = evaluateExpression(a, values);
    const y = evaluateExpression(b, values);
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    // Relative to the values' magnitude; sampled values are never integers on purpose.
    if (Math.abs(x - y) > Math.max(tolerance, 1e-9) * Math.max(1, Math.abs(x), Math.abs(y))) return false;
    defined++;
  }
  return defined >= MIN_DEFINED_POINTS;
}

/** The variables both expressions use, sorted; null when they differ or either is not an expression. */
function sharedVariables(a: string, b: string): string[] | null {
  const variablesA = expressionVariables(a);
  const variablesB = expressionVariables(b);
  if (variablesA === null || variablesB === null || variablesA.size !== variablesB.size) return null;
  for (const name of variablesA) if (!variablesB.has(name)) return null;
  return [...variablesA].sort();
}

/**
 * Two relations are the same when `left − right` of one is a constant multiple of the other's at
 * every sample point: any nonzero multiple for `=` and `!=` (`2x+4y-3 = 0` is `y = -x/2 + 3/4`),
 * a positive one for `<` and `<=` (`-x > -1` is `x < 1`; `x > -1` is not).
 */
function relationsEquivalent(a: Relation, b: Relation): boolean {
  if (a.op !== b.op) return false;
  const differenceA = `(${a.left})-(${a.right})`;
  const differenceB = `(${b.left})-(${b.right})`;
  const names = sharedVariables(differenceA, differenceB);
  if (names === null) return false;
  let ratio: number | null = null;
  let defined = 0;
  for (let point = 0; point < (names.length === 0 ? 1 : SAMPLE_POINTS); point++) {
    const values = new Map(names.map((name) => [name, samplePoint(name, point)] as const));
    const x = evaluateExpression(differenceA, values);
    const y = evaluateExpression(differenceB, values);
    if (names.length === 0) {
      if (x === null || y === null) return false;
      return numbersMatch(x, y, 1e-9) || (x !== 0 && y !== 0 && Math.sign(x) === Math.sign(y) && a.op !== "=");
    }
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (Math.abs(y) < 1e-12) {
      if (Math.abs(x) < 1e-12) continue;
      return false;
    }
    const here = x / y;
    if (ratio === null) ratio = here;
    else if (Math.abs(here - ratio) > 1e-8 * Math.max(1, Math.abs(ratio))) return false;
    defined++;
  }
  if (ratio === null || defined < MIN_DEFINED_POINTS || Math.abs(ratio) < 1e-12) return false;
  return a.op === "=" || a.op === "!=" || ratio > 0;
}

/**
 * A fixed, non-integer value per (variable, point), so that distinct variables get distinct values:
 * magnitude in [0.5, 3.5]; positive at the first half of the points, then negative at every
 * other point, offset by the name, so two variables are not always negative together.
 */
function samplePoint(name: string, point: number): number {
  let hash = 0;
  for (let index = 0; index < name.length; index++) hash = (hash * 31 + name.charCodeAt(index)) % 100_003;
  const seed = Math.sin(hash * 12.9898 + (point + 1) * 78.233) * 43758.5453;
  const magnitude = 0.5 + 3 * (seed - Math.floor(seed));
  return point < SAMPLE_POINTS / 2 || (point + hash) % 2 === 0 ? magnitude : -magnitude;
}
