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
 * a path with spaces or quotes stays one argument and can never inject a command. Other
 * `{…}` text is left alone: awk and jq programs use braces too.
 */
export function fillCommandTemplate(template: string, values: Record<CommandPlaceholder, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => ((COMMAND_PLACEHOLDERS as readonly string[]).includes(name) ? shellQuote(values[name as CommandPlaceholder]) : whole));
}
