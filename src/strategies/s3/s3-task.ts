import { renderTemplate, templateOf, type TemplateSpec } from "../task/prompt-templates.js";
import { EXAMPLE_JSON_SCHEMA, readExample, type TeacherTask, variationNumber } from "../task/teacher-task.js";
import type { S3Target } from "./s3-targets.js";

/** Seed synthesis, explain-then-generate: the task, a few examples; rationale first, then the example. */
export const S3_SEED_TEMPLATE: TemplateSpec = { name: "s3-seed", placeholders: ["task", "examples", "variation"] };

/** Error extrapolation: a validation item the student got wrong, and what it answered. */
export const S3_EXTRAPOLATE_TEMPLATE: TemplateSpec = { name: "s3-extrapolate", placeholders: ["task", "question", "answer", "student_answer", "variation"] };

/** The S3 teacher writes its rationale first, then the example: the schema orders the keys so. */
export const S3_JSON_SCHEMA: Record<string, unknown> = {
  ...EXAMPLE_JSON_SCHEMA,
  properties: { rationale: { type: "string" }, ...(EXAMPLE_JSON_SCHEMA.properties as Record<string, unknown>) },
  required: ["rationale", ...(EXAMPLE_JSON_SCHEMA.required as string[])],
};

/**
 * S3's teacher task: the prompt of the target's kind (seed synthesis or error extrapolation);
 * the reply is read like any generated example, and its rationale is kept in provenance.
 */
export const s3Task: TeacherTask<S3Target> = {
  templates: [S3_SEED_TEMPLATE, S3_EXTRAPOLATE_TEMPLATE],
  formatInput(target, context) {
    const variation = variationNumber(target);
    const task = target.task ?? "";
    let template;
    let content: string;
    if (target.kind === "synthesize") {
      template = templateOf(context.templates, S3_SEED_TEMPLATE.name);
      const examples = target.seeds.map((seed, k) => `Example ${k + 1}:\nQuestion: ${seed.question.trim()}\nSolution: ${seed.answer.trim()}\n`).join("\n");
      content = renderTemplate(template, { task, examples, variation });
    } else {
      template = templateOf(context.templates, S3_EXTRAPOLATE_TEMPLATE.name);
      const error = target.error!;
      const studentAnswer = error.studentOutput.trim() === "" ? "(no answer)" : error.studentOutput.trim();
      content = renderTemplate(template, { task, question: error.question, answer: error.answer, student_answer: studentAnswer, variation });
    }
    return { messages: [{ role: "user", content }], template, jsonSchema: context.jsonSchema ? S3_JSON_SCHEMA : undefined };
  },
  formatOutput(text, _target, context) {
    const output = readExample(text, context);
    return output.ok ? { ...output, provenance: { rationale: readRationale(text) ?? null } } : output;
  },
};

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
