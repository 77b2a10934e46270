import { mkdirSync } from "node:fs";
import type { Engine } from "../../core/engine.js";
import { OptionError } from "../../core/errors.js";
import type { Example } from "../../core/example.js";
import { type ProgressListener, progress, silent } from "../../core/events.js";
import type { MinHashIndex } from "../../data/near-duplicates.js";
import { readAll } from "../../data/read-dataset.js";
import { parseEngineSpec } from "../../engines/engine-spec.js";
import { resolveStrategy, strategyOptions } from "../../strategies/registry.js";
import type { AnyStrategy, StrategyMap } from "../../strategies/strategy.js";
import type { TemplateSet } from "../../strategies/task/prompt-templates.js";
import { type AnswerStyle, detectAnswerStyle } from "../../strategies/task/validate-example.js";
import { datasetDigest } from "../../store/digest.js";
import type { Run } from "../../store/run.js";
import { beginStage } from "../../store/stage-state.js";
import { COMPARE_META_KEYS } from "../compare/compare-meta.js";
import { evaluateStudent } from "../evaluate/evaluate-student.js";
import { readEvaluationRecord } from "../evaluate/evaluation-store.js";
import { type Contamination, loadContamination, loadGenerateInputs } from "../generate/generate-inputs.js";
import { GenerateStore } from "../generate/generate-store.js";
import { duplicateIndex, loadStrategyTemplates, seedTexts, templateHashes } from "../generate/generation-setup.js";
import { runGeneration } from "../generate/run-generation.js";
import { reconcileSyntheticFile } from "../generate/synthetic-file.js";
import { openStudent, type StudentRef } from "../train/trained-student.js";
import { beginTraining, finishTraining, readTraining } from "../train/training-store.js";
import type { LoopOptions } from "./loop-options.js";
import { beginRound, readRound, type RoundRecord, setPhase } from "./loop-store.js";
import { type LoopSummary, loopSummary } from "./loop-summary.js";
import { evaluationName, planRound } from "./round-plan.js";
import { roundKey, writeTrainingFile } from "./training-data.js";

export type { LoopOptions };

/** What a loop run did: the per-round summary (the same the report shows) and why it stopped. */
export interface LoopResult extends LoopSummary {
  run: string;
  syntheticPath: string;
  stopped: "rounds" | "budget-tokens";
  seconds: number;
}

/** A loop made ready: what every round reads. */
export interface LoopSetup {
  datasetPath: string;
  run: Run;
  options: LoopOptions;
  strategy: AnyStrategy;
  /** The strategy's own options, defaults filled in. */
  strategyOptions: Record<string, unknown>;
  examples: Example[];
  validation?: Example[];
  benchmark?: Example[];
  templates: TemplateSet;
  contamination: Contamination | undefined;
  style: AnswerStyle;
  store: GenerateStore;
  syntheticPath: string;
  duplicates: MinHashIndex;
  /** The model every round trains from (a GGUF path or a served model name). */
  baseModel: string;
  seed: number;
  onEvent: ProgressListener;
  /** The run's map, made on first use (strategies that need it). */
  map: () => Promise<StrategyMap>;
}

/**
 * The closed loop. Every round: select (the strategy plans the round with the current student)
 * → generate (the teacher writes `perRound` examples) → train (on this and every earlier
 * round's examples; the result is the next round's student) → evaluate (validation and
 * benchmark).
 *
 * Each phase is recorded in the run as it completes and resumes on its own (the student's
 * answers and the teacher's examples per item/attempt, the training job by its id), so a
 * killed loop run again reaches the same final data and pays for nothing twice.
 */
