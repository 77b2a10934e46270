/**
 * Brace-aware scanning of LaTeX text: reading `{...}` groups with nesting and command
 * arguments (`\frac12`, `\frac{1}{2}`, `\frac\pi2`). Escaped braces `\{` `\}` are literal
 * characters, not grouping, so `\boxed{\{1,2\}}` reads as one group.
 *
 * Everything here is total: unbalanced input never throws, it reads to the end of the text.
 */

/** A piece read from the text: its content and the index just past it. */
export interface ReadPiece {
  content: string;
  end: number;
}

/**
 * Read a brace group starting at `start` (which must be `{`). The content excludes the outer
 * braces. An unclosed group runs to the end of the text and says so with `closed: false`.
 */
export function readBraceGroup(text: string, start: number): ReadPiece & { closed: boolean } {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (char === "\\") {
      // Skip the escaped character: `\{` and `\}` do not change the depth.
      index++;
      continue;
    }
    if (char === "{") depth++;
    else if (char === "}") {
      depth--;
      if (depth === 0) return { content: text.slice(start + 1, index), end: index + 1, closed: true };
    }
  }
  return { content: text.slice(start + 1), end: text.length, closed: false };
}

/** Length of the command name at `start` (which is just past a backslash): letters, or one other character. */
export function commandNameEnd(text: string, start: number): number {
  if (start >= text.length) return start;
  if (!isLetter(text[start])) return start + 1;
  let index = start;
  while (index < text.length && isLetter(text[index])) index++;
  return index;
}

/**
 * Read one TeX argument at `start`, skipping leading spaces: a brace group, a control
 * sequence (`\pi`), or a single character (`\frac12` has arguments `1` and `2`).
 */
export function readArgument(text: string, start: number): ReadPiece {
  let index = start;
  while (index < text.length && (text[index] === " " || text[index] === "\t" || text[index] === "\n")) index++;
  if (index >= text.length) return { content: "", end: index };
  const char = text[index];
  if (char === "{") {
    const group = readBraceGroup(text, index);
    return { content: group.content, end: group.end };
  }
  if (char === "\\") {
    const end = commandNameEnd(text, index + 1);
    return { content: text.slice(index, end), end };
  }
  return { content: char, end: index + 1 };
}

/** ASCII letter test (TeX control words are ASCII letters only). */
export function isLetter(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
