/**
 * Remove trailing characters from a set, and surrounding whitespace. A loop, not a `[...]+$`
 * regex: that pattern backtracks quadratically on long runs that do not reach the end.
 */
export function trimEndChars(text: string, characters: string): string {
  let end = text.length;
  while (end > 0 && (characters.includes(text[end - 1]) || /\s/.test(text[end - 1]))) end--;
  return text.slice(0, end).trim();
}
