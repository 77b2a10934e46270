/**
 * Token counts without a tokenizer: count the pieces a GPT-2-style pre-tokenizer would split
 * (words, single digits runs of ≤3, punctuation), which tracks BPE counts for English prose and
 * math far better than chars/4. Labelled "≈ tokens" wherever shown.
 */
const PIECE = /[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]/g;

export function approximateTokens(text: string): number {
  let count = 0;
  PIECE.lastIndex = 0;
  while (PIECE.exec(text) !== null) count++;
  return count;
}

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** Summary statistics of a list of counts (sorts a copy). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * (n - 1) + 0.5))];
  return { count: n, min: sorted[0], mean: sum / n, p50: at(0.5), p95: at(0.95), max: sorted[n - 1] };
}
