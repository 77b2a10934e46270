import { InputError, OptionError } from "../core/errors.js";

/**
 * Library options whose flag is not simply their kebab-case name. The library names options
 * for a script (`maxLinesPerFile`); the CLI sometimes shortens them or keeps an older flag
 * (`--max-lines`). Only names that differ belong here.
 */
const FLAG_OVERRIDES: Readonly<Record<string, string>> = {
  maxLinesPerFile: "--max-lines",
  maxBytesPerFile: "--max-bytes",
  // An engine spec given on its own (`gapfill engines check SPEC`) is a positional argument.
  spec: "<spec>",
  // gapfill eval: the evaluation's prompt style and question template file.
  style: "--prompt-style",
  templateFile: "--template",
};

/** The CLI flag for a library option: the override when there is one, else `--` + kebab-case. */
export function flagForOption(option: string): string {
  // Already a flag or an argument name (an old caller's "--student"): nothing to map.
  if (/^[-<]/.test(option)) return option;
  return FLAG_OVERRIDES[option] ?? `--${option.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase()}`;
}

/**
 * Rewrites an error's message for the command line: an {@link OptionError} leads with its flag
 * instead of its option name, and the first mention of each related option becomes its flag.
 * Other errors keep their message.
 */
export function cliMessage(error: Error): string {
  if (error instanceof OptionError) {
    return `${flagForOption(error.option)} ${renameOptions(error.detail, error.relatedOptions)}`;
  }
  if (error instanceof InputError) return renameOptions(error.message, error.relatedOptions);
  // Other errors that name the option to change (a failure-rate stop names maxFailureRate).
  const option = (error as { option?: unknown }).option;
  if (typeof option === "string") return error.message.replace(new RegExp(`(?<![\\w./-])${escapeRegExp(option)}(?![\\w/]|\\.\\w)`, "g"), flagForOption(option));
  return error.message;
}

function renameOptions(text: string, options: readonly string[]): string {
  let out = text;
  for (const option of options) {
    // The first whole-word mention only, and not inside a path or a longer identifier: an
    // option named by a plain word ("validation") may reappear later as that word.
    out = out.replace(new RegExp(`(?<![\\w./-])${escapeRegExp(option)}(?![\\w/]|\\.\\w)`), flagForOption(option));
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
