import { createHash } from "node:crypto";
import { OptionError } from "../core/errors.js";

/**
 * Exact and near-duplicate detection for texts (questions, usually).
 *
 * Exact: the same text after lowercasing and collapsing whitespace. Near: MinHash over
 * word shingles (Broder 1997) estimates the Jaccard similarity of two texts' shingle
 * sets; LSH banding finds candidate pairs without comparing all pairs, and each
 * candidate is confirmed by its estimated Jaccard ≥ threshold. The hash functions are
 * seeded, so results are the same on every run.
 *
 * Memory: one signature of `numHashes` 32-bit values per text (512 bytes at the default).
 */

export interface NearDuplicateOptions {
  /** Words per shingle (default 5). Texts shorter than this are one shingle. */
  shingleSize?: number;
  /** Hash functions per signature (default 128). */
  numHashes?: number;
  /** Estimated Jaccard at or above which two texts are near duplicates (default 0.8). */
  threshold?: number;
  /** Seed for the hash functions (default fixed). */
  seed?: number;
}

/** An earlier text that a new one duplicates. */
export interface DuplicateMatch {
  id: string;
  /** Estimated Jaccard similarity of the shingle sets (1 for exact duplicates). */
  jaccard: number;
  /** True when the normalized texts are identical. */
  exact: boolean;
}

/** Lowercase, whitespace runs collapsed to one space, trimmed: the form exact duplicates compare in. */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

/** A set of texts to check new texts against: the generate stage keeps one over seeds and accepted examples. */
export class MinHashIndex {
  readonly shingleSize: number;
  readonly numHashes: number;
  readonly threshold: number;
  private readonly seeds: Uint32Array;
  private readonly rowsPerBand: number;
  private readonly bands: Map<number, number>[] = [];
  /** Bucket overflow: band bucket → further members, only when a bucket has more than one. */
  private readonly bucketMore: Map<number, number[]>[] = [];
  private readonly ids: string[] = [];
  private signatures: Uint32Array;
  private readonly exact = new Map<string, string>();

  constructor(options: NearDuplicateOptions = {}) {
    this.shingleSize = positiveInteger(options.shingleSize ?? 5, "shingleSize");
    this.numHashes = positiveInteger(options.numHashes ?? 128, "numHashes");
    this.threshold = options.threshold ?? 0.8;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new OptionError("threshold", `must be in (0, 1], got ${this.threshold}`);
    this.seeds = new Uint32Array(this.numHashes);
    let state = (options.seed ?? 0x5eed1234) >>> 0;
    for (let index = 0; index < this.numHashes; index++) {
      state = (state + 0x9e3779b9) >>> 0;
      this.seeds[index] = mix32(state);
    }
    this.rowsPerBand = chooseRowsPerBand(this.numHashes, this.threshold);
    const bandCount = Math.floor(this.numHashes / this.rowsPerBand);
    for (let band = 0; band < bandCount; band++) {
      this.bands.push(new Map());
      this.bucketMore.push(new Map());
    }
    this.signatures = new Uint32Array(this.numHashes * 64);
  }

  /** How many texts were added. */
  get size(): number {
    return this.ids.length;
  }

  /** The best earlier match for a text (exact first, then highest Jaccard), without adding it. */
  match(text: string): DuplicateMatch | null {
    return this.find(text).match;
  }

  /** Adds a text under `id` and returns the best match already present, or null. The text is added either way. */
  add(id: string, text: string): DuplicateMatch | null {
    const { match, key, signature } = this.find(text);
    if (!this.exact.has(key)) this.exact.set(key, id);
    const index = this.ids.length;
    this.ids.push(id);
    if (this.signatures.length < (index + 1) * this.numHashes) {
      const grown = new Uint32Array(this.signatures.length * 2);
      grown.set(this.signatures);
      this.signatures = grown;
    }
    if (signature) {
      this.signatures.set(signature, index * this.numHashes);
      for (let band = 0; band < this.bands.length; band++) {
        const bucket = this.bandKey(signature, band);
        const first = this.bands[band].get(bucket);
        if (first === undefined) this.bands[band].set(bucket, index);
        else {
          const more = this.bucketMore[band].get(bucket);
          if (more) more.push(index);
          else this.bucketMore[band].set(bucket, [index]);
        }
      }
    }
    return match;
  }

