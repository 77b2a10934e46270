import type { Engine } from "../../core/engine.js";
import type { ProgressListener } from "../../core/events.js";
import type { ReadOptions } from "../../data/read-dataset.js";
import type { ActiveScore } from "../../strategies/active-seeds.js";
import type { PromptStyle } from "../evaluate/eval-prompt.js";
import type { Trainer } from "../train/trainer.js";
import type { LoopStrategy } from "./round-targets.js";

/** How `runLoop` runs; see `gapfill loop --help` for the flags behind each. */
export interface LoopOptions extends ReadOptions {
  strategy: LoopStrategy;
  rounds: number;
  /** Accepted examples per round. */
  perRound: number;
  teacher: Engine;
  /** The base student's spec: round 1's student, and the model every round trains from. */
  student: string;
  /** Opens a student engine from a spec (with the run's request cache). */
  createStudent: (spec: string) => Promise<Engine>;
  trainer: Trainer;
  /** Small real validation set: S3 extrapolates the student's errors on it (required for s3). */
  validation?: string;
  /** Benchmark each round's student is evaluated on. */
  benchmark?: string;
  /** Active score. Default own-loss. */
  score?: ActiveScore;
  /** Sampled answers per seed for the disagreement score. Default 4. */
  samples?: number;
  /** Teacher tokens (prompt + completion) the whole loop may use. */
  budgetTokens?: number;
  /** S3's task description. Default derived from the dataset. */
  task?: string;
  /** Seed examples per S3 synthesis prompt. Default 3. */
  s3Shots?: number;
  /** Mix the real seed examples into every round's training data. */
  trainOnSeeds?: boolean;
  /** The student's answer budget when it answers seeds and validation/benchmark items. Default 512. */
  studentMaxTokens?: number;
  evalStyle?: PromptStyle;
  prompts?: string;
  decontaminate?: string[] | false;
  ngram?: number;
  duplicateThreshold?: number;
  temperature?: number;
  maxTokens?: number;
  concurrency?: number;
  jsonSchema?: boolean;
  /** Attempts per round before giving up. Default max(50, 10 × perRound). */
  maxAttempts?: number;
  systemPrompt?: string;
  seed?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  onEvent?: ProgressListener;
}
