import type { ChatMessage } from "../../core/engine.js";
import type { Target } from "../target.js";
import { type PromptTemplate, type TemplateSet, type TemplateSpec } from "./prompt-templates.js";
import { parseTeacherOutput } from "./teacher-output.js";
import { type AnswerStyle, type ValidExample, validateExample } from "./validate-example.js";

/** Why an attempt produced no accepted example. */
export const REJECTION_REASONS = [
  "unparseable",
  "invalid",
  "answer-mismatch",
  "contaminated",
  "duplicate-of-seed",
  "duplicate-of-accepted",
  "verify-failed",
  "teacher-error",
  "prompt-too-long",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** What every task of a run shares: its loaded templates, how answers are written, how the teacher is constrained. */
export interface TaskContext {
  templates: TemplateSet;
  /** How the dataset's worked answers state their result; generated answers must match. */
  style: AnswerStyle;
  /** Constrain the teacher with the task's JSON schema (off for servers that reject `response_format`). */
  jsonSchema: boolean;
}

/** The request a task sends to the teacher for one target. */
export interface TeacherRequest {
  messages: ChatMessage[];
  /** The template the prompt was rendered from (its name and hash go into provenance). */
  template: PromptTemplate;
  /** Output schema, for engines that can constrain their output with one. */
  jsonSchema?: Record<string, unknown>;
}

/**
 * What the task read from the teacher's reply: an example (with any provenance the task adds,
 * e.g. S3's rationale), or why none. The runner keeps the raw text with every rejection.
 */
export type TaskOutput =
  | { ok: true; example: ValidExample; provenance?: Record<string, unknown> }
  | { ok: false; reason: RejectionReason; detail: string };

/**
 * A teacher task, as in distilabel: `formatInput(target) → messages` and
 * `formatOutput(text, target) → example | rejection`. Pure functions: the attempt runner does
 * the calling, caching, decontamination, verification and accepting, the same for every task.
 */
export interface TeacherTask<T extends Target = Target> {
  /** The templates the task renders, with the placeholders each may use. */
  templates: readonly TemplateSpec[];
  formatInput(target: T, context: TaskContext): TeacherRequest;
  formatOutput(text: string, target: T, context: TaskContext): TaskOutput;
}

/** The JSON schema of a new example: question, worked answer, final answer. */
export const EXAMPLE_JSON_SCHEMA: Record<string, unknown> = {
  type: "object",
  properties: {
    question: { type: "string" },
    answer: { type: "string" },
    final_answer: { type: "string" },
  },
  required: ["question", "answer", "final_answer"],
  additionalProperties: false,
};

/**
 * The shared half of every example-writing task's `formatOutput`: parse the reply (JSON or
 * labelled sections), then validate it against the dataset's answer style.
 */
export function readExample(text: string, context: Pick<TaskContext, "style">): TaskOutput {
  const parsed = parseTeacherOutput(text);
  if (!parsed.ok) return { ok: false, reason: "unparseable", detail: parsed.reason };
  const valid = validateExample(parsed.example, context.style);
  if (!valid.ok) return { ok: false, reason: valid.reason, detail: valid.detail };
  return { ok: true, example: valid.example };
}

/** "version N of this request" for a repeated target (undefined the first time). */
export function variationNumber(target: Pick<Target, "variation">): number | undefined {
  return target.variation > 0 ? target.variation + 1 : undefined;
}
