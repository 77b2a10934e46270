import { GapfillError } from "../../core/errors.js";
import type { StrategyMap } from "../strategy.js";
import type { SeedText } from "../target.js";
import type { SeedExampleTarget } from "../task/seed-example-task.js";
import { cellOfPoint } from "./map-cells.js";

/** A seed pair of the map (§3.4), reduced to what the strategy needs. */
export interface TargetPair {
  /** Rank of the sparse window the pair was picked for (0 = sparsest); absent: the pair's own index. */
  window?: number;
  /** Rank of the merged region holding it (a report view). */
  region: number;
  /** Grid cell of the midpoint: the cell the new example is meant for. */
  cell: number;
  midpoint: number[];
  seeds: [SeedText, SeedText];
}

/** An embed attempt: a pair of seeds around a sparse cell, and the pair's decoded partial once prepared. */
export interface EmbedTarget extends SeedExampleTarget {
  strategy: "embed";
  /** Index of the seed pair in the map. */
  pairIndex: number;
  /** Rank of the target sparse window. */
  window: number;
  region: number;
  cell: number;
  midpoint: number[];
}

/** The map's seed pairs with the cell each midpoint falls in. */
export function pairsOfMap(map: StrategyMap): TargetPair[] {
  return map.pairs.map((pair, index) => {
    const [a, b] = pair.seeds;
    return {
      window: pair.window ?? index,
      region: pair.region,
      cell: cellOfPoint(map.grid, pair.midpoint),
      midpoint: pair.midpoint,
      seeds: [
        { id: a.id, question: a.question, answer: a.answer },
        { id: b.id, question: b.question, answer: b.answer },
      ],
    };
  });
}

/**
 * EmbedSDG (§3.4–§3.7): attempt i uses pair i mod P, so every pair (spread over the sparse
 * windows from the sparsest) is used once before any is used again. When the budget outlasts
 * the pairs they are cycled, each round as a new variation.
 */
export function createEmbedSeeds(pairs: readonly TargetPair[]): (attempt: number) => EmbedTarget {
  if (pairs.length === 0) {
    throw new GapfillError("no-seed-pairs", "the embed strategy needs at least one seed pair; the map found none (map again with a larger threshold or a finer grid)", { userFixable: true });
  }
  return (attempt) => {
    const pairIndex = attempt % pairs.length;
    const pair = pairs[pairIndex];
    return {
      strategy: "embed",
      attempt,
      seeds: [...pair.seeds],
      variation: Math.floor(attempt / pairs.length),
      pairIndex,
      window: pair.window ?? pairIndex,
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
