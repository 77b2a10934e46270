import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../../core/errors.js";

/**
 * Prompt templates: plain-text files shipped in the package's `prompts/` folder, overridable one
 * by one with a folder of the user's (a file of the same name there wins). Every teacher task
 * declares the templates it uses and the placeholders each may hold; this one loader reads them.
 *
 * Syntax: `{{name}}` is replaced by a value; `{{#name}} … {{/name}}` is kept only when `name`
 * is a non-empty value. Nothing else is special, so templates stay plain prose.
 */

/** A template a task uses: its file name (without the extension) and the placeholders it may hold. */
export interface TemplateSpec {
  name: string;
  placeholders: readonly string[];
  /** File extension in the prompts folder. Default `.md`. */
  extension?: string;
  /** A file of the user's that replaces this template (wins over the override folder). */
  file?: string;
  /** Further checks of the text (throw an InputError naming the file). */
  check?: (text: string, file: string) => void;
}

/** A loaded template: its text, where it came from, and a short hash recorded in provenance. */
export interface PromptTemplate {
  name: string;
  text: string;
  file: string;
  hash: string;
}

/** Loaded templates by name. */
export type TemplateSet = Readonly<Record<string, PromptTemplate>>;

const PLACEHOLDER = /\{\{\s*([#/]?)([a-z0-9_]+)\s*\}\}/g;

/** The package's own `prompts/` folder, found from this module whether it runs from src/ or dist/src/. */
export function builtinPromptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 7; depth++) {
    const candidate = join(dir, "prompts");
    if (existsSync(join(candidate, "two-seed.md"))) return candidate;
    dir = dirname(dir);
  }
  throw new InputError("prompts-missing", "the package's prompts/ folder was not found (a broken install?)");
}

/**
 * Loads each template, from `overrideDir/NAME.md` when that file exists, else the built-in one.
 * A template using a placeholder its task does not fill is refused, naming the file and line.
 */
export function loadTemplates(specs: readonly TemplateSpec[], overrideDir?: string): TemplateSet {
  if (overrideDir !== undefined && !existsSync(overrideDir)) {
    throw new InputError("prompts-missing", `prompts folder ${overrideDir}: no such directory`, { file: overrideDir });
  }
  const builtin = builtinPromptsDir();
  const entries = specs.map((spec) => {
    const fileName = `${spec.name}${spec.extension ?? ".md"}`;
    const own = spec.file ?? (overrideDir === undefined ? undefined : resolve(overrideDir, fileName));
    const file = own !== undefined && (spec.file !== undefined || existsSync(own)) ? own : join(builtin, fileName);
    if (!existsSync(file)) throw new InputError("prompt-template", `template ${file}: no such file`, { file });
    const text = readFileSync(file, "utf8");
    checkTemplate(spec, text, file);
    return [spec.name, { name: spec.name, text, file, hash: createHash("sha256").update(text).digest("hex").slice(0, 12) }] as const;
  });
  return Object.fromEntries(entries);
}

/** The template of that name, or an error naming the task's templates (a task asked for one it did not declare). */
export function templateOf(templates: TemplateSet, name: string): PromptTemplate {
  const template = templates[name];
  if (!template) throw new InputError("prompt-template", `no prompt template "${name}" is loaded (loaded: ${Object.keys(templates).join(", ")})`);
  return template;
}

function checkTemplate(spec: TemplateSpec, text: string, file: string): void {
  const open: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [, marker, key] = match;
    const line = text.slice(0, match.index).split("\n").length;
    if (!spec.placeholders.includes(key)) {
      throw new InputError("prompt-template", `${file}:${line}: unknown placeholder {{${marker}${key}}}; this template may use ${spec.placeholders.join(", ")}`, { file, line });
    }
    if (marker === "#") open.push(key);
    else if (marker === "/" && open.pop() !== key) {
      throw new InputError("prompt-template", `${file}:${line}: {{/${key}}} closes no open {{#${key}}}`, { file, line });
    }
  }
  if (open.length > 0) throw new InputError("prompt-template", `${file}: {{#${open[0]}}} is never closed`, { file });
  spec.check?.(text, file);
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
