import type { SeedTarget, SeedText } from "./seed-target.js";

/** A seed pair of the map (§3.4), reduced to what the strategy needs. */
export interface TargetPair {
  region: number;
  /** Grid cell of the midpoint: the cell the new example is meant for. */
  cell: number;
  midpoint: number[];
  seeds: [SeedText, SeedText];
}

/**
 * EmbedSDG (§3.4–§3.7): attempt i uses pair i mod P, so every pair (spread over the sparse
 * regions from the sparsest) is used once before any is used again. When the budget outlasts
 * the pairs they are cycled, each round as a new variation.
 */
export function createEmbedSeeds(pairs: readonly TargetPair[]): (attempt: number) => SeedTarget {
  if (pairs.length === 0) throw new RangeError("the embed strategy needs at least one seed pair; the map found none (try a larger --threshold or a finer grid with gapfill map)");
  return (attempt) => {
    const pairIndex = attempt % pairs.length;
    const pair = pairs[pairIndex];
    return {
      strategy: "embed",
      attempt,
      seeds: [...pair.seeds],
      variation: Math.floor(attempt / pairs.length),
      pairIndex,
      region: pair.region,
      cell: pair.cell,
      midpoint: pair.midpoint,
    };
  };
}

/** A stable key of a pair (its seed ids), for caching the student's decoded partial. */
export function pairKey(seeds: readonly SeedText[]): string {
  return seeds.map((seed) => seed.id).join("\u0000");
}
