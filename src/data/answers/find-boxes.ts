import { readBraceGroup } from "./latex-group.js";
import { trimEndChars } from "./trim-end-chars.js";

const BOX_COMMAND = /\\(?:boxed|fbox)(?![A-Za-z])/g;

/** Which boxes of a solution make its final answer. */
export type BoxChoice = "last" | "first" | "all";

/** One complete box: its content and where the box command starts and the box ends. */
export interface FoundBox {
  content: string;
  start: number;
  end: number;
}

// What may stand between two boxes of one split answer (`\boxed{1}, \boxed{2}`, `\boxed{6} and
// \boxed{8}`, `$\boxed{1}$ \quad $\boxed{2}$`): separators and math delimiters, never a word of prose.
const CONNECTIVE = /^(?:\s|[,;$]|\\[()[\]]|\\quad|\\qquad|\\,|\\;|\\ |\\\\|\band\b|\bor\b|\\text\{\s*(?:and|or|,)?\s*\}|\\(?:text|mathrm)\{\s*and\s*\})*$/;

/**
 * Every complete `\boxed{...}` / `\fbox{...}` in a text, in order (nested braces allowed), and
 * brace-less `\boxed 5` (up to the next space or `$`). Unclosed or empty boxes are skipped, so a
 * truncated generation falls back to an earlier complete box.
 */
export function findBoxes(text: string): FoundBox[] {
  const boxes: FoundBox[] = [];
  for (const match of text.matchAll(BOX_COMMAND)) {
    const start = match.index ?? 0;
    const box = readBoxAt(text, start + match[0].length);
    if (box !== null) boxes.push({ content: box.content, start, end: box.end });
  }
  return boxes;
}

/**
 * The final answer a solution's boxes give, or null when there is none.
 *
 * - `last` (the default): the last box, together with the boxes just before it that only
 *   separators join to it (`\boxed{1}, \boxed{2}` is one answer split over two boxes, written as
 *   `1, 2`); a box that prose separates from the next ("first \boxed{1}, then \boxed{2}") is a
 *   draft, not part of the answer.
 * - `first`: the first box, with the boxes that only separators join after it.
 * - `all`: every box, as one list (`a, b, c`).
 */
export function selectBoxes(text: string, choice: BoxChoice = "last"): string | null {
  const boxes = findBoxes(text);
  if (boxes.length === 0) return null;
  let picked: FoundBox[];
  if (choice === "all") picked = boxes;
  else if (choice === "first") {
    let until = 0;
    while (until + 1 < boxes.length && joined(text, boxes[until], boxes[until + 1])) until++;
    picked = boxes.slice(0, until + 1);
  } else {
    let from = boxes.length - 1;
    while (from > 0 && joined(text, boxes[from - 1], boxes[from])) from--;
    picked = boxes.slice(from);
  }
  return picked.map((box) => box.content).join(", ");
}

/** Content of the last complete box alone, or null. */
export function findLastBoxContent(text: string): string | null {
  const boxes = findBoxes(text);
  return boxes.length === 0 ? null : boxes[boxes.length - 1].content;
}

function joined(text: string, before: FoundBox, after: FoundBox): boolean {
  const between = text.slice(before.end, after.start);
  // A long gap is prose whatever it holds; the bound also keeps the pattern's work small.
  return between.length <= 40 && CONNECTIVE.test(between);
}

function readBoxAt(text: string, start: number): { content: string; end: number } | null {
  let index = start;
  while (index < text.length && (text[index] === " " || text[index] === "\t")) index++;
  if (index >= text.length) return null;
  if (text[index] === "{") {
    const group = readBraceGroup(text, index);
    if (!group.closed) return null;
    const content = group.content.trim();
    return content === "" ? null : { content, end: group.end };
  }
  // `\boxed 5`: MATH sometimes boxes a bare token; it ends at whitespace or the math delimiter.
  let end = index;
  while (end < text.length && !/[\s$]/.test(text[end])) end++;
  const bare = trimEndChars(text.slice(index, end), ".,;:!?");
  return bare === "" ? null : { content: bare, end };
}
