import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../../core/errors.js";
import { builtinPromptsDir, type PromptTemplate } from "../generate/prompt-templates.js";

/** The S3 prompts: explain-then-generate seed synthesis, and error extrapolation. */
export const S3_TEMPLATE_NAMES = ["s3-seed", "s3-extrapolate"] as const;
export type S3TemplateName = (typeof S3_TEMPLATE_NAMES)[number];

const ALLOWED: Record<S3TemplateName, readonly string[]> = {
  "s3-seed": ["task", "examples", "variation"],
  "s3-extrapolate": ["task", "question", "answer", "student_answer", "variation"],
};

export interface S3Template extends Omit<PromptTemplate, "name"> {
  name: S3TemplateName;
}

/** Loads both S3 templates, each from `overrideDir/NAME.md` when there, else the package's own. */
export function loadS3Templates(overrideDir?: string): Record<S3TemplateName, S3Template> {
  const builtin = builtinPromptsDir();
  const entries = S3_TEMPLATE_NAMES.map((name) => {
    const own = overrideDir === undefined ? undefined : resolve(overrideDir, `${name}.md`);
    const file = own !== undefined && existsSync(own) ? own : join(builtin, `${name}.md`);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\{\{\s*[#/]?([a-z0-9_]+)\s*\}\}/g)) {
      if (!ALLOWED[name].includes(match[1])) {
        const line = text.slice(0, match.index).split("\n").length;
        throw new InputError("prompt-template", `${file}:${line}: unknown placeholder {{${match[1]}}}; ${name}.md may use ${ALLOWED[name].join(", ")}`, { file, line });
      }
    }
    return [name, { name, text, file, hash: createHash("sha256").update(text).digest("hex").slice(0, 12) }] as const;
  });
  return Object.fromEntries(entries) as Record<S3TemplateName, S3Template>;
}
