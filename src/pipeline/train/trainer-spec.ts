import { OptionError } from "../../core/errors.js";
import { parseEngineSpec, type OpenAIEngineSpec } from "../../engines/engine-spec.js";

/**
 * Trainer specs (the `trainer` option):
 *
 * ```
 * command:TEMPLATE            a shell command; {train_file} {base_model} {round} {output_dir} are filled in, shell-quoted
 * openai-ft:MODEL@URL[?OPTS]  the OpenAI-compatible fine-tuning jobs API (files + fine_tuning/jobs)
 *   OPTS: api_key_env=NAME, poll=SECONDS (default 10), suffix=NAME, epochs=N
 * ```
 *
 * The template may be wrapped in one pair of quotes (`command:"node t.mjs {train_file}"`), as
 * it is when a shell passed the quotes through.
 */
export type TrainerSpec =
  | { kind: "command"; template: string; spec: string }
  | { kind: "openai-ft"; engine: OpenAIEngineSpec; pollSeconds: number; suffix?: string; epochs?: number; spec: string };

/** Parses a trainer spec; a bad one is an OptionError naming `option` (the library option it came from). */
export function parseTrainerSpec(input: string, option = "trainer"): TrainerSpec {
  const text = input.trim();
  if (text.startsWith("command:")) {
    let template = text.slice("command:".length).trim();
    if (template.length >= 2 && (template[0] === '"' || template[0] === "'") && template.at(-1) === template[0]) template = template.slice(1, -1);
    if (template.trim() === "") throw new OptionError(option, "command: needs a command after the colon");
    return { kind: "command", template, spec: `command:${template}` };
  }
  if (text.startsWith("openai-ft:")) {
    const [head, query = ""] = text.slice("openai-ft:".length).split(/\?(.*)/s);
    const own = new URLSearchParams(query);
    const pass = new URLSearchParams();
    let pollSeconds = 10;
    let suffix: string | undefined;
    let epochs: number | undefined;
    for (const [key, value] of own) {
      if (key === "poll") {
        pollSeconds = Number(value);
        if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) throw new OptionError(option, `poll must be a positive number of seconds, got "${value}"`);
      } else if (key === "suffix") suffix = value;
      else if (key === "epochs") {
        epochs = Number(value);
        if (!Number.isInteger(epochs) || epochs < 1) throw new OptionError(option, `epochs must be a positive integer, got "${value}"`);
      } else pass.set(key, value);
    }
    const rest = pass.toString();
    const engine = parseEngineSpec(`openai:${head}${rest ? `?${rest}` : ""}`, option);
    if (engine.kind !== "openai") throw new OptionError(option, "openai-ft: needs MODEL@URL");
    return { kind: "openai-ft", engine, pollSeconds, suffix, epochs, spec: `openai-ft:${engine.spec.slice("openai:".length)}` };
  }
  throw new OptionError(option, `must be command:"…" (a shell command template) or openai-ft:MODEL@URL, got "${input.split(/[?\s]/)[0]}"`);
}
