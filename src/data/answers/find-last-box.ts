import { readBraceGroup } from "./latex-group.js";
import { trimEndChars } from "./trim-end-chars.js";

const BOX_COMMAND = /\\(?:boxed|fbox)(?![A-Za-z])/g;

/**
 * Content of the last `\boxed{...}` / `\fbox{...}` in a text (nested braces allowed), or of a
 * brace-less `\boxed 5` (up to the next space or `$`). Unclosed or empty boxes are ignored, so a
 * truncated generation falls back to an earlier complete box. Null when there is none.
 */
export function findLastBoxContent(text: string): string | null {
  let last: string | null = null;
  for (const match of text.matchAll(BOX_COMMAND)) {
    const content = readBoxAt(text, (match.index ?? 0) + match[0].length);
    if (content !== null) last = content;
  }
  return last;
}

function readBoxAt(text: string, start: number): string | null {
  let index = start;
  while (index < text.length && (text[index] === " " || text[index] === "\t")) index++;
  if (index >= text.length) return null;
  if (text[index] === "{") {
    const group = readBraceGroup(text, index);
    if (!group.closed) return null;
    const content = group.content.trim();
    return content === "" ? null : content;
  }
  // `\boxed 5`: MATH sometimes boxes a bare token; it ends at whitespace or the math delimiter.
  let end = index;
  while (end < text.length && !/[\s$]/.test(text[end])) end++;
  const bare = trimEndChars(text.slice(index, end), ".,;:!?");
  return bare === "" ? null : bare;
}
