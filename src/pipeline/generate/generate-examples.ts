import type { Engine } from "../../core/engine.js";
import { OptionError } from "../../core/errors.js";
import { progress, type ProgressListener, silent } from "../../core/events.js";
import type { ReadOptions } from "../../data/read-dataset.js";
import { resolveStrategy, strategyOptions } from "../../strategies/registry.js";
import type { AnyStrategy, Plan, PlanContext } from "../../strategies/strategy.js";
import { detectAnswerStyle } from "../../strategies/task/validate-example.js";
import { beginStage, finishStage, getStage } from "../../store/stage-state.js";
import type { Run } from "../../store/run.js";
import type { EmbeddingMode } from "../map/embed-examples.js";
import { type Contamination, type GenerateInputs, loadContamination, loadGenerateInputs } from "./generate-inputs.js";
import { GenerateStore } from "./generate-store.js";
import { finishGenerate, type GenerateResult } from "./generate-summary.js";
import { duplicateIndex, loadStrategyTemplates, SOLVE_TEMPLATE, seedTexts, templateHashes } from "./generation-setup.js";
import { type GenerationJob, runGeneration } from "./run-generation.js";
import { reconcileSyntheticFile } from "./synthetic-file.js";

export interface GenerateOptions extends ReadOptions {
  /** A registered strategy's name (see `listStrategies("generate")`) or a strategy object. */
  strategy: string | AnyStrategy;
  /** The strategy's own options (e.g. embed's `decode`, `decodeTokens`); defaults filled in. */
  strategyOptions?: Record<string, unknown>;
  /** Accepted examples to reach (counted across resumes). */
  budget: number;
  teacher: Engine;
  /** The student: decodes the interpolated seed pairs (embed) and, when the map was made with it, embeds the new examples. */
  student?: Engine;
  /** Folder of prompt templates overriding the built-in ones. */
  prompts?: string;
  verify?: boolean;
  /** Benchmark files; undefined = the dataset's sibling test.jsonl if present; false = off. */
  decontaminate?: string[] | false;
  /** Words per decontamination n-gram. Default 13. */
  ngram?: number;
  /** Near-duplicate Jaccard threshold. Default 0.8. */
  duplicateThreshold?: number;
  /** Stop dispatching once the teacher has used this many tokens (prompt + completion) in this strategy. */
  maxTeacherTokens?: number;
  /** Give up after this many attempts in total. Default max(50, 10 × budget). */
  maxAttempts?: number;
  /** Share of attempts whose request may fail (recorded, sent again by a rerun) before the stage stops. Default 0.2. */
  maxFailureRate?: number;
  temperature?: number;
  maxTokens?: number;
  /** Attempts in flight. Default twice the teacher's request concurrency (its `?concurrency=`), 4 when it declares none. */
  concurrency?: number;
  jsonSchema?: boolean;
  seed?: number;
  /** For a map made on the fly. */
  embedding?: EmbeddingMode;
  pairs?: number;
  onEvent?: ProgressListener;
}

/** A generate run made ready: the job to run and what its summary needs. */
export interface GenerateSetup {
  strategy: AnyStrategy;
  inputs: GenerateInputs;
  contamination: Contamination | undefined;
  plan: Plan;
  job: GenerationJob;
  /** The stage's name in the run (`generate-<strategy>`). */
  stage: string;
}

/**
 * The generate stage (§3.6–§3.7 and the random baseline): attempts until `budget` examples are
 * accepted. Each attempt's outcome is one row in the run; accepted records go to the database
 * and then, durably, to `synthetic.jsonl`. Killed at any point and run again, it skips decided
 * attempts, re-sends nothing the cache already holds, and stops at exactly `budget`.
 */
export async function generateExamples(datasetPath: string, run: Run, options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const onEvent = options.onEvent ?? silent;
  const setup = await prepareGenerate(datasetPath, run, { ...options, onEvent });
  const { job, strategy } = setup;
  onEvent(progress.start("generate", job.count, "examples"));
  const generated = await runGeneration(job);
  const stopped = generated.stopped === "count" ? "budget" : generated.stopped === "teacher-tokens" ? "max-teacher-tokens" : "max-attempts";
  if (stopped === "budget") {
    if (getStage(run.db, setup.stage)?.status !== "done") finishStage(run.db, setup.stage);
  } else {
    const limit = stopped === "max-teacher-tokens" ? `the teacher-token limit (${options.maxTeacherTokens}) was reached` : `${generated.attempts} attempts were made (the limit)`;
    onEvent({ type: "warning", stage: "generate", message: `stopped at ${generated.accepted} of ${job.count} accepted: ${limit}; raise the limit and run again to continue` });
  }
  onEvent(progress.end("generate", generated.accepted, (performance.now() - started) / 1000));
  return finishGenerate(run, job.store, {
    strategy: strategy.name,
    budget: job.count,
    stopped,
    inputs: setup.inputs,
    contamination: setup.contamination,
    facts: setup.plan.facts ?? {},
    student: options.student,
    teacher: options.teacher,
    seconds: (performance.now() - started) / 1000,
    onEvent,
  });
}

