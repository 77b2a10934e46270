import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../../core/errors.js";

/**
 * The prompts of the generate stage, shipped as text templates in the package's `prompts/`
 * folder and overridable one by one with `--prompts DIR` (a file of the same name there wins).
 *
 * Syntax: `{{name}}` is replaced by a value; `{{#name}} … {{/name}}` is kept only when `name`
 * is a non-empty value. Nothing else is special, so templates stay plain prose.
 */
export const TEMPLATE_NAMES = ["copy", "two-seed", "one-seed", "solve"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Placeholders each template may use; a template using another name is refused at load time. */
const ALLOWED: Record<TemplateName, readonly string[]> = {
  copy: ["embeddings"],
  "two-seed": ["seed1_question", "seed1_answer", "seed2_question", "seed2_answer", "partial", "variation"],
  "one-seed": ["seed_question", "seed_answer", "variation"],
  solve: ["question"],
};

/** A loaded template: its text, where it came from, and a short hash recorded in provenance. */
export interface PromptTemplate {
  name: TemplateName;
  text: string;
  file: string;
  hash: string;
}

export type PromptTemplates = Record<TemplateName, PromptTemplate>;

const PLACEHOLDER = /\{\{\s*([#/]?)([a-z0-9_]+)\s*\}\}/g;

/** The package's own `prompts/` folder, found from this module whether it runs from src/ or dist/src/. */
export function builtinPromptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, "prompts");
    if (existsSync(join(candidate, "two-seed.md"))) return candidate;
    dir = dirname(dir);
  }
  throw new InputError("prompts-missing", "the package's prompts/ folder was not found (a broken install?)");
}

/** Loads every template, each from `overrideDir/NAME.md` when that file exists, else the built-in one. */
export function loadPromptTemplates(overrideDir?: string): PromptTemplates {
  if (overrideDir !== undefined && !existsSync(overrideDir)) {
    throw new InputError("prompts-missing", `--prompts ${overrideDir}: no such directory`, { file: overrideDir });
  }
  const builtin = builtinPromptsDir();
  const entries = TEMPLATE_NAMES.map((name) => {
    const own = overrideDir === undefined ? undefined : resolve(overrideDir, `${name}.md`);
    const file = own !== undefined && existsSync(own) ? own : join(builtin, `${name}.md`);
    const text = readFileSync(file, "utf8");
    checkTemplate(name, text, file);
    return [name, { name, text, file, hash: createHash("sha256").update(text).digest("hex").slice(0, 12) }] as const;
  });
  return Object.fromEntries(entries) as PromptTemplates;
}

function checkTemplate(name: TemplateName, text: string, file: string): void {
  const open: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [, marker, key] = match;
    const line = text.slice(0, match.index).split("\n").length;
    if (!ALLOWED[name].includes(key)) {
      throw new InputError("prompt-template", `${file}:${line}: unknown placeholder {{${marker}${key}}}; ${name}.md may use ${ALLOWED[name].join(", ")}`, { file, line });
    }
    if (marker === "#") open.push(key);
    else if (marker === "/" && open.pop() !== key) {
      throw new InputError("prompt-template", `${file}:${line}: {{/${key}}} closes no open {{#${key}}}`, { file, line });
    }
  }
  if (open.length > 0) throw new InputError("prompt-template", `${file}: {{#${open[0]}}} is never closed`, { file });
  if (name === "copy" && (text.match(/\{\{\s*embeddings\s*\}\}/g) ?? []).length !== 1) {
    throw new InputError("prompt-template", `${file}: copy.md must contain {{embeddings}} exactly once (where the interpolated embeddings go)`, { file });
  }
}

/** Fills a template. Sections whose value is empty or missing are dropped with their text. */
export function renderTemplate(template: Pick<PromptTemplate, "text">, values: Record<string, string | number | undefined>): string {
  const filled = (value: string | number | undefined) => (value === undefined ? "" : String(value));
  let text = template.text;
  // Sections first (innermost wins through the non-greedy body); a value never re-enters parsing.
  const section = /\{\{\s*#([a-z0-9_]+)\s*\}\}\n?([\s\S]*?)\{\{\s*\/\1\s*\}\}\n?/g;
  let previous: string;
  do {
    previous = text;
    text = text.replace(section, (_all, key: string, body: string) => (filled(values[key]).trim() === "" ? "" : body));
  } while (text !== previous);
  return text.replace(PLACEHOLDER, (_all, _marker: string, key: string) => filled(values[key]));
}

/** The copy prompt around the embeddings: the text before and after `{{embeddings}}`. */
export function copyPromptParts(template: Pick<PromptTemplate, "text">): { prefix: string; suffix: string } {
  const [prefix, suffix] = template.text.split(/\{\{\s*embeddings\s*\}\}/);
  return { prefix, suffix: suffix ?? "" };
}
