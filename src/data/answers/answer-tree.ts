import {
  latexToPlain,
  MATRIX_CELL,
  MATRIX_CLOSE,
  MATRIX_OPEN,
  MATRIX_ROW,
  SET_CLOSE,
  SET_OPEN,
  UNION,
} from "./latex-to-plain.js";
import { prepareScalar, removeThousandsSeparators, type ScalarAnswer } from "./scalar-answer.js";
import { matchingClose, OPENERS, splitEquals, splitRelations, splitTopLevel, splitTopLevelPattern } from "./top-level-split.js";
import { trimEndChars } from "./trim-end-chars.js";

/** A relation between two plain-form expressions; `>` and `>=` are stored flipped (`5 > x` is `x < 5`). */
export interface Relation {
  op: "=" | "<" | "<=" | "!=";
  left: string;
  right: string;
}

/**
 * An answer's structure. Tuples and intervals are ordered and keep their brackets (`(1,2]`);
 * sets (`\{1,2\}`), bare lists (`1, 2`, `6 and 8`, `1; 2` — "all solutions") and unions are
 * unordered. An equation or inequality that is not a labelled value is a relation. A value
 * written with a label (`y = 2x + 1`) also keeps its equation, so it can match `2x - y + 1 = 0`.
 */
export type AnswerNode = (
  | { kind: "scalar"; scalar: ScalarAnswer }
  | { kind: "tuple"; open: string; close: string; items: AnswerNode[] }
  | { kind: "set"; items: AnswerNode[] }
  | { kind: "list"; items: AnswerNode[] }
  | { kind: "union"; items: AnswerNode[] }
  | { kind: "matrix"; rows: AnswerNode[][] }
  | { kind: "relation"; relation: Relation }
) & { equation?: Relation };

