import { createHash } from "node:crypto";
import { basename } from "node:path";
import { defineStrategy } from "../strategy.js";
import { createS3ErrorTargets, createS3SynthesisTargets, type S3Target } from "./s3-targets.js";
import { s3Task } from "./s3-task.js";

/**
 * S3 (arXiv 2310.13671): round 1 synthesizes seeds explain-then-generate from a task description
 * and a few examples; every later round has the teacher extrapolate the previous student's
 * errors on a small real validation set.
 */
export const s3Strategy = defineStrategy<S3Target>({
  name: "s3",
  summary: "explain-then-generate seeds, then extrapolate the student's validation errors (S3)",
  modes: ["loop"],
  needs: ["validation-errors"],
  options: [
    { name: "task", argument: "text|file", type: "text-or-file", description: "s3: the task description (text, or a file holding it); default derived from the dataset" },
    { name: "s3Shots", argument: "k", type: "integer", default: 3, description: "s3: seed examples shown per synthesis prompt" },
  ],
  task: s3Task,
  async plan(context) {
    const task = taskOf(context.options, context.datasetPath);
    if (context.round === 1) {
      const synthesize = createS3SynthesisTargets(context.examples, Number(context.options.s3Shots ?? 3));
      return { targetOf: (attempt) => ({ ...synthesize(attempt), task }) };
    }
    const errors = context.studentErrors() ?? [];
    if (errors.length === 0) return { note: `the round ${context.round - 1} student made no error on the validation set: nothing to extrapolate` };
    const extrapolate = createS3ErrorTargets(errors);
    return { targetOf: (attempt) => ({ ...extrapolate(attempt), task }) };
  },
  provenance: (target) => ({ error_item: target.error ? { id: target.error.id, student_answer: target.error.studentAnswer } : null }),
  sourceOf: (target) => (target.kind === "synthesize" ? "s3-seed" : "s3-error"),
  signature: (options) => ({ task: createHash("sha256").update(String(options.task ?? "")).digest("hex").slice(0, 16), s3Shots: options.s3Shots ?? 3 }),
  report: { color: "#2f9e44", label: "S3 seeds and error extrapolations", mapTargets: false },
});

/** S3's task description: the given one, or what the dataset's examples ask for. */
function taskOf(options: Readonly<Record<string, unknown>>, datasetPath: string): string {
  if (typeof options.task === "string" && options.task.trim() !== "") return options.task;
  return `Solve problems like those in ${basename(datasetPath)}: read the question, reason step by step, and end with the final answer written the way the examples write it.`;
}

export { createS3ErrorTargets, createS3SynthesisTargets } from "./s3-targets.js";
export type { S3Target } from "./s3-targets.js";
export { readRationale, S3_JSON_SCHEMA } from "./s3-task.js";
