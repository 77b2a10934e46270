import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { basename } from "node:path";
import type { Engine } from "../../core/engine.js";
import { UsageError } from "../../core/errors.js";
import type { Example } from "../../core/example.js";
import { progress, silent } from "../../core/events.js";
import { MinHashIndex } from "../../data/near-duplicates.js";
import { readAll } from "../../data/read-dataset.js";
import { parseEngineSpec } from "../../engines/engine-spec.js";
import type { S3Target } from "../../strategies/s3-targets.js";
import { COMPARE_META_KEYS } from "../compare/compare-meta.js";
import { beginStage } from "../../store/stage-state.js";
import type { Run } from "../../store/run.js";
import { evaluateStudent } from "../evaluate/evaluate-student.js";
import { readEvaluationRecord } from "../evaluate/evaluation-store.js";
import { type AttemptSettings, runAttempt } from "../generate/generate-attempt.js";
import { loadContamination, loadGenerateInputs } from "../generate/generate-inputs.js";
import { GenerateStore } from "../generate/generate-store.js";
import { loadPromptTemplates } from "../generate/prompt-templates.js";
import { reconcileSyntheticFile } from "../generate/synthetic-file.js";
import { detectAnswerStyle } from "../generate/validate-example.js";
import { openStudent, type StudentRef } from "../train/trained-student.js";
import { beginTraining, finishTraining, readTraining } from "../train/training-store.js";
import { beginRound, readRound, setPhase } from "./loop-store.js";
import type { LoopOptions } from "./loop-options.js";
import { type LoopSummary, loopSummary } from "./loop-summary.js";

export type { LoopOptions };
import { generateRound } from "./round-generate.js";
import { evaluationName, roundTargets } from "./round-targets.js";
import { runS3Attempt } from "./s3-attempt.js";
import { loadS3Templates } from "./s3-prompts.js";
import { roundKey, writeTrainingFile } from "./training-data.js";

/** What a loop run did: the per-round summary (the same the report shows) and why it stopped. */
export interface LoopResult extends LoopSummary {
  run: string;
  syntheticPath: string;
  stopped: "rounds" | "budget-tokens";
  seconds: number;
}

/**
 * The closed loop. Every round: select (score the seeds with the current student, or take the
 * previous round's validation errors, or the next seeds/pairs) → generate (the teacher writes
 * `perRound` examples) → train (on this and every earlier round's examples; the result is the
 * next round's student) → evaluate (validation and benchmark).
 *
 * Each step is recorded in the run as it completes, and each step resumes on its own (the
 * student's answers and the teacher's examples per item/attempt, the training job by its id),
 * so a killed loop run again reaches the same final data and pays for nothing twice.
 */