const MAX_DEPTH = 20;
const GREEK_WORDS = /\b(?:alpha|beta|gamma|delta|epsilon|theta|phi|lambda|mu|sigma|omega|tau|rho|xi|psi|eta)\b/g;
// What a label is made of once subscripts and Greek names are gone: letters and the punctuation
// of `f(x)`, `(p,q)`, `|AB|`, `A:B`, `NO/BO`, `f'` — no digits, no arithmetic.
const LABEL = /^[A-Za-z(),|:/' ]+$/;
// Separators of a list of answers besides the comma: `6 and 8`, `21, 16 or 11`, `1; 2`.
const WORD_SEPARATOR = /\s*(?:;|,?\s*\band\b|,?\s*\bor\b)\s*/;

/**
 * Longest answer read for its structure. A final answer, even a matrix, is a few hundred
 * characters; anything longer is a whole solution or a runaway generation, and is compared as
 * text only, which keeps every call far under 20 ms on inputs up to 10 KB.
 */
export const MAX_STRUCTURED_LENGTH = 600;

/** Parse an answer (LaTeX or plain text) into its structure. Never throws. */
export function parseAnswer(answer: string): AnswerNode {
  if (answer.length > MAX_STRUCTURED_LENGTH) {
    const text = answer.replace(/\s+/g, "").toLowerCase();
    return { kind: "scalar", scalar: { expression: answer, text, value: null, percent: false } };
  }
  return parseNode(latexToPlain(answer), 0);
}

function parseNode(input: string, depth: number): AnswerNode {
  const text = trimEndChars(input, ".").trim();
  if (depth > MAX_DEPTH) return scalar(text);

  const unionParts = splitTopLevel(text, UNION);
  if (unionParts.length > 1) return { kind: "union", items: unionParts.map((part) => parseNode(part, depth + 1)) };

  const listParts = splitTopLevelPattern(text, WORD_SEPARATOR).filter((part) => part.trim() !== "");
  if (listParts.length > 1) return { kind: "list", items: flatten(listParts.map((part) => parseNode(part, depth + 1))) };

  const first = text[0];
  if (first !== undefined && OPENERS.has(first) && matchingClose(text, 0) === text.length - 1) {
    const last = text[text.length - 1];
    const inner = text.slice(1, -1);
    if (first === MATRIX_OPEN && last === MATRIX_CLOSE) {
      const rows = splitTopLevel(inner, MATRIX_ROW).map((row) =>
        splitTopLevel(row, MATRIX_CELL).map((cell) => parseNode(cell, depth + 1)),
      );
      return { kind: "matrix", rows };
    }
    if (first === SET_OPEN && last === SET_CLOSE) {
      const items = inner.trim() === "" ? [] : flatten(splitTopLevel(inner, ",").map((item) => parseNode(item, depth + 1)));
      return { kind: "set", items };
    }
    if ((first === "(" || first === "[") && (last === ")" || last === "]")) {
      // `(0;-2;6)`: some write a tuple's coordinates with semicolons.
      const commas = splitTopLevel(inner, ",");
      const parts = commas.length > 1 ? commas : splitTopLevel(inner, ";");
      if (parts.length > 1) return { kind: "tuple", open: first, close: last, items: parts.map((part) => parseNode(part, depth + 1)) };
      // `(B)` and `(5)` are the thing inside; `[5]` stays as written.
      if (first === "(" && last === ")") return parseNode(inner, depth + 1);
    }
  }

  // `1,000` is one number; any other top-level comma makes a list of answers (`1,000, 2,000`: two).
  const withoutThousands = removeThousandsSeparators(text);
  if (withoutThousands.includes(",")) {
    const parts = splitTopLevel(withoutThousands, ",");
    if (parts.length > 1) return { kind: "list", items: flatten(parts.map((part) => parseNode(part, depth + 1))) };
  }
  return parseStatement(text, depth);
}

/**
 * An answer that is not a structure: a value, perhaps behind a label (`x = 5`, `f(x) = 1`,
 * `(p,q) = (3,2)`, `x ∈ [0,1]`), in a chain (`x = 5+5+1 = 11`, `2 + 3 = 5`: the last member), beside an
 * approximation (`sqrt(3)/3 ≈ 0.577`: the exact member), or `a ± b` (both); else an equation or
 * an inequality.
 */
function parseStatement(text: string, depth: number): AnswerNode {
  const approximate = splitTopLevel(text, "≈");
  if (approximate.length > 1) {
    const members = isLabel(approximate[0]) ? approximate.slice(1) : approximate;
    return parseNode(members[0], depth + 1);
  }
  const member = splitTopLevel(text, "∈");
  if (member.length === 2 && isLabel(member[0])) return parseNode(member[1], depth + 1);

  const sides = splitEquals(text);
  if (sides.length > 1) {
    if (isLabel(sides[0])) {
      const value = parseNode(sides[sides.length - 1], depth + 1);
      return sides.length === 2 ? { ...value, equation: { op: "=", left: sides[0].trim(), right: sides[1].trim() } } : value;
    }
    // `2 + 3 = 5` states arithmetic, not an equation: its answer is the last member.
    const constants = sides.length === 2 && sides.every((side) => prepareScalar(side).value !== null);
    if (sides.length > 2 || constants) return parseNode(sides[sides.length - 1], depth + 1);
    return { kind: "relation", relation: { op: "=", left: sides[0].trim(), right: sides[1].trim() } };
  }

  const inequality = parseInequality(text, depth);
  if (inequality !== null) return inequality;

  const plusMinus = text.split("±");
  if (plusMinus.length === 2 && !text.includes("∓")) {
    return { kind: "list", items: [scalar(plusMinus.join("+")), scalar(plusMinus.join("-"))] };
  }
  return scalar(text);
}

/** `x < 5`, `5 >= x`; `a < x < b` (a label in the middle) is the interval from a to b. */
function parseInequality(text: string, depth: number): AnswerNode | null {
  const parts = splitRelations(text);
  if (parts === null) return null;
  if (parts.length === 3) {
    const [left, op, right] = parts;
    if (op === "!=") return { kind: "relation", relation: { op, left, right } };
    const flipped = op === ">" || op === ">=";
    const normal = (flipped ? op.replace(">", "<") : op) as "<" | "<=";
    return { kind: "relation", relation: flipped ? { op: normal, left: right, right: left } : { op: normal, left, right } };
  }
  if (parts.length === 5 && isLabel(parts[2])) {
    const [low, lowOp, , highOp, high] = parts;
    const ascending = lowOp.startsWith("<") && highOp.startsWith("<");
    const descending = lowOp.startsWith(">") && highOp.startsWith(">");
    if (!ascending && !descending) return null;
    const [from, fromOp, to, toOp] = ascending ? [low, lowOp, high, highOp] : [high, highOp, low, lowOp];
    return {
      kind: "tuple",
      open: fromOp.endsWith("=") ? "[" : "(",
      close: toOp.endsWith("=") ? "]" : ")",
      items: [parseNode(from, depth + 1), parseNode(to, depth + 1)],
    };
  }
  return null;
}

/** Does this text name the answer rather than give it (`x`, `x_1`, `f(x)`, `(p,q)`, `|AB|`, `A:B`)? */
function isLabel(text: string): boolean {
  const bare = text.trim();
  if (bare === "" || bare.length > 40) return false;
  const withoutNames = bare.replace(/_\(?[A-Za-z0-9]+\)?/g, "").replace(GREEK_WORDS, "x");
  return LABEL.test(withoutNames) && /[A-Za-z]/.test(withoutNames);
}

/** `±` inside a set or list makes two of its members: `{1 ± sqrt(5), -2}` has three. */
function flatten(items: AnswerNode[]): AnswerNode[] {
  return items.flatMap((item) => (item.kind === "list" ? item.items : [item]));
}

function scalar(text: string): AnswerNode {
  return { kind: "scalar", scalar: prepareScalar(text) };
}
