import { createHash } from "node:crypto";
import type { Example } from "../../core/example.js";
import { InputError } from "../../core/errors.js";
import { loadTemplates, renderTemplate } from "../../strategies/task/prompt-templates.js";

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

/**
 * Loads the question template of `style` (or the user's own template file, which must contain
 * `{{question}}` and may contain `{{shots}}`) and the shot template.
 */
export function loadEvalTemplate(style: PromptStyle, templateFile?: string): EvalTemplate {
  const templates = loadTemplates([
    {
      name: `eval-${style}`,
      extension: ".txt",
      file: templateFile,
      placeholders: ["question", "shots"],
      check(text, file) {
        if (!/\{\{\s*question\s*\}\}/.test(text)) throw new InputError("prompt-template", `${file}: the template must contain {{question}}`, { file });
      },
    },
    { name: "eval-shot", extension: ".txt", placeholders: ["question", "answer"] },
  ]);
  const own = templates[`eval-${style}`];
  // Editors end files with a newline; the prompt should end where the answer starts ("Answer:").
  const question = own.text.replace(/\r?\n$/, "");
  const shot = templates["eval-shot"].text;
  const hash = createHash("sha256").update(question).update("\u0000").update(shot).digest("hex").slice(0, 12);
  return { question, shot, hash, file: own.file };
}

/** The prompt for one question, with the worked examples first. */
export function renderEvalPrompt(template: Pick<EvalTemplate, "question" | "shot">, question: string, shots: readonly Example[] = []): string {
  // Values are inserted in one pass: a question that itself contains "{{answer}}" is never expanded.
  const shotText = shots.map((shot) => renderTemplate({ text: template.shot }, { question: shot.question.trim(), answer: shot.answer.trim() })).join("");
  return renderTemplate({ text: template.question }, { question: question.trim(), shots: shotText });
}
