import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Example } from "../../core/example.js";
import { InputError } from "../../core/errors.js";

/**
 * How the student is asked: `completion` sends one text prompt to the completions route (the
 * same text is then scored for the loss signals, so answer and losses see one prompt);
 * `chat` sends the prompt as a user message, for instruction-tuned students whose server has no
 * completions route (the loss signals then score the message text without the chat template).
 */
export const PROMPT_STYLES = ["completion", "chat"] as const;
export type PromptStyle = (typeof PROMPT_STYLES)[number];

/** The eval prompt: a question template and a template for each worked example (shot). */
export interface EvalTemplate {
  question: string;
  shot: string;
  /** Short hash of both texts: part of the evaluation's settings, so a changed template is noticed. */
  hash: string;
  file: string;
}

const QUESTION_PLACEHOLDERS = ["question", "shots"];
const SHOT_PLACEHOLDERS = ["question", "answer"];
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** The package's `prompts/` folder, found from this module whether it runs from src/ or dist/src/. */
function promptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, "prompts");
    if (existsSync(join(candidate, "eval-completion.txt"))) return candidate;
    dir = dirname(dir);
  }
  throw new InputError("prompts-missing", "the package's prompts/eval-completion.txt was not found (a broken install?)");
}

/**
 * Loads the question template of `style` (or the user's own template file, which must contain
 * `{{question}}` and may contain `{{shots}}`) and the shot template.
 */
export function loadEvalTemplate(style: PromptStyle, templateFile?: string): EvalTemplate {
  const dir = promptsDir();
  const file = templateFile ?? join(dir, `eval-${style}.txt`);
  if (!existsSync(file)) throw new InputError("prompt-template", `template ${file}: no such file`, { file });
  // Editors end files with a newline; the prompt should end where the answer starts ("Answer:").
  const question = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  checkPlaceholders(question, file, QUESTION_PLACEHOLDERS);
  if (!/\{\{\s*question\s*\}\}/.test(question)) throw new InputError("prompt-template", `${file}: the template must contain {{question}}`, { file });
  const shotFile = join(dir, "eval-shot.txt");
  const shot = readFileSync(shotFile, "utf8");
  checkPlaceholders(shot, shotFile, SHOT_PLACEHOLDERS);
  const hash = createHash("sha256").update(question).update("\u0000").update(shot).digest("hex").slice(0, 12);
  return { question, shot, hash, file };
}

/** The prompt for one question, with the worked examples first. */
export function renderEvalPrompt(template: Pick<EvalTemplate, "question" | "shot">, question: string, shots: readonly Example[] = []): string {
  const shotText = shots.map((shot) => fill(template.shot, { question: shot.question.trim(), answer: shot.answer.trim() })).join("");
  return fill(template.question, { question: question.trim(), shots: shotText });
}

function fill(text: string, values: Record<string, string>): string {
  // One pass, so a question that itself contains "{{answer}}" is never expanded.
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

function checkPlaceholders(text: string, file: string, allowed: readonly string[]): void {
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(match[1])) {
      const line = text.slice(0, match.index).split("\n").length;
      throw new InputError("prompt-template", `${file}:${line}: unknown placeholder {{${match[1]}}}; this template may use ${allowed.join(", ")}`, { file, line });
    }
  }
}
