import { BatchPendingError, EngineCallError, GapfillError } from "../../core/errors.js";
import type { S3Target } from "../../strategies/s3-targets.js";
import { type AttemptOutcome, type AttemptSettings, samplingSeed } from "../generate/generate-attempt.js";
import type { AttemptUsage } from "../generate/generate-store.js";
import { renderTemplate } from "../generate/prompt-templates.js";
import { parseTeacherOutput } from "../generate/teacher-output.js";
import { validateExample } from "../generate/validate-example.js";
import type { S3Template, S3TemplateName } from "./s3-prompts.js";

/** The S3 teacher writes its rationale first, then the example: the schema orders the keys so. */
export const S3_JSON_SCHEMA: Record<string, unknown> = {
  type: "object",
  properties: {
    rationale: { type: "string" },
    question: { type: "string" },
    answer: { type: "string" },
    final_answer: { type: "string" },
  },
  required: ["rationale", "question", "answer", "final_answer"],
  additionalProperties: false,
};

/** An S3 candidate carries the teacher's rationale along (kept in the record's provenance). */
export type S3Outcome = AttemptOutcome & { rationale?: string };

/**
 * One S3 attempt: the prompt of its kind (seed synthesis or error extrapolation), the teacher's
 * reply parsed and validated like any generated example, the rationale kept. The sampling seed
 * depends on the attempt only, so a resumed attempt is the same (cached) request.
 */
export async function runS3Attempt(target: S3Target, task: string, templates: Record<S3TemplateName, S3Template>, settings: AttemptSettings): Promise<S3Outcome> {
  const usage: AttemptUsage = { promptTokens: 0, completionTokens: 0, requests: 0, cached: 0 };
  const variation = target.variation > 0 ? target.variation + 1 : undefined;
  const template = target.kind === "synthesize" ? templates["s3-seed"] : templates["s3-extrapolate"];
  const prompt =
    target.kind === "synthesize"
      ? renderTemplate(template, {
          task,
          examples: target.seeds.map((seed, k) => `Example ${k + 1}:\nQuestion: ${seed.question.trim()}\nSolution: ${seed.answer.trim()}\n`).join("\n"),
          variation,
        })
      : renderTemplate(template, {
          task,
          question: target.error!.question,
          answer: target.error!.answer,
          student_answer: target.error!.studentOutput.trim() === "" ? "(no answer)" : target.error!.studentOutput.trim(),
          variation,
        });
  let text: string;
  try {
    const generation = await settings.teacher.chat([{ role: "user", content: prompt }], {
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      seed: samplingSeed(settings.seed, target.strategy, target.attempt),
      jsonSchema: settings.jsonSchema ? S3_JSON_SCHEMA : undefined,
      stage: "generate",
    });
    usage.requests++;
    if (generation.cached) usage.cached++;
    usage.promptTokens += generation.usage.promptTokens;
    usage.completionTokens += generation.usage.completionTokens;
    text = generation.text;
  } catch (error) {
    // A refusal of this one request is the attempt's outcome; anything else stops the round (resumable).
    const refusal = !(error instanceof BatchPendingError) && ((error instanceof EngineCallError && !error.retryable && [400, 413, 422].includes(error.statusCode ?? 0)) || (error instanceof GapfillError && error.code === "bad-response"));
    if (!refusal) throw error;
    usage.requests++;
    return { kind: "rejected", reason: "teacher-error", detail: (error as Error).message, usage };
  }
  const parsed = parseTeacherOutput(text);
  if (!parsed.ok) return { kind: "rejected", reason: "unparseable", detail: parsed.reason, raw: text, usage };
  const valid = validateExample(parsed.example, settings.style);
  if (!valid.ok) return { kind: "rejected", reason: valid.reason, detail: valid.detail, raw: text, usage };
  const overlap = settings.contamination?.overlap(`${valid.example.question}\n${valid.example.answer}`) ?? null;
  if (overlap) return { kind: "rejected", reason: "contaminated", detail: `shares "${overlap.ngram}" with ${overlap.source}`, raw: text, usage };
  return { kind: "candidate", example: valid.example, raw: text, usage, template: template.name, templateHash: template.hash, verified: null, rationale: readRationale(text) };
}

/** The rationale of a JSON reply (or a "Rationale:" section), if the teacher wrote one. */
export function readRationale(text: string): string | undefined {
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first !== -1 && last > first) {
    try {
      const value = JSON.parse(text.slice(first, last + 1)) as Record<string, unknown>;
      if (typeof value.rationale === "string" && value.rationale.trim() !== "") return value.rationale.trim();
    } catch {
      // Not JSON: fall through to the labelled form.
    }
  }
  const match = /^\s*(?:\*\*)?rationale(?:\*\*)?\s*:\s*([\s\S]*?)(?:\n\s*(?:\*\*)?(?:question|problem)(?:\*\*)?\s*:|$)/im.exec(text);
  return match?.[1].trim() || undefined;
}
