import { parseAnswer, type AnswerNode } from "./answer-tree.js";
import { canonicalText, type ScalarAnswer } from "./scalar-answer.js";

const DECIMAL = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/;
const SCIENTIFIC = /^-?\d+(?:\.\d+)?\*10\^\(?[+-]?\d+\)?$/;
const FRACTION = /^(-?)(\d+)\/(\d+)$/;
const MIXED = /^(-?)\(?(\d+)\+(\d+)\/(\d+)\)?$/;

/**
 * Canonical string form of an answer, for display and for grouping sampled answers. Equivalent
 * plain numbers map to one string: `$1,000.00`, `1000` and `1{,}000` → `1000`; `\frac{2}{4}`, `1/2`
 * and `0.5` → `0.5`; `\frac13` → `1/3` (a fraction whose decimal does not terminate stays a
 * reduced fraction); `2\frac12` → `2.5`. A percent sign is dropped (`50%` → `50`). Other answers get
 * their canonical text (lower case, no spaces, LaTeX in plain form: `\sqrt{2}` → `sqrt(2)`), sets
 * and lists sorted, tuples and intervals kept in order with their brackets.
 *
 * Grouping by this string is exact: values that are only equal within a tolerance (`1/3` and
 * `0.3333`) get different strings; use `answersEquivalent` for those. Never throws.
 */
export function normalizeAnswer(answer: string): string {
  if (typeof answer !== "string") return "";
  return render(parseAnswer(answer));
}

function render(node: AnswerNode): string {
  switch (node.kind) {
    case "scalar":
      return renderScalar(node.scalar);
    case "tuple":
      return node.open + node.items.map(render).join(",") + node.close;
    case "set":
      return "{" + node.items.map(render).sort().join(",") + "}";
    case "list":
      return node.items.map(render).sort().join(",");
    case "union":
      return node.items.map(render).sort().join("∪");
    case "matrix":
      return "[" + node.rows.map((row) => "[" + row.map(render).join(",") + "]").join(",") + "]";
    case "relation":
      return canonicalText(node.relation.left) + node.relation.op + canonicalText(node.relation.right);
  }
}

function renderScalar(scalar: ScalarAnswer): string {
  const { text, value } = scalar;
  if (value === null || !Number.isFinite(value)) return text;
  if (DECIMAL.test(text) || SCIENTIFIC.test(text)) return formatNumber(value);
  const fraction = FRACTION.exec(text);
  if (fraction !== null) return formatRational(fraction[1] === "-", 0, Number(fraction[2]), Number(fraction[3])) ?? text;
  const mixed = MIXED.exec(text);
  if (mixed !== null) return formatRational(mixed[1] === "-", Number(mixed[2]), Number(mixed[3]), Number(mixed[4])) ?? text;
  return text;
}

function formatRational(negative: boolean, whole: number, numerator: number, denominator: number): string | null {
  if (denominator === 0 || !Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) return null;
  let top = whole * denominator + numerator;
  if (!Number.isSafeInteger(top)) return null;
  const divisor = greatestCommonDivisor(top, denominator);
  top /= divisor;
  const bottom = denominator / divisor;
  const sign = negative && top !== 0 ? "-" : "";
  let rest = bottom;
  while (rest % 2 === 0) rest /= 2;
  while (rest % 5 === 0) rest /= 5;
  // A terminating decimal has one natural spelling (0.5); anything else stays an exact fraction.
  if (rest === 1) return sign + formatNumber(top / bottom);
  return `${sign}${top}/${bottom}`;
}

function greatestCommonDivisor(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x === 0 ? 1 : x;
}

/** Integers in full (no exponent below 1e21), other values to 12 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value === 0 ? "0" : value.toFixed(0);
  return String(Number(value.toPrecision(12)));
}
