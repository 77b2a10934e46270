/**
 * Bracket-aware splitting of an answer in plain form: a separator counts only outside any
 * `( )`, `[ ]`, set or matrix brackets, so `(1,2), (3,4)` splits into two tuples.
 */
import { MATRIX_CLOSE, MATRIX_OPEN, SET_CLOSE, SET_OPEN } from "./latex-to-plain.js";

/** Brackets that open and close a group; any opener closes with any closer (`[1,2)`). */
export const OPENERS: ReadonlySet<string> = new Set(["(", "[", SET_OPEN, MATRIX_OPEN]);
export const CLOSERS: ReadonlySet<string> = new Set([")", "]", SET_CLOSE, MATRIX_CLOSE]);
const INEQUALITY = /<=|>=|!=|<|>/;

/** Index of the bracket closing the one at `start` (any opener closes with any closer: `[1,2)`). */
export function matchingClose(text: string, start: number): number {
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
export function splitTopLevel(text: string, separator: string): string[] {
  return splitTopLevelPattern(text, new RegExp(separator.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
}

/** Matches of a pattern that start outside any brackets (empty matches skipped). */
function topLevelMatches(text: string, pattern: RegExp): RegExpMatchArray[] {
  const depths = new Int32Array(text.length + 1);
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    depths[index] = depth;
    if (OPENERS.has(text[index])) depth++;
    else if (CLOSERS.has(text[index])) depth = Math.max(0, depth - 1);
  }
  return [...text.matchAll(new RegExp(pattern.source, "g"))].filter((match) => match[0] !== "" && depths[match.index ?? 0] === 0);
}

/** Split on matches of a pattern that start outside any brackets. */
export function splitTopLevelPattern(text: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const match of topLevelMatches(text, separator)) {
    parts.push(text.slice(start, match.index));
    start = (match.index ?? 0) + match[0].length;
  }
  parts.push(text.slice(start));
  return parts;
}

/** Members and operators of a top-level chain of inequalities (`a < b <= c`), or null when there is none. */
export function splitRelations(text: string): string[] | null {
  const operators = topLevelMatches(text, INEQUALITY);
  // A chain of at most three relations: longer ones are not answers.
  if (operators.length === 0 || operators.length > 3) return null;
  const parts: string[] = [];
  let start = 0;
  for (const match of operators) {
    parts.push(text.slice(start, match.index).trim(), match[0]);
    start = (match.index ?? 0) + match[0].length;
  }
  parts.push(text.slice(start).trim());
  return parts.every((part) => part !== "") ? parts : null;
}

/** Top-level members of `a = b = c`, leaving `<=`, `>=`, `!=` and `==` alone. */
export function splitEquals(text: string): string[] {
  const parts = splitTopLevelPattern(text, /(?<![<>!=])=(?!=)/);
  return parts.some((part) => part.trim() === "") ? [text] : parts;
}
