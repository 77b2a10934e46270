import type { Engine } from "../../core/engine.js";
import { GapfillError } from "../../core/errors.js";
import type { Example } from "../../core/example.js";
import type { ProgressListener } from "../../core/events.js";
import { type ActiveScore, activeScore, createActiveSeeds, selectTopScores } from "../../strategies/active-seeds.js";
import type { TargetPair } from "../../strategies/embed-seeds.js";
import { createEmbedSeeds } from "../../strategies/embed-seeds.js";
import { createRandomSeeds } from "../../strategies/random-seeds.js";
import { createS3ErrorTargets, createS3SynthesisTargets, type S3Target, type StudentError } from "../../strategies/s3-targets.js";
import type { SeedTarget } from "../../strategies/seed-target.js";
import type { Run } from "../../store/run.js";
import { evaluateStudent } from "../evaluate/evaluate-student.js";
import type { PromptStyle } from "../evaluate/eval-prompt.js";
import { readEvaluatedItems } from "../evaluate/evaluation-store.js";
import { readScores, saveScores } from "./loop-store.js";

export const LOOP_STRATEGIES = ["active", "s3", "embed", "random"] as const;
export type LoopStrategy = (typeof LOOP_STRATEGIES)[number];

/** Names of the evaluations the loop stores, per round. */
export const evaluationName = {
  score: (round: number) => `loop-r${round}-score`,
  validation: (round: number) => `loop-r${round}-validation`,
  benchmark: (round: number) => `loop-r${round}-benchmark`,
};

export interface TargetContext {
  run: Run;
  round: number;
  strategy: LoopStrategy;
  /** The seed pool: the dataset. */
  examples: readonly Example[];
  perRound: number;
  seed: number;
  score: ActiveScore;
  /** K sampled answers per seed for the disagreement score. */
  samples: number;
  studentMaxTokens: number;
  evalStyle: PromptStyle;
  /** Seed examples shown per S3 synthesis prompt. */
  s3Shots: number;
  /** The student of this round (trained in the round before), opened on first use. */
  student: () => Promise<Engine>;
  /** The map's seed pairs (embed), made on first use. */
  pairs: () => Promise<TargetPair[]>;
  onEvent: ProgressListener;
}

/** What a round builds on: a target per attempt, or nothing (and why). */
export type RoundTargets = { targetOf: (attempt: number) => SeedTarget | S3Target; note?: string } | { targetOf?: undefined; note: string };

/**
 * The select step of a round, per strategy:
 * - active: the current student answers every seed question (an evaluation stored in the run),
 *   the chosen score ranks them, the top `perRound` are the round's seeds;
 * - s3: round 1 synthesizes from the seed examples; later rounds extrapolate the errors the
 *   previous round's student made on the validation set;
 * - embed / random: the next `perRound` seed pairs / random seeds, continuing across rounds.
 */
export async function roundTargets(context: TargetContext): Promise<RoundTargets> {
  const { round, perRound, examples } = context;
  const offset = (round - 1) * perRound;
  const seeds = examples.map((example) => ({ id: example.id, question: example.question, answer: example.answer }));
  switch (context.strategy) {
    case "random": {
      const base = createRandomSeeds(seeds, context.seed);
      return { targetOf: (attempt) => ({ ...base(offset + attempt), attempt }) };
    }
    case "embed": {
      const pairs = await context.pairs();
      if (pairs.length === 0) {
        throw new GapfillError("loop-no-pairs", `the run's map found no sparse-cell seed pairs for the embed strategy; map the dataset into the run first with other settings (gapfill map DATASET --run ${context.run.dir} --threshold T or --grid N)`, { userFixable: true });
      }
      const base = createEmbedSeeds(pairs);
      return { targetOf: (attempt) => ({ ...base(offset + attempt), attempt }) };
    }
    case "active": {
      const selected = (await activeSelection(context)).map((position) => seeds[position]);
      return { targetOf: createActiveSeeds(selected) };
    }
    case "s3": {
      if (round === 1) return { targetOf: createS3SynthesisTargets(seeds, context.s3Shots) };
      const errors = studentErrors(context.run, round - 1);
      if (errors.length === 0) return { note: `the round ${round - 1} student made no error on the validation set: nothing to extrapolate` };
      return { targetOf: createS3ErrorTargets(errors) };
    }
  }
}

/** Positions of the round's selected seeds, best first; scored and stored once, read back on resume. */
async function activeSelection(context: TargetContext): Promise<number[]> {
  const { run, round } = context;
  const stored = readScores(run.db, round);
  if (stored.length === 0) {
    const student = await context.student();
    const needsLoss = context.score === "own-loss" || context.score === "ref-loss";
    const result = await evaluateStudent(student, context.examples, run, {
      name: evaluationName.score(round),
      benchmark: "seed pool",
      style: context.evalStyle,
      maxTokens: context.studentMaxTokens,
      samples: context.score === "disagreement" ? context.samples : 0,
      lossSignals: needsLoss,
      seed: context.seed,
      onEvent: context.onEvent,
    });
    const scores = result.items.map((item) => activeScore(context.score, { id: item.id, ownLoss: item.ownLoss, referenceLoss: item.referenceLoss, sampleEntropy: item.sampleEntropy }, { seed: context.seed, round }));
    if (scores.every((score) => score === null)) {
      throw new GapfillError("loop-no-score", `--score ${context.score}: the student gave no such signal for any seed (${result.lossSignals}); use --score disagreement or random`, { userFixable: true });
    }
    const top = selectTopScores(scores, Math.min(context.perRound, scores.length));
    const rank = new Map(top.map((position, index) => [position, index]));
    saveScores(
      run.db,
      round,
      result.items.map((item, position) => ({ position, exampleId: item.id, score: scores[position], selectedRank: rank.get(position) ?? null })),
    );
  }
  return readScores(run.db, round)
    .filter((score) => score.selectedRank !== null)
    .sort((a, b) => a.selectedRank! - b.selectedRank!)
    .map((score) => score.position);
}

/** The validation items the student of `round` got wrong, in validation order. */
export function studentErrors(run: Run, round: number): StudentError[] {
  return readEvaluatedItems(run.db, evaluationName.validation(round))
    .filter((item) => !item.correct)
    .map((item) => ({ id: item.id, question: item.question, answer: item.reference, studentOutput: item.output, studentAnswer: item.extracted }));
}
