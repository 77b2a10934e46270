import { GapfillError } from "../../core/errors.js";
import type { StudentError } from "../strategy.js";
import type { SeedText, Target } from "../target.js";

/**
 * S3 (Synthesis Step by Step, arXiv 2310.13671). Round 1 synthesizes a seed set
 * explain-then-generate from the task description and a few seed examples; every later round
 * takes the student's errors on a small real validation set and asks the teacher to
 * extrapolate each one into new, similar but varied examples.
 */

/** One S3 attempt: seed synthesis from examples, or extrapolation of one error. */
export interface S3Target extends Target {
  strategy: "s3";
  kind: "synthesize" | "extrapolate";
  /** The error extrapolated (extrapolate only). */
  error?: StudentError;
  /** The task description the teacher is given (set by the plan). */
  task?: string;
}

/**
 * Seed synthesis: attempt i shows `shots` consecutive examples starting at (i × shots) mod n,
 * so successive prompts rotate through the seed examples instead of repeating the first few.
 */
export function createS3SynthesisTargets(examples: readonly SeedText[], shots: number): (attempt: number) => S3Target {
  if (examples.length === 0) throw new GapfillError("no-seeds", "s3 needs at least one seed example to show the teacher; the dataset has none", { userFixable: true });
  const width = Math.max(1, Math.min(shots, examples.length));
  return (attempt) => {
    const start = (attempt * width) % examples.length;
    const seeds = Array.from({ length: width }, (_, k) => examples[(start + k) % examples.length]);
    return { strategy: "s3", kind: "synthesize", attempt, seeds, variation: Math.floor((attempt * width) / examples.length) };
  };
}

/**
 * Error extrapolation: attempt i extrapolates error i mod m (in validation order), so every
 * error gets its share of the round's budget before any gets a second one.
 */
export function createS3ErrorTargets(errors: readonly StudentError[]): (attempt: number) => S3Target {
  if (errors.length === 0) throw new GapfillError("no-errors", "s3 has no student error to extrapolate", { userFixable: true });
  return (attempt) => {
    const error = errors[attempt % errors.length];
    return {
      strategy: "s3",
      kind: "extrapolate",
      attempt,
      seeds: [{ id: error.id, question: error.question, answer: error.answer }],
      variation: Math.floor(attempt / errors.length),
      error,
    };
  };
}
