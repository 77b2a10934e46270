import type { Engine } from "../../core/engine.js";
import { UsageError } from "../../core/errors.js";
import { type ProgressListener, progress, silent } from "../../core/events.js";
import { MinHashIndex } from "../../data/near-duplicates.js";
import type { ReadOptions } from "../../data/read-dataset.js";
import { createEmbedSeeds, pairKey } from "../../strategies/embed-seeds.js";
import { createRandomSeeds } from "../../strategies/random-seeds.js";
import type { SeedTarget } from "../../strategies/seed-target.js";
import { beginStage, finishStage, getStage } from "../../store/stage-state.js";
import type { Run } from "../../store/run.js";
import type { EmbeddingMode } from "../map/embed-examples.js";
import { decodePartial, decodeUnavailable } from "./decode-partial.js";
import { type AttemptSettings, runAttempt } from "./generate-attempt.js";
import { loadContamination, loadGenerateInputs } from "./generate-inputs.js";
import { GenerateStore } from "./generate-store.js";
import { finishGenerate, type GenerateResult } from "./generate-summary.js";
import { copyPromptParts, loadPromptTemplates } from "./prompt-templates.js";
import { runAttempts } from "./run-attempts.js";
import { appendAccepted, reconcileSyntheticFile } from "./synthetic-file.js";
import { detectAnswerStyle } from "./validate-example.js";

