import { tokenize } from "../../geometry/tfidf.js";

/**
 * Benchmark decontamination by long word n-gram overlap (13 words by default, the common
 * choice since GPT-3's contamination study): a generated text that shares any n consecutive
 * words (lowercased words and numbers) with a benchmark text is dropped. N-grams are kept as
 * 52-bit hashes, so a test set of thousands of problems costs a few MB.
 */
export class NgramIndex {
  readonly n: number;
  private readonly hashes = new Set<number>();
  private readonly owners = new Map<number, string>();

  constructor(n = 13) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n-gram size must be a positive integer, got ${n}`);
    this.n = n;
  }

  /** Number of distinct n-grams indexed. */
  get size(): number {
    return this.hashes.size;
  }

  /** Indexes a benchmark text under a label (`test.jsonl:12`) named when something overlaps it. */
  add(label: string, text: string): void {
    for (const hash of ngramHashes(tokenize(text), this.n)) {
      if (!this.hashes.has(hash)) this.owners.set(hash, label);
      this.hashes.add(hash);
    }
  }

  /** The first overlapping n-gram of `text` and the benchmark text it came from, or null. */
  overlap(text: string): { ngram: string; source: string } | null {
    const words = tokenize(text);
    const hashes = ngramHashes(words, this.n);
    for (let start = 0; start < hashes.length; start++) {
      if (this.hashes.has(hashes[start])) return { ngram: words.slice(start, start + this.n).join(" "), source: this.owners.get(hashes[start]) ?? "?" };
    }
    return null;
  }
}

/** Hash of each window of n words, in order (none when the text is shorter than n words). */
function ngramHashes(words: readonly string[], n: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + n <= words.length; start++) out.push(hash52(words.slice(start, start + n).join(" ")));
  return out;
}

/** Two independent 32-bit FNV-1a variants folded into 52 bits: collisions are negligible at millions of n-grams. */
function hash52(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    b ^= b >>> 15;
  }
  return (a & 0xfffff) * 0x100000000 + (b >>> 0);
}
