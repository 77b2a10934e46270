import { createCommandTrainer } from "./command-trainer.js";
import { createOpenAIFineTuningTrainer } from "./openai-ft-trainer.js";
import type { Trainer } from "./trainer.js";
import { parseTrainerSpec } from "./trainer-spec.js";

/**
 * Builds the trainer a spec names (see trainer-spec.ts for the grammar); `option` is named in its
 * errors. `passEnv` names environment variables a `command:` trainer gets beyond its allow-list.
 */
export function createTrainer(spec: string, option = "trainer", options: { passEnv?: readonly string[] } = {}): Trainer {
  const parsed = parseTrainerSpec(spec, option);
  return parsed.kind === "command" ? createCommandTrainer(parsed.template, parsed.spec, options) : createOpenAIFineTuningTrainer(parsed);
}
