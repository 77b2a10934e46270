import type { Database } from "better-sqlite3";
import type { ProgressListener } from "../../core/events.js";
import type { StudentRef } from "./trained-student.js";

/** What a trainer gets for one round. */
export interface TrainRequest {
  round: number;
  /** The round's training data, chat JSONL (`{"messages": [...]}` per line). */
  trainFile: string;
  /** The loop's base student spec (every round trains from the base model, on all data so far). */
  baseStudent: string;
  /** The base model as trainers name it: the GGUF path of a llama student, the model name of an HTTP one. */
  baseModel: string;
  /** Where the round's result goes (created empty by the trainer). */
  outputDir: string;
  /** The trainer's own output (command stdout/stderr, job events) is appended here. */
  logFile: string;
  /** The run database, where job ids are kept so a restart resumes the same job. */
  db: Database;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  onEvent: ProgressListener;
}

/** Turns a round's data into the next student. Resumable: called again after a crash, it pays for nothing twice. */
export interface Trainer {
  readonly spec: string;
  train(request: TrainRequest): Promise<StudentRef>;
}
