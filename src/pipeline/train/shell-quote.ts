import { UsageError } from "../../core/errors.js";

/** One argument for `sh -c`: single-quoted, with embedded single quotes closed and reopened. */
export function shellQuote(value: string): string {
  if (value !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Placeholders a `command:` trainer template may use. */
export const COMMAND_PLACEHOLDERS = ["train_file", "base_model", "round", "output_dir"] as const;
export type CommandPlaceholder = (typeof COMMAND_PLACEHOLDERS)[number];

/**
 * Fills `{train_file}`, `{base_model}`, `{round}`, `{output_dir}` with shell-quoted values, so
 * a path with spaces or quotes stays one argument and can never inject a command. Any other
 * `{name}` is refused (a typo would otherwise reach the trainer as literal text).
 */
export function fillCommandTemplate(template: string, values: Record<CommandPlaceholder, string>, flag = "--trainer"): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new UsageError(`${flag}: unknown placeholder ${whole} in the command; use ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`, flag);
    }
    return shellQuote(values[name as CommandPlaceholder]);
  });
}
