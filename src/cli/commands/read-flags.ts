import type { Command } from "commander";
import type { DatasetFormat } from "../../core/example.js";
import { UsageError } from "../../core/errors.js";
import type { ReadOptions } from "../../data/read-dataset.js";

/** The dataset-reading flags every command that takes a dataset shares. */
export interface ReadFlags {
  questionField?: string;
  answerField?: string;
  format?: string;
  skipInvalid?: boolean;
}

const FORMATS: readonly DatasetFormat[] = ["jsonl", "json", "csv", "parquet"];

export function addReadOptions(command: Command): Command {
  return command
    .option("--question-field <path>", "field holding the question (dotted paths allowed: meta.q)")
    .option("--answer-field <path>", "field holding the worked answer (dotted paths allowed)")
    .option("--format <format>", `file format when the extension does not say (${FORMATS.join(", ")})`)
    .option("--skip-invalid", "skip rows that cannot be read, and report how many and why");
}

export function readOptionsFrom(flags: ReadFlags): ReadOptions {
  if (flags.format !== undefined && !FORMATS.includes(flags.format as DatasetFormat)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${flags.format}"`, "--format");
  }
  return {
    questionField: flags.questionField,
    answerField: flags.answerField,
    format: flags.format as DatasetFormat | undefined,
    skipInvalid: flags.skipInvalid ?? false,
  };
}