  /** The MinHash signature of a text, or null when it has no words. */
  signature(text: string): Uint32Array | null {
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
    if (!words) return null;
    const wordHashes = new Uint32Array(words.length);
    for (let index = 0; index < words.length; index++) wordHashes[index] = hashString(words[index]);
    const size = Math.min(this.shingleSize, wordHashes.length);
    const unique = new Set<number>();
    for (let start = 0; start + size <= wordHashes.length; start++) {
      let hash = 0x811c9dc5;
      for (let offset = 0; offset < size; offset++) hash = mix32(Math.imul(hash ^ wordHashes[start + offset], 0x01000193));
      unique.add(hash);
    }
    const shingles = Uint32Array.from(unique);
    const count = shingles.length;
    const seeds = this.seeds;
    const numHashes = this.numHashes;
    const signature = new Uint32Array(numHashes);
    // Hash function outer, shingles inner: the running minimum stays in a register.
    for (let index = 0; index < numHashes; index++) {
      const seed = seeds[index];
      let minimum = 0xffffffff;
      for (let item = 0; item < count; item++) {
        let value = (shingles[item] ^ seed) >>> 0;
        value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
        value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
        value = (value ^ (value >>> 16)) >>> 0;
        if (value < minimum) minimum = value;
      }
      signature[index] = minimum;
    }
    return signature;
  }

  private find(text: string): { match: DuplicateMatch | null; key: string; signature: Uint32Array | null } {
    const key = exactKey(text);
    const signature = this.signature(text);
    const exactId = this.exact.get(key);
    if (exactId !== undefined) return { match: { id: exactId, jaccard: 1, exact: true }, key, signature };
    if (!signature) return { match: null, key, signature };
    const seen = new Set<number>();
    let best: DuplicateMatch | null = null;
    let bestIndex = Infinity;
    const consider = (candidate: number) => {
      if (seen.has(candidate)) return;
      seen.add(candidate);
      const jaccard = this.estimate(signature, candidate);
      if (jaccard < this.threshold) return;
      if (!best || jaccard > best.jaccard || (jaccard === best.jaccard && candidate < bestIndex)) {
        best = { id: this.ids[candidate], jaccard, exact: false };
        bestIndex = candidate;
      }
    };
    for (let band = 0; band < this.bands.length; band++) {
      const bucket = this.bandKey(signature, band);
      const first = this.bands[band].get(bucket);
      if (first === undefined) continue;
      consider(first);
      for (const candidate of this.bucketMore[band].get(bucket) ?? []) consider(candidate);
    }
    return { match: best, key, signature };
  }

  private estimate(signature: Uint32Array, candidate: number): number {
    const offset = candidate * this.numHashes;
    let equal = 0;
    for (let index = 0; index < this.numHashes; index++) if (signature[index] === this.signatures[offset + index]) equal++;
    return equal / this.numHashes;
  }

  private bandKey(signature: Uint32Array, band: number): number {
    let hash = 0x811c9dc5 ^ band;
    const start = band * this.rowsPerBand;
    for (let index = start; index < start + this.rowsPerBand; index++) hash = mix32(Math.imul(hash ^ signature[index], 0x01000193));
    return hash;
  }
}

/** Duplicate pairs in a list: `[earlierId, laterId]` and `[earlierId, laterId, jaccard]`. */
export interface DuplicateReport {
  exact: [string, string][];
  near: [string, string, number][];
}

/**
 * Finds duplicates among examples in order: each later example is paired with its best
 * earlier match, once (so a cluster of n copies gives n − 1 pairs, not n²/2). Exact
 * duplicates are not repeated among the near ones. Compares `question` unless `text` says otherwise.
 */
export function findDuplicates<T extends { id: string; question: string }>(
  examples: Iterable<T>,
  options: NearDuplicateOptions & { text?: (example: T) => string } = {},
): DuplicateReport {
  const index = new MinHashIndex(options);
  const text = options.text ?? ((example: T) => example.question);
  const report: DuplicateReport = { exact: [], near: [] };
  for (const example of examples) {
    const match = index.add(example.id, text(example));
    if (!match) continue;
    if (match.exact) report.exact.push([match.id, example.id]);
    else report.near.push([match.id, example.id, match.jaccard]);
  }
  return report;
}

/**
 * Rows per LSH band: the most that still makes a pair at exactly the threshold a
 * candidate with probability ≥ 0.99 (more rows per band = fewer false candidates).
 */
export function chooseRowsPerBand(numHashes: number, threshold: number): number {
  let chosen = 1;
  for (let rows = 1; rows <= numHashes; rows++) {
    const bands = Math.floor(numHashes / rows);
    if (1 - Math.pow(1 - Math.pow(threshold, rows), bands) < 0.99) break;
    chosen = rows;
  }
  return chosen;
}

function exactKey(text: string): string {
  return createHash("sha256").update(normalizeText(text)).digest("base64").slice(0, 16);
}

/** FNV-1a over UTF-16 code units, finished with a mixer. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return mix32(hash);
}

/** murmur3's 32-bit finalizer: a bijection that spreads every input bit. */
function mix32(value: number): number {
  let hash = value >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(name, `must be a positive integer, got ${value}`);
  return value;
}
