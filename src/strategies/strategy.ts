import type { Engine } from "../core/engine.js";
import type { StoredGrid } from "./embed/map-cells.js";
import type { SeedText, Target } from "./target.js";
import type { TemplateSet, TemplateSpec } from "./task/prompt-templates.js";
import type { TeacherTask } from "./task/teacher-task.js";

/**
 * The strategy contract. A strategy is one folder under `strategies/` that owns its whole
 * method: what it needs from the map and the student, how it picks targets, the teacher task it
 * poses, and how reports show it. The pipelines run any strategy the same way:
 *
 *   plan(context) → targetOf(attempt) → prepare(target) → task.formatInput → teacher →
 *   task.formatOutput → the shared accept step (decontaminate, verify, dedup, append)
 *
 * and the CLI, the reports and the library learn the strategies from `registry.ts`.
 */

/** Where a strategy can run: `gapfill generate` (one budget) and/or each round of `gapfill loop`. */
export type StrategyMode = "generate" | "loop";

/**
 * What a strategy asks of the run, so the pipeline can check it up front (and say which option
 * is missing) instead of failing halfway:
 * - `map`: the run's map (made first when missing);
 * - `student-signals`: the current student answers and is scored on the seed pool;
 * - `validation-errors`: the previous round's student's errors on the validation set.
 */
export type StrategyNeed = "map" | "student-signals" | "validation-errors";

/** An option of the strategy's own, offered by the CLI as a flag on the commands the strategy runs in. */
export interface StrategyOption {
  /** Library name: the key in `strategyOptions`. */
  name: string;
  /** What its value is, in a word (`name`, `k`): the CLI shows it after the option's flag. */
  argument: string;
  description: string;
  /** `text-or-file`: a value naming an existing file is replaced by the file's text. */
  type: "string" | "integer" | "text-or-file";
  choices?: readonly string[];
  default?: string | number;
}

/** The map as a strategy sees it: the grid and the seed pairs across its sparse cells (§3.3–§3.4). */
export interface StrategyMap {
  grid: StoredGrid;
  /** `window`: the rank of the sparse window the pair was picked for (absent in maps older than windows). */
  pairs: ReadonlyArray<{ region: number; window?: number; midpoint: number[]; seeds: readonly SeedText[] }>;
}

/** What the student showed on one seed (an evaluation of the seed pool). Null: the engine could not measure it. */
export interface SeedSignals {
  id: string;
  ownLoss: number | null;
  referenceLoss: number | null;
  sampleEntropy: number | null;
}

/** A validation item the student got wrong, as the teacher is shown it. */
export interface StudentError {
  id: string;
  question: string;
  /** The reference solution. */
  answer: string;
  /** What the student answered (its raw output) and the final answer extracted from it. */
  studentOutput: string;
  studentAnswer: string | null;
}

/** A seed's score and whether it was selected (kept in the run for the report). */
export interface SeedSelection {
  position: number;
  exampleId: string;
  score: number | null;
  selectedRank: number | null;
}

/** What the pipeline offers a strategy when it plans a generate run or a loop round. */
export interface PlanContext {
  mode: StrategyMode;
  /** The loop round (1, 2, …); 1 in generate. */
  round: number;
  /** The seed pool: the dataset's examples. */
  examples: readonly SeedText[];
  /** Accepted examples wanted (the budget, or the round's share). */
  count: number;
  /**
   * Attempts that earlier rounds of this strategy took (0 in generate and round 1): sequence
   * strategies continue from there instead of re-using the first seeds every round.
   */
  offset: number;
  seed: number;
  /** The strategy's own options, defaults filled in. */
  options: Readonly<Record<string, unknown>>;
  /** The dataset file, for defaults derived from it. */
  datasetPath: string;
  /** The strategy's templates and its task's, loaded (user overrides applied). */
  templates: TemplateSet;
  /** The run's map (made on first use when the run has none). */
  map(): Promise<StrategyMap>;
  /** The engine that decodes interpolated embeddings, if the run has one that can. */
  decoder(): Engine | undefined;
  /** The current student's signals on every seed, in seed order (evaluated once, stored in the run). */
  studentSignals(request: { lossSignals: boolean; samples: number }): Promise<SeedSignals[]>;
  /** The previous round's student's validation errors; undefined without a validation set. */
  studentErrors(): StudentError[] | undefined;
  /** A key–value store in the run: values survive a crash (e.g. decoded partials). */
  cache: { get(key: string): string | undefined; set(key: string, value: string, seconds: number): void };
  /** A one-line notice to the user (progress stream). */
  notice(message: string): void;
}

/** A planned run or round: a target per attempt, or none and why. */
export interface Plan<T extends Target = Target> {
  targetOf?: (attempt: number) => T;
  /** Said to the user: why there are no targets, or what the plan could not do. */
  note?: string;
  /** Work per target before the teacher is asked (e.g. decode the pair's interpolation); cached by the strategy. */
  prepare?: (target: T) => Promise<T>;
  /** Seed scores to keep in the run (active selection). */
  selection?: SeedSelection[];
  /** Facts for the run's summary (e.g. whether partials were decoded). */
  facts?: Record<string, unknown>;
}

/** How reports show a strategy's examples. */
export interface StrategyReport {
  /** Colour of its points and bars, the same on every page. */
  color: string;
  /** A few words for legends. */
  label: string;
  /** Its targets are points on the map (drawn as such). */
  mapTargets: boolean;
}

/** A strategy: see the module comment. `T` is the target its task reads. */
export interface Strategy<T extends Target = Target> {
  name: string;
  /** One line for help texts and reports. */
  summary: string;
  modes: readonly StrategyMode[];
  needs: readonly StrategyNeed[];
  options: readonly StrategyOption[];
  task: TeacherTask<T>;
  /** Templates the strategy itself renders, besides its task's (e.g. embed's copy prompt). */
  templates?: readonly TemplateSpec[];
  plan(context: PlanContext): Promise<Plan<T>>;
  /** Fields this strategy adds to an accepted record's provenance. */
  provenance(target: T): Record<string, unknown>;
  /** Where an accepted example came from, for the loop's data mix (default: the strategy's name). */
  sourceOf?(target: T): string;
  /** Values that change what the strategy produces: a rerun with others is a different stage. */
  signature?(options: Readonly<Record<string, unknown>>): Record<string, unknown>;
  report: StrategyReport;
}

/** A strategy of any target type, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any>;

/** Defines a strategy (an identity function that checks the shape and infers `T`). */
export function defineStrategy<T extends Target>(strategy: Strategy<T>): Strategy<T> {
  return strategy;
}
