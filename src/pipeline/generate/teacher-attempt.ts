import { createHash } from "node:crypto";
import type { Engine, Generation } from "../../core/engine.js";
import { BatchPendingError, EngineCallError, GapfillError } from "../../core/errors.js";
import { answersEquivalent, extractAnswer } from "../../data/answers/index.js";
import type { SeedTarget } from "../../strategies/seed-target.js";
import type { NgramIndex } from "./decontamination.js";
import type { AttemptUsage, RejectionReason } from "./generate-store.js";
import { type PromptTemplates, renderTemplate } from "./prompt-templates.js";
import { parseTeacherOutput, TEACHER_JSON_SCHEMA } from "./teacher-output.js";
import { type AnswerStyle, type ValidExample, validateExample } from "./validate-example.js";

/** Everything an attempt needs besides its target. */
export interface AttemptSettings {
  teacher: Engine;
  templates: PromptTemplates;
  style: AnswerStyle;
  temperature: number;
  maxTokens: number;
  /** Base of the per-attempt sampling seeds. */
  seed: number;
  /** Constrain the teacher with the JSON schema (off for servers that reject `response_format`). */
  jsonSchema: boolean;
  verify: boolean;
  contamination?: NgramIndex;
}

/** What an attempt produced before the dedup check (which runs at accept time, against the latest set). */
export type AttemptOutcome =
  | { kind: "candidate"; example: ValidExample; raw: string; usage: AttemptUsage; template: string; templateHash: string; verified: boolean | null }
  | { kind: "rejected"; reason: RejectionReason; detail: string; raw?: string; usage: AttemptUsage };

/**
 * One attempt: the teacher writes an example from the target's seeds (and the decoded partial),
 * the reply is parsed and validated, checked against the benchmark n-grams and, with verify on,
 * solved again by the teacher. The prompt and sampling seed depend only on the attempt, so a
 * resumed attempt sends the identical request and the run's cache answers it.
 */
export async function runAttempt(target: SeedTarget, partial: string | undefined, settings: AttemptSettings): Promise<AttemptOutcome> {
  const usage: AttemptUsage = { promptTokens: 0, completionTokens: 0, requests: 0, cached: 0 };
  const template = target.seeds.length === 2 ? settings.templates["two-seed"] : settings.templates["one-seed"];
  const prompt =
    target.seeds.length === 2
      ? renderTemplate(template, {
          seed1_question: target.seeds[0].question,
          seed1_answer: target.seeds[0].answer,
          seed2_question: target.seeds[1].question,
          seed2_answer: target.seeds[1].answer,
          partial,
          variation: target.variation > 0 ? target.variation + 1 : undefined,
        })
      : renderTemplate(template, {
          seed_question: target.seeds[0].question,
          seed_answer: target.seeds[0].answer,
          variation: target.variation > 0 ? target.variation + 1 : undefined,
        });
  const reply = await askTeacher(settings, prompt, {
    temperature: settings.temperature,
    seed: samplingSeed(settings.seed, target.strategy, target.attempt),
    jsonSchema: settings.jsonSchema ? TEACHER_JSON_SCHEMA : undefined,
    stage: "generate",
  }, usage);
  if (reply.kind === "error") return { kind: "rejected", reason: "teacher-error", detail: reply.detail, usage };
  const raw = reply.generation.text;
  const parsed = parseTeacherOutput(raw);
  if (!parsed.ok) return { kind: "rejected", reason: "unparseable", detail: parsed.reason + (reply.generation.finishReason === "length" ? " (the reply hit max tokens)" : ""), raw, usage };
  const valid = validateExample(parsed.example, settings.style);
  if (!valid.ok) return { kind: "rejected", reason: valid.reason, detail: valid.detail, raw, usage };
  const example = valid.example;
  const overlap = settings.contamination?.overlap(`${example.question}\n${example.answer}`) ?? null;
  if (overlap) return { kind: "rejected", reason: "contaminated", detail: `shares "${overlap.ngram}" with ${overlap.source}`, raw, usage };

  let verified: boolean | null = null;
  if (settings.verify) {
    const solve = await askTeacher(settings, renderTemplate(settings.templates.solve, { question: example.question }), { temperature: 0, stage: "generate-verify" }, usage);
    if (solve.kind === "error") return { kind: "rejected", reason: "teacher-error", detail: `verification: ${solve.detail}`, raw, usage };
    const independent = extractAnswer(solve.generation.text)?.answer;
    if (independent === undefined) return { kind: "rejected", reason: "verify-failed", detail: "the teacher's independent solution states no final answer", raw, usage };
    if (!answersEquivalent(independent, example.finalAnswer)) {
      return { kind: "rejected", reason: "verify-failed", detail: `solved again: "${independent}", example says "${example.finalAnswer}"`, raw, usage };
    }
    verified = true;
  }
  return { kind: "candidate", example, raw, usage, template: template.name, templateHash: template.hash, verified };
}

type TeacherReply = { kind: "ok"; generation: Generation } | { kind: "error"; detail: string };

async function askTeacher(settings: AttemptSettings, prompt: string, options: Parameters<Engine["chat"]>[1] & object, usage: AttemptUsage): Promise<TeacherReply> {
  try {
    const generation = await settings.teacher.chat([{ role: "user", content: prompt }], { ...options, maxTokens: settings.maxTokens });
    usage.requests++;
    if (generation.cached) usage.cached++;
    usage.promptTokens += generation.usage.promptTokens;
    usage.completionTokens += generation.usage.completionTokens;
    return { kind: "ok", generation };
  } catch (error) {
    if (isRequestRefusal(error)) {
      usage.requests++;
      return { kind: "error", detail: (error as Error).message };
    }
    throw error;
  }
}

/**
 * A refusal of this one request (HTTP 400/413/422: content filter, prompt too long) is recorded
 * against the attempt and the run goes on; anything else (retries exhausted, server down, auth,
 * batch pending) stops the run, which resumes where it was.
 */
function isRequestRefusal(error: unknown): boolean {
  if (error instanceof BatchPendingError) return false;
  if (error instanceof EngineCallError) return !error.retryable && [400, 413, 422].includes(error.statusCode ?? 0);
  return error instanceof GapfillError && error.code === "bad-response";
}

/** A 31-bit sampling seed per (run seed, strategy, attempt): distinct attempts are distinct requests. */
export function samplingSeed(seed: number, strategy: string, attempt: number): number {
  return createHash("sha256").update(`${seed}:${strategy}:${attempt}`).digest().readUInt32LE(0) >>> 1;
}
