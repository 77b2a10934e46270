import { createCommandTrainer } from "./command-trainer.js";
import { createOpenAIFineTuningTrainer } from "./openai-ft-trainer.js";
import type { Trainer } from "./trainer.js";
import { parseTrainerSpec } from "./trainer-spec.js";

/** Builds the trainer a `--trainer` spec names (see trainer-spec.ts for the grammar). */
export function createTrainer(spec: string, flag = "--trainer"): Trainer {
  const parsed = parseTrainerSpec(spec, flag);
  return parsed.kind === "command" ? createCommandTrainer(parsed.template, parsed.spec) : createOpenAIFineTuningTrainer(parsed);
}
