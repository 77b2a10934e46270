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
import { trimEndChars } from "./trim-end-chars.js";

/**
 * An answer's structure. Tuples and intervals are ordered and keep their brackets (`(1,2]`);
 * sets (`\{1,2\}`), bare comma lists (`1, 2` — "all solutions") and unions are unordered.
 */
export type AnswerNode =
  | { kind: "scalar"; scalar: ScalarAnswer }
  | { kind: "tuple"; open: string; close: string; items: AnswerNode[] }
  | { kind: "set"; items: AnswerNode[] }
  | { kind: "list"; items: AnswerNode[] }
  | { kind: "union"; items: AnswerNode[] }
  | { kind: "matrix"; rows: AnswerNode[][] };

const MAX_DEPTH = 20;
const OPENERS = new Set(["(", "[", SET_OPEN, MATRIX_OPEN]);
const CLOSERS = new Set([")", "]", SET_CLOSE, MATRIX_CLOSE]);
// `x = 5`, `x_1 = 5`, `theta = 30`: a leading single-variable assignment is not part of the answer.
const ASSIGNMENT = /^\s*(?:[A-Za-z]|alpha|beta|gamma|delta|theta|phi|lambda|mu|sigma|omega|tau|rho)(?:_\(?[A-Za-z0-9]+\)?)?\s*=(?!=)\s*(?=\S)/;

/** Parse an answer (LaTeX or plain text) into its structure. Never throws. */
export function parseAnswer(answer: string): AnswerNode {
  return parseNode(latexToPlain(answer), 0);
}

function parseNode(input: string, depth: number): AnswerNode {
  const text = trimEndChars(input, ".").trim().replace(ASSIGNMENT, "");
  if (depth > MAX_DEPTH) return scalar(text);

  const unionParts = splitTopLevel(text, UNION);
  if (unionParts.length > 1) return { kind: "union", items: unionParts.map((part) => parseNode(part, depth + 1)) };

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
      const items = inner.trim() === "" ? [] : splitTopLevel(inner, ",").map((item) => parseNode(item, depth + 1));
      return { kind: "set", items };
    }
    if ((first === "(" || first === "[") && (last === ")" || last === "]")) {
      const parts = splitTopLevel(inner, ",");
      if (parts.length > 1) return { kind: "tuple", open: first, close: last, items: parts.map((part) => parseNode(part, depth + 1)) };
      // `(B)` and `(5)` are the thing inside; `[5]` stays as written.
      if (first === "(" && last === ")") return parseNode(inner, depth + 1);
    }
  }

  // `1,000` is one number; any other top-level comma makes a list of answers (`1,000, 2,000`: two).
  const withoutThousands = removeThousandsSeparators(text);
  if (!withoutThousands.includes(",")) return scalar(text);
  const parts = splitTopLevel(withoutThousands, ",");
  if (parts.length > 1) return { kind: "list", items: parts.map((part) => parseNode(part, depth + 1)) };
  return scalar(text);
}

function scalar(text: string): AnswerNode {
  return { kind: "scalar", scalar: prepareScalar(text) };
}

/** Index of the bracket closing the one at `start` (any opener closes with any closer: `[1,2)`). */
function matchingClose(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    if (OPENERS.has(text[index])) depth++;
    else if (CLOSERS.has(text[index])) {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

/** Split on a separator that is not inside any brackets. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (OPENERS.has(char)) depth++;
    else if (CLOSERS.has(char)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && char === separator) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
