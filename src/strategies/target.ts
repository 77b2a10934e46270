/**
 * What a strategy hands the attempt runner for one attempt: the seed examples the teacher sees
 * and, for targeted strategies, where the new example should land. Attempts are numbered
 * 0, 1, 2, …; the same attempt number always gives the same target, so a resumed run asks for
 * exactly what it asked for before (and hits the request cache).
 */

/** A seed example as the teacher sees it. */
export interface SeedText {
  id: string;
  question: string;
  answer: string;
}

/** One attempt's seeds and target. Strategies extend it with what their task needs. */
export interface Target {
  /** The strategy's name (the registry key). */
  strategy: string;
  attempt: number;
  seeds: SeedText[];
  /**
   * How many times these seeds were used before (0 the first time). A repeat is asked with a
   * different sampling seed and says so in the prompt, so it is a distinct, cacheable request.
   */
  variation: number;
  /** Rank of the target sparse region (map-targeted strategies; 0 = sparsest). */
  region?: number;
  /** Target grid cell (map-targeted strategies). */
  cell?: number;
  /** Target point in map coordinates (map-targeted strategies). */
  midpoint?: number[];
}