export async function runLoop(datasetPath: string, run: Run, options: LoopOptions): Promise<LoopResult> {
  const started = performance.now();
  const setup = await prepareLoop(datasetPath, run, options);
  const { onEvent } = setup;
  const rounds = options.rounds;
  let current: StudentRef = { spec: options.student };
  let stopped: LoopResult["stopped"] = "rounds";
  onEvent(progress.start("round", rounds, "rounds"));
  await evaluateRound(setup, current, 0);
  for (let round = 1; round <= rounds; round++) {
    let record = beginRound(run.db, round, setup.strategy.name, current);
    if (record.phase !== "done") onEvent({ type: "notice", stage: "round", message: `round ${round} of ${rounds} (${setup.strategy.name}): ${record.phase === "select" ? "starting" : `resuming at ${record.phase}`}` });
    if (record.phase === "select" || record.phase === "generate") record = await generateRound(setup, round, current);
    if (record.phase === "train") record = await trainRound(setup, round, current);
    if (record.phase === "evaluate") {
      await evaluateRound(setup, record.trainedStudent!, round);
      setPhase(run.db, round, "done");
      record = readRound(run.db, round)!;
    }
    current = record.trainedStudent ?? current;
    onEvent(progress.tick("round", round, rounds, `round ${round} done`));
    await options.onRoundDone?.(round);
    if (record.stopped === "budget-tokens") {
      stopped = "budget-tokens";
      break;
    }
  }
  return finishLoop(setup, current, stopped, (performance.now() - started) / 1000);
}

/** Checks the options, reads the data sets, loads templates and decontamination, records the loop's signature, reconciles `synthetic.jsonl`. */
export async function prepareLoop(datasetPath: string, run: Run, options: LoopOptions): Promise<LoopSetup> {
  const onEvent = options.onEvent ?? silent;
  const { rounds, perRound, teacher, trainer } = options;
  if (!Number.isInteger(rounds) || rounds < 1) throw new OptionError("rounds", `must be a positive integer, got ${rounds}`);
  if (!Number.isInteger(perRound) || perRound < 1) throw new OptionError("perRound", `must be a positive integer, got ${perRound}`);
  const strategy = resolveStrategy(options.strategy, "loop");
  const own = strategyOptions(strategy, options.strategyOptions);
  if (strategy.needs.includes("validation-errors") && options.validation === undefined) {
    throw new OptionError("strategy", `${strategy.name} needs validation: a small real validation set whose errors the teacher extrapolates`, { relatedOptions: ["validation"] });
  }
  const seed = options.seed ?? 0;
  const { examples } = await readAll(datasetPath, options);
  if (examples.length === 0) throw new OptionError("dataset", `${datasetPath} has no examples to seed the loop with`);
  const validation = options.validation === undefined ? undefined : (await readAll(options.validation)).examples;
  const benchmark = options.benchmark === undefined ? undefined : (await readAll(options.benchmark)).examples;
  const templates = loadStrategyTemplates([strategy], options.prompts);
  const contamination = await loadContamination(datasetPath, options.decontaminate, options.ngram ?? 13, onEvent);
  beginStage(run.db, "loop", {
    strategy: strategy.name,
    perRound,
    dataset: datasetDigest(examples),
    validation: validation && datasetDigest(validation),
    benchmark: benchmark && datasetDigest(benchmark),
    teacher: `${teacher.kind}:${teacher.model}`,
    student: options.student,
    trainer: trainer.spec,
    ...strategy.signature?.(own),
    templates: templateHashes(templates),
    trainOnSeeds: options.trainOnSeeds ?? false,
    studentMaxTokens: options.studentMaxTokens ?? 512,
    evalStyle: options.evalStyle ?? "completion",
    decontaminate: contamination?.files ?? null,
    temperature: options.temperature ?? 0.8,
    seed,
  }, run.dir);

  const store = new GenerateStore(run.db);
  const syntheticPath = run.path("synthetic.jsonl");
  const accepted: Array<{ id: string; question: string }> = [];
  for (let r = 1; readRound(run.db, r) !== undefined || r <= rounds; r++) {
    reconcileSyntheticFile(syntheticPath, store, roundKey(r), (message) => onEvent({ type: "notice", stage: "generate", message: `repaired ${message}` }));
    for (const stored of store.acceptedRecords(roundKey(r))) accepted.push({ id: stored.id, question: String(stored.record.question) });
  }
  const parsedStudent = parseEngineSpec(options.student, "student");
  let map: Promise<StrategyMap> | undefined;
  return {
    datasetPath,
    run,
    options,
    strategy,
    strategyOptions: own,
    examples,
    validation,
    benchmark,
    templates,
    contamination,
    style: detectAnswerStyle(examples.map((example) => example.answer)),
    store,
    syntheticPath,
    duplicates: duplicateIndex(seedTexts(examples), accepted, options.duplicateThreshold ?? 0.8),
    baseModel: parsedStudent.kind === "llama" ? parsedStudent.modelPath : parsedStudent.model,
    seed,
    onEvent,
    map: () => (map ??= loadGenerateInputs(datasetPath, run, { ...options, student: undefined, seed, onEvent }).then((inputs) => inputs.map)),
  };
}

