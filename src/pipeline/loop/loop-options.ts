import type { Engine } from "../../core/engine.js";
import type { ProgressListener } from "../../core/events.js";
import type { ReadOptions } from "../../data/read-dataset.js";
import type { AnyStrategy } from "../../strategies/strategy.js";
import type { PromptStyle } from "../evaluate/eval-prompt.js";
import type { Trainer } from "../train/trainer.js";

/** How `runLoop` runs; see `gapfill loop --help` for the flags behind each. */
export interface LoopOptions extends ReadOptions {
  /** A registered strategy's name (see `listStrategies("loop")`) or a strategy object. */
  strategy: string | AnyStrategy;
  /** The strategy's own options (active: `score`, `samples`; s3: `task`, `s3Shots`); defaults filled in. */
  strategyOptions?: Record<string, unknown>;
  rounds: number;
  /** Accepted examples per round. */
  perRound: number;
  teacher: Engine;
  /** The base student's spec: round 1's student, and the model every round trains from. */
  student: string;
  /** Opens a student engine from a spec (with the run's request cache). */
  createStudent: (spec: string) => Promise<Engine>;
  trainer: Trainer;
  /** Small real validation set: S3 extrapolates the student's errors on it (required by strategies that need validation errors). */
  validation?: string;
  /** Benchmark each round's student is evaluated on. */
  benchmark?: string;
  /** Teacher tokens (prompt + completion) the whole loop may use. */
  budgetTokens?: number;
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
  /** Share of teacher attempts or evaluated items whose request may fail (recorded, retried by a rerun) before the loop stops. Default 0.2. */
  maxFailureRate?: number;
  systemPrompt?: string;
  seed?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  onEvent?: ProgressListener;
  /** Awaited after each round is recorded, before the next begins (the CLI rewrites the loop page here). */
  onRoundDone?: (round: number) => Promise<void>;
}
