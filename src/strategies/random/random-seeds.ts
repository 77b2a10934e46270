import { GapfillError } from "../../core/errors.js";
import { createRandom } from "../../geometry/random.js";
import type { SeedText, Target } from "../target.js";

/**
 * The paper's baseline: one seed drawn at random per new example. Draws go through a seeded
 * permutation of the dataset, so seeds repeat only after every example has been used once,
 * and attempt i always gets the same seed (resume asks the same questions again).
 */
export function createRandomSeeds(examples: readonly SeedText[], seed = 0): (attempt: number) => Target {
  if (examples.length === 0) throw new GapfillError("no-seeds", "the random strategy needs at least one seed example; the dataset has none", { userFixable: true });
  const order = seededPermutation(examples.length, seed);
  return (attempt) => ({
    strategy: "random",
    attempt,
    seeds: [examples[order[attempt % order.length]]],
    variation: Math.floor(attempt / order.length),
  });
}

/** Fisher–Yates over 0..n-1 with a seeded generator. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = createRandom(seed ^ 0x2545f491);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}
