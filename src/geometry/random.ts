/**
 * Seeded pseudo-random numbers for the geometry layer. Everything here must be
 * reproducible from a seed, so no code in this folder touches Math.random.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny 32-bit generator with a full 2^32 period. Statistically good
 * enough for random projections and sampling, and fast in V8 because it stays in int32.
 */
export function createRandom(seed: number): Random {
  let state = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller; the second value of each pair is kept for the next call. */
export function createGaussian(random: Random): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    // 1 - u keeps the logarithm finite (u can be 0, never 1).
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Uniform integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** `count` distinct indices from [0, total), ascending (partial Fisher–Yates over a virtual array). */
export function sampleIndices(random: Random, total: number, count: number): Uint32Array {
  const take = Math.min(count, total);
  const swapped = new Map<number, number>();
  const picked = new Uint32Array(take);
  for (let i = 0; i < take; i++) {
    const j = i + randomInt(random, total - i);
    const atJ = swapped.get(j) ?? j;
    const atI = swapped.get(i) ?? i;
    swapped.set(j, atI);
    picked[i] = atJ;
  }
  return picked.sort();
}
