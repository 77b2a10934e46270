/** Trainers of the closed loop: a shell command template, or an OpenAI-compatible fine-tuning job. */
export { createTrainer } from "./create-trainer.js";
export type { Trainer, TrainRequest } from "./trainer.js";
export { parseTrainerSpec } from "./trainer-spec.js";
export type { TrainerSpec } from "./trainer-spec.js";
export { shellQuote, fillCommandTemplate, COMMAND_PLACEHOLDERS } from "./shell-quote.js";
export { readTrainerOutput, openStudent, describeStudent, STUDENT_SPEC_FILE, GGUF_ADAPTER_FILE } from "./trained-student.js";
export type { StudentRef } from "./trained-student.js";
export { readTraining, beginTraining, finishTraining } from "./training-store.js";
export type { TrainingRecord } from "./training-store.js";
export { FineTuningApi } from "./fine-tuning-api.js";