/**
 * Everything before the first attempt: the strategy and its options, the dataset and its map
 * (made when missing), decontamination, templates, the plan, the stage's signature, and the
 * synthetic file reconciled with the run.
 */
export async function prepareGenerate(datasetPath: string, run: Run, options: GenerateOptions & { onEvent: ProgressListener }): Promise<GenerateSetup> {
  const { budget, teacher, onEvent } = options;
  if (!Number.isInteger(budget) || budget < 1) throw new OptionError("budget", `must be a positive integer, got ${budget}`);
  const strategy = resolveStrategy(options.strategy, "generate");
  const own = strategyOptions(strategy, options.strategyOptions);
  if (strategy.needs.includes("student-signals") || strategy.needs.includes("validation-errors")) {
    throw new OptionError("strategy", `"${strategy.name}" needs the student's answers each round: run it with the loop`);
  }
  const templates = loadStrategyTemplates([strategy], options.prompts);
  const inputs = await loadGenerateInputs(datasetPath, run, options);
  const ngram = options.ngram ?? 13;
  const contamination = await loadContamination(datasetPath, options.decontaminate, ngram, onEvent);
  const seed = options.seed ?? 0;
  const store = new GenerateStore(run.db);
  const seeds = seedTexts(inputs.examples);

  const context: PlanContext = {
    mode: "generate",
    round: 1,
    examples: seeds,
    count: budget,
    offset: 0,
    seed,
    options: own,
    datasetPath,
    templates,
    map: async () => inputs.map,
    decoder: () => options.student,
    studentSignals: () => Promise.reject(new OptionError("strategy", `"${strategy.name}" asks for the student's signals, which only the loop measures`)),
    studentErrors: () => undefined,
    cache: { get: (key) => store.partial(key), set: (key, value, seconds) => store.savePartial(key, value, seconds) },
    notice: (message) => onEvent({ type: "notice", stage: "generate", message }),
  };
  const plan = await strategy.plan(context);
  if (!plan.targetOf) throw new OptionError("strategy", `"${strategy.name}" has nothing to generate from: ${plan.note ?? "its plan gave no targets"}`);

  const stage = `generate-${strategy.name}`;
  const decoded = (plan.facts?.decode as { used?: boolean } | undefined)?.used === true;
  beginStage(run.db, stage, {
    datasetDigest: inputs.map.datasetDigest,
    teacher: `${teacher.kind}:${teacher.model}`,
    student: decoded ? options.student?.spec : null,
    templates: templateHashes(templates),
    verify: options.verify ?? false,
    decontaminate: contamination?.files ?? null,
    ngram,
    temperature: options.temperature ?? 0.8,
    seed,
    ...strategy.signature?.(own),
  }, run.dir);

  const syntheticPath = run.path("synthetic.jsonl");
  reconcileSyntheticFile(syntheticPath, store, strategy.name, (message) => onEvent({ type: "notice", stage: "generate", message: `repaired ${message}` }));
  const accepted = store.acceptedRecords(strategy.name).map((stored) => ({ id: stored.id, question: String(stored.record.question) }));
  const job: GenerationJob = {
    strategy,
    key: strategy.name,
    store,
    syntheticPath,
    duplicates: duplicateIndex(seeds, accepted, options.duplicateThreshold ?? 0.8),
    teacher,
    recordId: (attempt) => `gen-${strategy.name}-${String(attempt).padStart(6, "0")}`,
    plan: { targetOf: plan.targetOf, prepare: plan.prepare },
    settings: {
      teacher,
      task: strategy.task,
      taskContext: { templates, style: detectAnswerStyle(inputs.examples.map((example) => example.answer)), jsonSchema: options.jsonSchema ?? true },
      temperature: options.temperature ?? 0.8,
      maxTokens: options.maxTokens ?? 1024,
      seed,
      verify: options.verify ? templates[SOLVE_TEMPLATE.name] : undefined,
      contamination: contamination?.index,
    },
    count: budget,
    maxAttempts: options.maxAttempts ?? Math.max(50, 10 * budget),
    maxFailureRate: options.maxFailureRate,
    teacherTokens: options.maxTeacherTokens === undefined ? undefined : { limit: options.maxTeacherTokens, usedBefore: 0 },
    concurrency: options.concurrency === undefined ? undefined : Math.max(1, options.concurrency),
    onEvent,
  };
  return { strategy, inputs, contamination, plan, job, stage };
}
