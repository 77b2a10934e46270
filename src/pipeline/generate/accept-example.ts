import type { Engine } from "../../core/engine.js";
import type { MinHashIndex } from "../../data/near-duplicates.js";
import type { AnyStrategy } from "../../strategies/strategy.js";
import type { Target } from "../../strategies/target.js";
import type { GenerateStore } from "./generate-store.js";
import { appendAccepted } from "./synthetic-file.js";
import type { AttemptOutcome } from "./teacher-attempt.js";

/** Where accepted examples go, and what every record of this job carries. */
export interface AcceptContext {
  strategy: AnyStrategy;
  /** The store key of the job (the strategy's name in generate, `loop-r<round>` in the loop). */
  key: string;
  store: GenerateStore;
  syntheticPath: string;
  /** Seed questions and every earlier accepted one: a new question may duplicate none of them. */
  duplicates: MinHashIndex;
  teacher: Pick<Engine, "spec" | "model">;
  /** The record's id for an attempt. */
  recordId(attempt: number): string;
  /** Fields every record of the job carries (the loop's round). */
  fields?: Record<string, unknown>;
}

/**
 * The one accept step: a rejected attempt is recorded with its reason and raw text; a candidate
 * that duplicates a seed or an accepted example is rejected as such; any other becomes a record
 * with its full provenance, stored in the run and then appended durably to `synthetic.jsonl` —
 * unless the job is `full` (its count reached), when it is a spare, recorded nowhere. Nothing in
 * here awaits, so the dedup check and the accept see the same set.
 */
export function acceptOutcome(context: AcceptContext, target: Target, outcome: AttemptOutcome, options: { full?: boolean } = {}): "accepted" | "rejected" | "spare" {
  const { store, key } = context;
  if (outcome.kind === "rejected") {
    store.recordRejected(key, target.attempt, outcome.reason, outcome.detail, outcome.raw, outcome.usage);
    return "rejected";
  }
  const match = context.duplicates.match(outcome.example.question);
  if (match) {
    const ofSeed = match.id.startsWith("seed:");
    const what = `${match.exact ? "exact" : `near (Jaccard ${match.jaccard.toFixed(2)})`} duplicate of ${ofSeed ? `seed ${match.id.slice(5)}` : match.id}`;
    store.recordRejected(key, target.attempt, ofSeed ? "duplicate-of-seed" : "duplicate-of-accepted", what, outcome.raw, outcome.usage);
    return "rejected";
  }
  // The job already has its count: a usable example is neither written nor decided (its answer
  // stays in the request cache for a run that asks for more).
  if (options.full) return "spare";
  const { strategy, teacher } = context;
  const record = {
    id: context.recordId(target.attempt),
    question: outcome.example.question,
    answer: outcome.example.answer,
    final_answer: outcome.example.finalAnswer,
    strategy: strategy.name,
    ...context.fields,
    source: strategy.sourceOf?.(target) ?? strategy.name,
    seed_ids: target.seeds.map((seed) => seed.id),
    region: target.region ?? null,
    cell: target.cell ?? null,
    ...strategy.provenance(target),
    ...outcome.provenance,
    teacher_model: teacher.model,
    teacher: teacher.spec,
    prompt_template: outcome.template,
    prompt_template_hash: outcome.templateHash,
    verified: outcome.verified,
    attempt: target.attempt,
    variation: target.variation,
    usage: { prompt_tokens: outcome.usage.promptTokens, completion_tokens: outcome.usage.completionTokens, requests: outcome.usage.requests, cached: outcome.usage.cached },
  };
  store.recordAccepted(key, target.attempt, record, outcome.raw, outcome.usage);
  context.duplicates.add(record.id, record.question);
  appendAccepted(context.syntheticPath, store, record);
  return "accepted";
}
