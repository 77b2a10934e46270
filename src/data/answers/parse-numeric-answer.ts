import { parseAnswer } from "./answer-tree.js";

/**
 * The numeric value of an answer that is a single number in any form — `1,080`, `$18.50`,
 * `18 apples`, `-\frac{1}{2}`, `2\frac12`, `1.5e3`, `1.5 \times 10^{3}`, `\sqrt{2}`, `2\pi`, `x = 5` —
 * or null (tuples, sets, text, expressions with variables, infinity). A percentage gives the number
 * as written: `50%` → 50. Never throws.
 */
export function parseNumericAnswer(answer: string): number | null {
  if (typeof answer !== "string") return null;
  const node = parseAnswer(answer);
  if (node.kind !== "scalar") return null;
  const value = node.scalar.value;
  return value !== null && Number.isFinite(value) ? value : null;
}
