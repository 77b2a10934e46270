import type { Engine } from "../../core/engine.js";
import { type ProgressListener, progress } from "../../core/events.js";
import type { MinHashIndex } from "../../data/near-duplicates.js";
import type { SeedTarget } from "../../strategies/seed-target.js";
import type { S3Target } from "../../strategies/s3-targets.js";
import type { GenerateStore } from "../generate/generate-store.js";
import { runAttempts } from "../generate/run-attempts.js";
import { appendAccepted } from "../generate/synthetic-file.js";
import type { S3Outcome } from "./s3-attempt.js";

/** Where a generated example came from, for the report's data mix. */
export type ExampleSource = "active" | "s3-seed" | "s3-error" | "embed" | "random";

export interface RoundGenerateOptions {
  round: number;
  /** The generate-store key of this round (`loop-r<round>`). */
  key: string;
  /** Accepted examples this round should reach. */
  count: number;
  targetOf: (attempt: number) => SeedTarget | S3Target;
  attempt: (target: SeedTarget | S3Target) => Promise<S3Outcome>;
  store: GenerateStore;
  syntheticPath: string;
  /** Seeds and every earlier accepted question: a new one may duplicate none of them. */
  duplicates: MinHashIndex;
  teacher: Engine;
  /** Teacher tokens the whole loop may use, and how many earlier rounds used. */
  tokenBudget?: { limit: number; usedBefore: number };
  maxAttempts: number;
  concurrency: number;
  onEvent: ProgressListener;
}

export interface RoundGenerateResult {
  accepted: number;
  attempts: number;
  tokens: number;
  stopped: "count" | "budget-tokens" | "max-attempts";
}

/**
 * A round's generation: attempts until `count` examples are accepted, each attempt's outcome one
 * row in the run, accepted records appended durably to `synthetic.jsonl` with the round and
 * source in their provenance. Killed and run again it skips decided attempts; the teacher's
 * answers to attempts in flight come from the request cache.
 */
export async function generateRound(options: RoundGenerateOptions): Promise<RoundGenerateResult> {
  const { store, key, count, duplicates, teacher } = options;
  const decided = store.decidedAttempts(key);
  const tally = store.totals(key);
  const tokens = () => tally.promptTokens + tally.completionTokens;
  let stopped: RoundGenerateResult["stopped"] = "count";
  const tick = () => options.onEvent(progress.tick("generate", tally.accepted, count, `round ${options.round}: accepted ${tally.accepted}, rejected ${tally.attempts - tally.accepted}, ${tokens()} teacher tokens`));

  const settle = async (attempt: number) => {
    const target = options.targetOf(attempt);
    const outcome = await options.attempt(target);
    tally.attempts++;
    tally.promptTokens += outcome.usage.promptTokens;
    tally.completionTokens += outcome.usage.completionTokens;
    if (outcome.kind === "rejected") {
      store.recordRejected(key, attempt, outcome.reason, outcome.detail, outcome.raw, outcome.usage);
      return;
    }
    // No await from the check to the append: the dedup set and the accept stay consistent.
    const match = duplicates.match(outcome.example.question);
    if (match) {
      const ofSeed = match.id.startsWith("seed:");
      store.recordRejected(key, attempt, ofSeed ? "duplicate-of-seed" : "duplicate-of-accepted", `${match.exact ? "exact" : `near (Jaccard ${match.jaccard.toFixed(2)})`} duplicate of ${ofSeed ? match.id.slice(5) : match.id}`, outcome.raw, outcome.usage);
      return;
    }
    const s3 = target.strategy === "s3" ? (target as S3Target) : undefined;
    const source: ExampleSource = s3 ? (s3.kind === "synthesize" ? "s3-seed" : "s3-error") : (target.strategy as ExampleSource);
    const record = {
      id: `loop-r${options.round}-${target.strategy}-${String(attempt).padStart(5, "0")}`,
      question: outcome.example.question,
      answer: outcome.example.answer,
      final_answer: outcome.example.finalAnswer,
      strategy: target.strategy,
      round: options.round,
      source,
      seed_ids: target.seeds.map((seed) => seed.id),
      error_item: s3?.error ? { id: s3.error.id, student_answer: s3.error.studentAnswer } : null,
      rationale: outcome.rationale ?? null,
      region: target.region ?? null,
      cell: target.cell ?? null,
      teacher_model: teacher.model,
      teacher: teacher.spec,
      prompt_template: outcome.template,
      prompt_template_hash: outcome.templateHash,
      attempt,
      variation: target.variation,
      usage: { prompt_tokens: outcome.usage.promptTokens, completion_tokens: outcome.usage.completionTokens, requests: outcome.usage.requests, cached: outcome.usage.cached },
    };
    store.recordAccepted(key, attempt, record, outcome.raw, outcome.usage);
    tally.accepted++;
    duplicates.add(record.id, record.question);
    appendAccepted(options.syntheticPath, store, record);
  };

  tick();
  stopped =
    (await runAttempts({
      concurrency: options.concurrency,
      decided,
      gate: (open) => {
        if (tally.accepted + open >= count) return "wait";
        if (options.tokenBudget && options.tokenBudget.usedBefore + tokens() >= options.tokenBudget.limit) return "budget-tokens";
        if (tally.attempts + open >= options.maxAttempts) return "max-attempts";
        return undefined;
      },
      settle,
      onSettled: tick,
    })) ?? "count";
  if (tally.accepted >= count) stopped = "count";
  return { accepted: tally.accepted, attempts: tally.attempts, tokens: tokens(), stopped };
}