export const STRATEGIES = ["embed", "random"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface GenerateOptions extends ReadOptions {
  strategy: Strategy;
  /** Accepted examples to reach (counted across resumes). */
  budget: number;
  teacher: Engine;
  /** The student: decodes the interpolated seed pairs (embed) and, when the map was made with it, embeds the new examples. */
  student?: Engine;
  /** `student` decodes each pair's interpolated embeddings (when it can); `none` skips the partial. Default student. */
  decode?: "student" | "none";
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
  temperature?: number;
  maxTokens?: number;
  /** Tokens the student may decode for a partial. Default 64. */
  decodeTokens?: number;
  /** Teacher requests in flight. Default 4. */
  concurrency?: number;
  jsonSchema?: boolean;
  seed?: number;
  /** For a map made on the fly. */
  embedding?: EmbeddingMode;
  pairs?: number;
  onEvent?: ProgressListener;
}

const MAX_CONSECUTIVE_TEACHER_ERRORS = 5;

/**
 * The generate stage (§3.6–§3.7 and the random baseline): attempts until `budget` examples are
 * accepted. Each attempt's outcome is one row in the run; accepted records go to the database
 * and then, durably, to `synthetic.jsonl`. Killed at any point and run again, it skips decided
 * attempts, re-sends nothing the cache already holds, and stops at exactly `budget`.
 */
export async function generateExamples(datasetPath: string, run: Run, options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const onEvent = options.onEvent ?? silent;
  const { strategy, budget, teacher } = options;
  if (!Number.isInteger(budget) || budget < 1) throw new UsageError(`--budget must be a positive integer, got ${budget}`, "--budget");
  const templates = loadPromptTemplates(options.prompts);
  const inputs = await loadGenerateInputs(datasetPath, run, { ...options, onEvent });
  const ngram = options.ngram ?? 13;
  const contamination = await loadContamination(datasetPath, options.decontaminate, ngram, onEvent);
  const seed = options.seed ?? 0;
  const wantDecode = strategy === "embed" && (options.decode ?? "student") === "student";
  const cannotDecode = wantDecode ? decodeUnavailable(options.student) : undefined;
  if (wantDecode && cannotDecode) onEvent({ type: "notice", stage: "generate", message: `no decoded partials: ${cannotDecode}; the teacher sees the two seeds only` });
  const decoding = wantDecode && !cannotDecode;

  const stage = `generate-${strategy}`;
  beginStage(run.db, stage, {
    datasetDigest: inputs.map.datasetDigest,
    teacher: `${teacher.kind}:${teacher.model}`,
    student: decoding ? options.student?.spec : null,
    templates: Object.fromEntries(Object.values(templates).map((template) => [template.name, template.hash])),
    verify: options.verify ?? false,
    decontaminate: contamination?.files ?? null,
    ngram,
    temperature: options.temperature ?? 0.8,
    seed,
  }, run.dir);

  const store = new GenerateStore(run.db);
  const syntheticPath = run.path("synthetic.jsonl");
  reconcileSyntheticFile(syntheticPath, store, strategy);
  const duplicates = new MinHashIndex({ threshold: options.duplicateThreshold ?? 0.8 });
  for (const example of inputs.examples) duplicates.add(`seed:${example.id}`, example.question);
  for (const stored of store.acceptedRecords(strategy)) duplicates.add(stored.id, String(stored.record.question));

  const targetOf: (attempt: number) => SeedTarget = strategy === "embed" ? createEmbedSeeds(inputs.pairs) : createRandomSeeds(inputs.examples, seed);
  const settings: AttemptSettings = {
    teacher,
    templates,
    style: detectAnswerStyle(inputs.examples.map((example) => example.answer)),
    temperature: options.temperature ?? 0.8,
    maxTokens: options.maxTokens ?? 1024,
    seed,
    jsonSchema: options.jsonSchema ?? true,
    verify: options.verify ?? false,
    contamination: contamination?.index,
  };
  const copy = copyPromptParts(templates.copy);
  const partials = new Map<string, Promise<string>>();
  const partialFor = (target: SeedTarget): Promise<string> | undefined => {
    if (!decoding || target.seeds.length !== 2) return undefined;
    const key = pairKey(target.seeds);
    const known = store.partial(key);
    if (known !== undefined) return Promise.resolve(known);
    let pending = partials.get(key);
    if (!pending) {
      const begun = performance.now();
      pending = decodePartial(options.student!, [target.seeds[0].question, target.seeds[1].question], copy, options.decodeTokens ?? 64).then((text) => {
        store.savePartial(key, text, (performance.now() - begun) / 1000);
        return text;
      });
      partials.set(key, pending);
    }
    return pending;
  };

  const decided = store.decidedAttempts(strategy);
  const maxAttempts = options.maxAttempts ?? Math.max(50, 10 * budget);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let consecutiveErrors = 0;
  let stopped: GenerateResult["stopped"] = "budget";
  // Counted in memory from the stored totals: a SQL aggregate per dispatch would grow with the run.
  const tally = store.totals(strategy);
  const count = (accepted: boolean, usage: { promptTokens: number; completionTokens: number }) => {
    tally.attempts++;
    if (accepted) tally.accepted++;
    tally.promptTokens += usage.promptTokens;
    tally.completionTokens += usage.completionTokens;
  };
  const totals = () => tally;
  const tick = () => {
    const now = totals();
    const rejected = now.attempts - now.accepted;
    onEvent(progress.tick("generate", now.accepted, budget, `accepted ${now.accepted}, rejected ${rejected} (${now.attempts ? Math.round((100 * rejected) / now.attempts) : 0}%), ${now.promptTokens + now.completionTokens} tokens`));
  };

  const settle = async (attempt: number) => {
    const target = targetOf(attempt);
    const partial = await partialFor(target);
    const outcome = await runAttempt(target, partial, settings);
    if (outcome.kind === "rejected") {
      store.recordRejected(strategy, attempt, outcome.reason, outcome.detail, outcome.raw, outcome.usage);
      count(false, outcome.usage);
      consecutiveErrors = outcome.reason === "teacher-error" ? consecutiveErrors + 1 : 0;
      if (consecutiveErrors >= MAX_CONSECUTIVE_TEACHER_ERRORS) throw new Error(`the teacher refused ${consecutiveErrors} requests in a row (last: ${outcome.detail})`);
      return;
    }
    consecutiveErrors = 0;
    // From here to the append nothing awaits: the dedup check and the accept see the same set.
    const match = duplicates.match(outcome.example.question);
    if (match) {
      const ofSeed = match.id.startsWith("seed:");
      const what = `${match.exact ? "exact" : `near (Jaccard ${match.jaccard.toFixed(2)})`} duplicate of ${ofSeed ? `seed ${match.id.slice(5)}` : match.id}`;
      store.recordRejected(strategy, attempt, ofSeed ? "duplicate-of-seed" : "duplicate-of-accepted", what, outcome.raw, outcome.usage);
      count(false, outcome.usage);
      return;
    }
    const record = {
      id: `gen-${strategy}-${String(attempt).padStart(6, "0")}`,
      question: outcome.example.question,
      answer: outcome.example.answer,
      final_answer: outcome.example.finalAnswer,
      strategy,
      seed_ids: target.seeds.map((s) => s.id),
      region: target.region ?? null,
      cell: target.cell ?? null,
      decoded_partial: partial ?? null,
      teacher_model: teacher.model,
      teacher: teacher.spec,
      prompt_template: outcome.template,
      prompt_template_hash: outcome.templateHash,
      verified: outcome.verified,
      attempt,
      variation: target.variation,
      usage: { prompt_tokens: outcome.usage.promptTokens, completion_tokens: outcome.usage.completionTokens, requests: outcome.usage.requests, cached: outcome.usage.cached },
    };
    store.recordAccepted(strategy, attempt, record, outcome.raw, outcome.usage);
    count(true, outcome.usage);
    duplicates.add(record.id, record.question);
    appendAccepted(syntheticPath, store, record);
  };

  onEvent(progress.start("generate", budget, "examples"));
  tick();
  stopped =
    (await runAttempts({
      concurrency,
      decided,
      gate: (open) => {
        const now = totals();
        if (now.accepted + open >= budget) return "wait";
        if (options.maxTeacherTokens !== undefined && now.promptTokens + now.completionTokens >= options.maxTeacherTokens) return "max-teacher-tokens";
        if (now.attempts + open >= maxAttempts) return "max-attempts";
        return undefined;
      },
      settle,
      onSettled: tick,
    })) ?? "budget";
  const final = store.totals(strategy);
  if (final.accepted >= budget) {
    stopped = "budget";
    if (getStage(run.db, stage)?.status !== "done") finishStage(run.db, stage);
  } else {
    onEvent({ type: "warning", stage: "generate", message: `stopped at ${final.accepted} of ${budget} accepted: ${stopped === "max-teacher-tokens" ? `--max-teacher-tokens ${options.maxTeacherTokens} reached` : `${final.attempts} attempts made (the limit)`}; run again with a higher limit to continue` });
  }
  onEvent(progress.end("generate", final.accepted, (performance.now() - started) / 1000));
  return finishGenerate(run, store, {
    strategy,
    budget,
    stopped,
    inputs,
    contamination,
    decode: { requested: wantDecode, used: decoding, note: cannotDecode },
    student: options.student,
    teacher,
    seed: getStage(run.db, "embed")?.params?.seed as number | undefined,
    seconds: (performance.now() - started) / 1000,
    onEvent,
  });
}
