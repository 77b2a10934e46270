import { createHash } from "node:crypto";
import type { Engine, Generation } from "../../core/engine.js";
import { BatchPendingError, EngineCallError, GapfillError } from "../../core/errors.js";
import { answersEquivalent, extractAnswer } from "../../data/answers/index.js";
import type { Target } from "../../strategies/target.js";
import { type PromptTemplate, renderTemplate } from "../../strategies/task/prompt-templates.js";
import type { RejectionReason, TaskContext, TeacherTask } from "../../strategies/task/teacher-task.js";
import type { ValidExample } from "../../strategies/task/validate-example.js";
import type { NgramIndex } from "./decontamination.js";
import type { AttemptUsage } from "./generate-store.js";

/** Everything an attempt needs besides its target. */
export interface AttemptSettings {
  teacher: Engine;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  task: TeacherTask<any>;
  taskContext: TaskContext;
  temperature: number;
  maxTokens: number;
  /** Base of the per-attempt sampling seeds. */
  seed: number;
  /** With a solve template, the teacher solves each new question again and both answers must agree. */
  verify?: PromptTemplate;
  contamination?: NgramIndex;
}

/** What an attempt produced before the dedup check (which runs at accept time, against the latest set). */
export type AttemptOutcome =
  | {
      kind: "candidate";
      example: ValidExample;
      /** Fields the task read from the reply for provenance (e.g. S3's rationale). */
      provenance: Record<string, unknown>;
      raw: string;
      usage: AttemptUsage;
      template: string;
      templateHash: string;
      verified: boolean | null;
    }
  | { kind: "rejected"; reason: RejectionReason; detail: string; raw?: string; usage: AttemptUsage };

/**
 * One attempt of any strategy: the task formats the request, the teacher answers, the task reads
 * the reply; the example is then checked against the benchmark n-grams and, with verify on,
 * solved again by the teacher. The request and sampling seed depend only on the attempt, so a
 * resumed attempt sends the identical request and the run's cache answers it. A reply that
 * cannot be used is a rejection with its raw text kept; nothing vanishes.
 */
export async function runTeacherAttempt(target: Target, settings: AttemptSettings): Promise<AttemptOutcome> {
  const usage: AttemptUsage = { promptTokens: 0, completionTokens: 0, requests: 0, cached: 0 };
  const request = settings.task.formatInput(target, settings.taskContext);
  const reply = await askTeacher(settings, request.messages, {
    temperature: settings.temperature,
    seed: samplingSeed(settings.seed, target.strategy, target.attempt),
    jsonSchema: request.jsonSchema,
    stage: "generate",
  }, usage);
  if (reply.kind === "error") return { kind: "rejected", reason: reply.tooLong ? "prompt-too-long" : "teacher-error", detail: reply.detail, usage };
  const raw = reply.generation.text;
  const output = settings.task.formatOutput(raw, target, settings.taskContext);
  if (!output.ok) {
    const truncated = output.reason === "unparseable" && reply.generation.finishReason === "length" ? " (the reply hit max tokens)" : "";
    return { kind: "rejected", reason: output.reason, detail: output.detail + truncated, raw, usage };
  }
  const example = output.example;
  const overlap = settings.contamination?.overlap(`${example.question}\n${example.answer}`) ?? null;
  if (overlap) return { kind: "rejected", reason: "contaminated", detail: `shares "${overlap.ngram}" with ${overlap.source}`, raw, usage };

  let verified: boolean | null = null;
  if (settings.verify) {
    const solve = await askTeacher(settings, [{ role: "user", content: renderTemplate(settings.verify, { question: example.question }) }], { temperature: 0, stage: "generate-verify" }, usage);
    if (solve.kind === "error") return { kind: "rejected", reason: "teacher-error", detail: `verification: ${solve.detail}`, raw, usage };
    const independent = extractAnswer(solve.generation.text)?.answer;
    if (independent === undefined) return { kind: "rejected", reason: "verify-failed", detail: "the teacher's independent solution states no final answer", raw, usage };
    if (!answersEquivalent(independent, example.finalAnswer)) {
      return { kind: "rejected", reason: "verify-failed", detail: `solved again: "${independent}", example says "${example.finalAnswer}"`, raw, usage };
    }
    verified = true;
  }
  return { kind: "candidate", example, provenance: output.provenance ?? {}, raw, usage, template: request.template.name, templateHash: request.template.hash, verified };
}

type TeacherReply = { kind: "ok"; generation: Generation } | { kind: "error"; detail: string; tooLong: boolean };

/** What servers say when a prompt does not fit (the embedded engine, llama.cpp, vLLM, OpenAI). */
const TOO_LONG = /prompt-too-long|exceeds the available context|maximum context length|context length exceeded|too many tokens/i;

async function askTeacher(settings: AttemptSettings, messages: Parameters<Engine["chat"]>[0], options: Parameters<Engine["chat"]>[1] & object, usage: AttemptUsage): Promise<TeacherReply> {
  try {
    const generation = await settings.teacher.chat(messages, { ...options, maxTokens: settings.maxTokens });
    usage.requests++;
    if (generation.cached) usage.cached++;
    usage.promptTokens += generation.usage.promptTokens;
    usage.completionTokens += generation.usage.completionTokens;
    return { kind: "ok", generation };
  } catch (error) {
    if (isRequestRefusal(error)) {
      usage.requests++;
      const detail = (error as Error).message;
      return { kind: "error", detail, tooLong: (error instanceof EngineCallError && error.statusCode === 413) || TOO_LONG.test(detail) };
    }
    throw error;
  }
}

/**
 * The one refusal policy. A refusal of this one request (HTTP 400/413/422: content filter, prompt
 * too long; or a reply that is not a chat completion) is recorded against the attempt and the run
 * goes on; anything else (retries exhausted, server down, auth, batch pending) stops the run,
 * which resumes where it was. Too many refusals in a row stop it too (see `runGeneration`).
 */
export function isRequestRefusal(error: unknown): boolean {
  if (error instanceof BatchPendingError) return false;
  if (error instanceof EngineCallError) return !error.retryable && [400, 413, 422].includes(error.statusCode ?? 0);
  return error instanceof GapfillError && error.code === "bad-response";
}

/** A 31-bit sampling seed per (run seed, strategy, attempt): distinct attempts are distinct requests. */
export function samplingSeed(seed: number, strategy: string, attempt: number): number {
  return createHash("sha256").update(`${seed}:${strategy}:${attempt}`).digest().readUInt32LE(0) >>> 1;
}