/** Select and generate: the strategy plans the round, the teacher writes up to `perRound` examples. Ends in the train phase. */
export async function generateRound(setup: LoopSetup, round: number, current: StudentRef): Promise<RoundRecord> {
  const { run, options, store, onEvent } = setup;
  let engine: Engine | undefined;
  try {
    const plan = await planRound({
      run,
      round,
      strategy: setup.strategy,
      options: setup.strategyOptions,
      examples: setup.examples,
      datasetPath: setup.datasetPath,
      perRound: options.perRound,
      seed: setup.seed,
      templates: setup.templates,
      hasValidation: setup.validation !== undefined,
      studentMaxTokens: options.studentMaxTokens ?? 512,
      evalStyle: options.evalStyle ?? "completion",
      student: async () => (engine ??= await openStudent(current, options.createStudent)),
      map: setup.map,
      onEvent,
    });
    setPhase(run.db, round, "generate");
    if (plan.note) onEvent({ type: "notice", stage: "generate", message: `round ${round}: ${plan.note}` });
    if (!plan.targetOf) {
      setPhase(run.db, round, "train", { stopped: "no-targets" });
      return readRound(run.db, round)!;
    }
    const generateStarted = performance.now();
    onEvent(progress.start("generate", options.perRound, "examples"));
    const generated = await runGeneration({
      strategy: setup.strategy,
      key: roundKey(round),
      store,
      syntheticPath: setup.syntheticPath,
      duplicates: setup.duplicates,
      teacher: options.teacher,
      recordId: (attempt) => `loop-r${round}-${setup.strategy.name}-${String(attempt).padStart(5, "0")}`,
      fields: { round },
      plan: { targetOf: plan.targetOf, prepare: plan.prepare },
      settings: {
        teacher: options.teacher,
        task: setup.strategy.task,
        taskContext: { templates: setup.templates, style: setup.style, jsonSchema: options.jsonSchema ?? true },
        temperature: options.temperature ?? 0.8,
        maxTokens: options.maxTokens ?? 1024,
        // Per round, so round 2's attempt 0 is not round 1's attempt 0 again.
        seed: setup.seed * 1000 + round,
        contamination: setup.contamination?.index,
      },
      count: options.perRound,
      maxAttempts: options.maxAttempts ?? Math.max(50, 10 * options.perRound),
      maxFailureRate: options.maxFailureRate,
      teacherTokens: options.budgetTokens === undefined ? undefined : { limit: options.budgetTokens, usedBefore: tokensBefore(store, round) },
      concurrency: options.concurrency === undefined ? undefined : Math.max(1, options.concurrency),
      label: `round ${round}: `,
      onEvent,
    });
    onEvent(progress.end("generate", generated.accepted, (performance.now() - generateStarted) / 1000));
    let stopped: string | null = null;
    if (generated.stopped !== "count") {
      stopped = generated.stopped === "teacher-tokens" ? "budget-tokens" : generated.stopped;
      const why = generated.stopped === "teacher-tokens" ? `the loop's teacher-token budget (${options.budgetTokens}) was reached` : `${generated.attempts} attempts made`;
      onEvent({ type: "warning", stage: "generate", message: `round ${round}: ${generated.accepted} of ${options.perRound} examples (${why})` });
    }
    setPhase(run.db, round, "train", { stopped });
  } finally {
    await engine?.close();
  }
  return readRound(run.db, round)!;
}

