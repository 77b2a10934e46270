import { createHash } from "node:crypto";
import { GapfillError } from "../../core/errors.js";
import type { SeedSignals } from "../strategy.js";
import type { SeedText, Target } from "../target.js";

/**
 * Active selection (Kessler et al., arXiv 2512.00884): the current student answers the seed
 * questions, a cheap score says where it is weakest, and the teacher writes new examples from
 * the highest-scoring seeds. The paper reports the student's loss on its own answer as the
 * strongest score; the others are kept for comparison.
 */
export const ACTIVE_SCORES = ["own-loss", "ref-loss", "disagreement", "random"] as const;
export type ActiveScore = (typeof ACTIVE_SCORES)[number];

/**
 * The score of one seed: higher = the student is less sure = a better seed to build on.
 * `random` is a seeded uniform draw per (seed, round, example), so a rerun picks the same seeds.
 * Null when the signal is missing (the engine could not score): such seeds rank last.
 */
export function activeScore(kind: ActiveScore, signals: SeedSignals, draw: { seed: number; round: number }): number | null {
  switch (kind) {
    case "own-loss":
      return signals.ownLoss;
    case "ref-loss":
      return signals.referenceLoss;
    case "disagreement":
      return signals.sampleEntropy;
    case "random":
      return createHash("sha256").update(`${draw.seed}:${draw.round}:${signals.id}`).digest().readUInt32LE(0) / 2 ** 32;
  }
}

/**
 * Positions of the `count` highest scores, best first. Ties keep dataset order (a stable,
 * reproducible choice); missing scores come after every present one.
 */
export function selectTopScores(scores: ReadonlyArray<number | null>, count: number): number[] {
  const order = scores.map((_, position) => position);
  order.sort((a, b) => {
    const x = scores[a];
    const y = scores[b];
    if (x === null || y === null) return x === null ? (y === null ? a - b : 1) : -1;
    return y - x || a - b;
  });
  return order.slice(0, Math.max(0, count));
}

/**
 * Attempt i builds on selected seed i mod k (best first), one seed per prompt: the generate
 * stage's one-seed template. Once every selected seed was used, they are used again as new
 * variations, so a round can ask for more examples than it selected seeds.
 */
export function createActiveSeeds(selected: readonly SeedText[]): (attempt: number) => Target {
  if (selected.length === 0) throw new GapfillError("no-seeds", "the active strategy selected no seed: the seed set is empty", { userFixable: true });
  return (attempt) => ({
    strategy: "active",
    attempt,
    seeds: [selected[attempt % selected.length]],
    variation: Math.floor(attempt / selected.length),
  });
}