export async function runLoop(datasetPath: string, run: Run, options: LoopOptions): Promise<LoopResult> {
  const started = performance.now();
  const onEvent = options.onEvent ?? silent;
  const { strategy, rounds, perRound, teacher, trainer } = options;
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds must be a positive integer, got ${rounds}`, "--rounds");
  if (!Number.isInteger(perRound) || perRound < 1) throw new UsageError(`--per-round must be a positive integer, got ${perRound}`, "--per-round");
  if (strategy === "s3" && options.validation === undefined) throw new UsageError("--strategy s3 needs --validation FILE: a small real validation set whose errors the teacher extrapolates", "--validation");
  const seed = options.seed ?? 0;
  const score = options.score ?? "own-loss";
  const evalStyle = options.evalStyle ?? "completion";
  const studentMaxTokens = options.studentMaxTokens ?? 512;

  const { examples } = await readAll(datasetPath, options);
  if (examples.length === 0) throw new UsageError(`${datasetPath} has no examples to seed the loop with`);
  const validation = options.validation === undefined ? undefined : (await readAll(options.validation)).examples;
  const benchmark = options.benchmark === undefined ? undefined : (await readAll(options.benchmark)).examples;
  const task = options.task ?? defaultTask(datasetPath);
  const templates = loadPromptTemplates(options.prompts);
  const s3Templates = loadS3Templates(options.prompts);
  const ngram = options.ngram ?? 13;
  const contamination = await loadContamination(datasetPath, options.decontaminate, ngram, onEvent);
  const temperature = options.temperature ?? 0.8;
  beginStage(run.db, "loop", {
    strategy,
    perRound,
    dataset: digest(examples),
    validation: validation && digest(validation),
    benchmark: benchmark && digest(benchmark),
    teacher: `${teacher.kind}:${teacher.model}`,
    student: options.student,
    trainer: trainer.spec,
    score: strategy === "active" ? score : null,
    samples: strategy === "active" && score === "disagreement" ? (options.samples ?? 4) : null,
    task: strategy === "s3" ? createHash("sha256").update(task).digest("hex").slice(0, 16) : null,
    s3Shots: strategy === "s3" ? (options.s3Shots ?? 3) : null,
    templates: strategy === "s3" ? Object.values(s3Templates).map((t) => t.hash) : Object.values(templates).map((t) => t.hash),
    trainOnSeeds: options.trainOnSeeds ?? false,
    studentMaxTokens,
    evalStyle,
    decontaminate: contamination?.files ?? null,
    temperature,
    seed,
  }, run.dir);

  const store = new GenerateStore(run.db);
  const syntheticPath = run.path("synthetic.jsonl");
  const duplicates = new MinHashIndex({ threshold: options.duplicateThreshold ?? 0.8 });
  for (const example of examples) duplicates.add(`seed:${example.id}`, example.question);
  for (let r = 1; readRound(run.db, r) !== undefined || r <= rounds; r++) {
    reconcileSyntheticFile(syntheticPath, store, roundKey(r));
    for (const stored of store.acceptedRecords(roundKey(r))) duplicates.add(stored.id, String(stored.record.question));
  }
  const style = detectAnswerStyle(examples.map((example) => example.answer));
  const parsedStudent = parseEngineSpec(options.student, "--student");
  const baseModel = parsedStudent.kind === "llama" ? parsedStudent.modelPath : parsedStudent.model;
  const createStudent = options.createStudent;

  /** Evaluates a round's student on the validation and benchmark sets, opening it only if something is left to judge. */
  const evaluateRound = async (student: StudentRef, round: number) => {
    const wanted = [
      validation && { name: evaluationName.validation(round), items: validation, file: options.validation! },
      benchmark && { name: evaluationName.benchmark(round), items: benchmark, file: options.benchmark! },
    ].filter((entry): entry is { name: string; items: Example[]; file: string } => Boolean(entry));
    const pending = wanted.filter((entry) => !readEvaluationRecord(run.db, entry.name)?.finishedAt);
    if (pending.length === 0) return;
    const engine = await openStudent(student, createStudent);
    try {
      for (const entry of pending) {
        await evaluateStudent(engine, entry.items, run, { name: entry.name, benchmark: entry.file, style: evalStyle, maxTokens: studentMaxTokens, lossSignals: false, seed, onEvent });
      }
    } finally {
      await engine.close();
    }
  };

  let current: StudentRef = { spec: options.student };
  let stopped: LoopResult["stopped"] = "rounds";
  onEvent(progress.start("round", rounds, "rounds"));
  await evaluateRound(current, 0);
  let pairs: Promise<import("../../strategies/embed-seeds.js").TargetPair[]> | undefined;
  for (let round = 1; round <= rounds; round++) {
    let record = beginRound(run.db, round, strategy, current);
    if (record.phase !== "done") onEvent({ type: "notice", stage: "round", message: `round ${round} of ${rounds} (${strategy}): ${record.phase === "select" ? "starting" : `resuming at ${record.phase}`}` });
    if (record.phase === "select" || record.phase === "generate") {
      let engine: Engine | undefined;
      const student = async () => (engine ??= await openStudent(current, createStudent));
      try {
        const targets = await roundTargets({
          run,
          round,
          strategy,
          examples,
          perRound,
          seed,
          score,
          samples: options.samples ?? 4,
          studentMaxTokens,
          evalStyle,
          s3Shots: options.s3Shots ?? 3,
          student,
          pairs: () => (pairs ??= loadGenerateInputs(datasetPath, run, { ...options, student: undefined, seed, onEvent }).then((inputs) => inputs.pairs)),
          onEvent,
        });
        setPhase(run.db, round, "generate");
        let roundStopped: string | null = null;
        if (targets.note) onEvent({ type: "notice", stage: "generate", message: `round ${round}: ${targets.note}` });
        if (targets.targetOf) {
          const settings: AttemptSettings = {
            teacher,
            templates,
            style,
            temperature,
            maxTokens: options.maxTokens ?? 1024,
            // Per round, so round 2's attempt 0 is not round 1's attempt 0 again.
            seed: seed * 1000 + round,
            jsonSchema: options.jsonSchema ?? true,
            verify: false,
            contamination: contamination?.index,
          };
          const usedBefore = tokensBefore(store, round);
          const generateStarted = performance.now();
          onEvent(progress.start("generate", perRound, "examples"));
          const generated = await generateRound({
            round,
            key: roundKey(round),
            count: perRound,
            targetOf: targets.targetOf,
            attempt: (target) => (target.strategy === "s3" ? runS3Attempt(target as S3Target, task, s3Templates, settings) : runAttempt(target, undefined, settings)),
            store,
            syntheticPath,
            duplicates,
            teacher,
            tokenBudget: options.budgetTokens === undefined ? undefined : { limit: options.budgetTokens, usedBefore },
            maxAttempts: options.maxAttempts ?? Math.max(50, 10 * perRound),
            concurrency: Math.max(1, options.concurrency ?? 4),
            onEvent,
          });
          onEvent(progress.end("generate", generated.accepted, (performance.now() - generateStarted) / 1000));
          if (generated.stopped !== "count") {
            roundStopped = generated.stopped;
            onEvent({ type: "warning", stage: "generate", message: `round ${round}: ${generated.accepted} of ${perRound} examples (${generated.stopped === "budget-tokens" ? `--budget-tokens ${options.budgetTokens} reached` : `${generated.attempts} attempts made`})` });
          }
        } else roundStopped = "no-targets";
        setPhase(run.db, round, "train", { stopped: roundStopped });
      } finally {
        await engine?.close();
      }
      record = readRound(run.db, round)!;
    }
    if (record.phase === "train") {
      mkdirSync(run.path(`round-${round}`), { recursive: true });
      const trainFile = run.path(`round-${round}/train.chat.jsonl`);
      const data = await writeTrainingFile(trainFile, store, round, { seeds: options.trainOnSeeds ? examples : undefined, systemPrompt: options.systemPrompt });
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
          beginTraining(run.db, round, trainer.spec);
          trained = await trainer.train({
            round,
            trainFile,
            baseStudent: options.student,
            baseModel,
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
      record = readRound(run.db, round)!;
    }
    if (record.phase === "evaluate") {
      await evaluateRound(record.trainedStudent!, round);
      setPhase(run.db, round, "done");
      record = readRound(run.db, round)!;
    }
    current = record.trainedStudent ?? current;
    onEvent(progress.tick("round", round, rounds, `round ${round} done`));
    if (record.stopped === "budget-tokens") {
      stopped = "budget-tokens";
      break;
    }
  }
  const summary = loopSummary(run.db);
  run.setMeta(COMPARE_META_KEYS.student, current.spec);
  run.setMeta(COMPARE_META_KEYS.label, run.getMeta(COMPARE_META_KEYS.label) ?? labelOf(options.student));
  run.setMeta(COMPARE_META_KEYS.strategy, `loop-${strategy}`);
  run.setMeta(COMPARE_META_KEYS.budget, String(summary.generated));
  const last = summary.rounds.filter((round) => round.benchmark !== null).at(-1);
  if (last) run.setMeta(COMPARE_META_KEYS.evaluation, evaluationName.benchmark(last.round));
  const seconds = (performance.now() - started) / 1000;
  onEvent(progress.end("round", summary.rounds.length, seconds));
  run.event("loop-done", { strategy, rounds: summary.rounds.length, generated: summary.generated, stopped });
  return { ...summary, run: run.dir, syntheticPath, stopped, seconds };
}

function tokensBefore(store: GenerateStore, round: number): number {
  let total = 0;
  for (let r = 1; r < round; r++) {
    const totals = store.totals(roundKey(r));
    total += totals.promptTokens + totals.completionTokens;
  }
  return total;
}

function digest(examples: readonly Example[]): string {
  return createHash("sha256").update(examples.map((example) => example.id).join("\n")).digest("hex").slice(0, 16);
}

function labelOf(spec: string): string {
  return spec.replace(/^[a-z-]+:/, "").replace(/@.*$/, "").replace(/\?.*$/, "").replace(/^.*\//, "");
}

/** S3's task description when none is given: what the examples of the dataset ask for. */
export function defaultTask(datasetPath: string): string {
  return `Solve problems like those in ${basename(datasetPath)}: read the question, reason step by step, and end with the final answer written the way the examples write it.`;
}