/** Train: writes the round's training file and trains the next student (or keeps the current one when nothing is new). Ends in the evaluate phase. */
export async function trainRound(setup: LoopSetup, round: number, current: StudentRef): Promise<RoundRecord> {
  const { run, options, store, onEvent } = setup;
  mkdirSync(run.path(`round-${round}`), { recursive: true });
  const trainFile = run.path(`round-${round}/train.chat.jsonl`);
  const data = await writeTrainingFile(trainFile, store, round, { seeds: options.trainOnSeeds ? setup.examples : undefined, systemPrompt: options.systemPrompt });
  const newExamples = store.totals(roundKey(round)).accepted;
  let trained: StudentRef;
  if (data.examples === 0 || (newExamples === 0 && round > 1)) {
    // Training on the same data again would give the same student: keep it, pay nothing.
    onEvent({ type: "notice", stage: "train", message: `round ${round}: no new training data; the student stays ${current.spec}` });
    trained = current;
  } else {
    const done = readTraining(run.db, round);
    if (done?.status === "done" && done.result) trained = done.result;
    else {
      beginTraining(run.db, round, options.trainer.spec);
      trained = await options.trainer.train({
        round,
        trainFile,
        baseStudent: options.student,
        baseModel: setup.baseModel,
        outputDir: run.path(`round-${round}/trained`),
        logFile: run.path(`round-${round}/trainer.log`),
        db: run.db,
        env: options.env ?? process.env,
        fetch: options.fetch,
        onEvent,
      });
      finishTraining(run.db, round, trained);
    }
  }
  setPhase(run.db, round, "evaluate", { trainedStudent: trained, trainFile, trainExamples: data.examples });
  return readRound(run.db, round)!;
}

/** Evaluate: a round's student on the validation and benchmark sets, opened only if something is left to judge. */
export async function evaluateRound(setup: LoopSetup, student: StudentRef, round: number): Promise<void> {
  const { run, options } = setup;
  const wanted = [
    setup.validation && { name: evaluationName.validation(round), items: setup.validation, file: options.validation! },
    setup.benchmark && { name: evaluationName.benchmark(round), items: setup.benchmark, file: options.benchmark! },
  ].filter((entry): entry is { name: string; items: Example[]; file: string } => Boolean(entry));
  const pending = wanted.filter((entry) => !readEvaluationRecord(run.db, entry.name)?.finishedAt);
  if (pending.length === 0) return;
  const engine = await openStudent(student, options.createStudent);
  try {
    for (const entry of pending) {
      await evaluateStudent(engine, entry.items, run, {
        name: entry.name,
        benchmark: entry.file,
        style: options.evalStyle ?? "completion",
        maxTokens: options.studentMaxTokens ?? 512,
        lossSignals: false,
        seed: setup.seed,
        maxFailureRate: options.maxFailureRate,
        onEvent: setup.onEvent,
      });
    }
  } finally {
    await engine.close();
  }
}

/** The loop's summary, and the run's labels for `gapfill compare`. */
export function finishLoop(setup: LoopSetup, current: StudentRef, stopped: LoopResult["stopped"], seconds: number): LoopResult {
  const { run, strategy, options } = setup;
  const summary = loopSummary(run.db);
  run.setMeta(COMPARE_META_KEYS.student, current.spec);
  run.setMeta(COMPARE_META_KEYS.label, run.getMeta(COMPARE_META_KEYS.label) ?? labelOf(options.student));
  run.setMeta(COMPARE_META_KEYS.strategy, `loop-${strategy.name}`);
  run.setMeta(COMPARE_META_KEYS.budget, String(summary.generated));
  const last = summary.rounds.filter((round) => round.benchmark !== null).at(-1);
  if (last) run.setMeta(COMPARE_META_KEYS.evaluation, evaluationName.benchmark(last.round));
  setup.onEvent(progress.end("round", summary.rounds.length, seconds));
  run.event("loop-done", { strategy: strategy.name, rounds: summary.rounds.length, generated: summary.generated, stopped });
  return { ...summary, run: run.dir, syntheticPath: setup.syntheticPath, stopped, seconds };
}

function tokensBefore(store: GenerateStore, round: number): number {
  let total = 0;
  for (let r = 1; r < round; r++) {
    const totals = store.totals(roundKey(r));
    total += totals.promptTokens + totals.completionTokens;
  }
  return total;
}

function labelOf(spec: string): string {
  return spec.replace(/^[a-z-]+:/, "").replace(/@.*$/, "").replace(/\?.*$/, "").replace(/^.*\//, "");
}
