/**
 * What a strategy hands the generate stage for one attempt: the seed examples the teacher
 * sees and, for targeted strategies, where on the map the new example should land.
 * Attempts are numbered 0, 1, 2, …; the same attempt number always gives the same target,
 * so a resumed run asks for exactly what it asked for before (and hits the request cache).
 */

/** A seed example as the teacher sees it. */
export interface SeedText {
  id: string;
  question: string;
  answer: string;
}

/** One attempt's seeds and target. */
export interface SeedTarget {
  /** Loop strategies (active, s3) hand their own targets to the same attempt machinery. */
  strategy: "embed" | "random" | "active" | "s3";
  attempt: number;
  seeds: SeedText[];
  /**
   * How many times these seeds were used before (0 the first time). A repeat is asked with a
   * different sampling seed and says so in the prompt, so it is a distinct, cacheable request.
   */
  variation: number;
  /** Index of the seed pair in the map (embed only). */
  pairIndex?: number;
  /** Rank of the target sparse region (embed only; 0 = sparsest). */
  region?: number;
  /** Target grid cell: the cell of the pair's midpoint (embed only). */
  cell?: number;
  /** The pair's midpoint in map coordinates (embed only). */
  midpoint?: number[];
}
