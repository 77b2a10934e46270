/**
 * Output records for fine-tuning files, in three JSONL shapes. Pure: it builds lines;
 * writing them (atomically, to the run directory) is the store's job.
 */
import { OptionError } from "../core/errors.js";

/** One example to write: the Q/A, its final answer if known, and any provenance fields. */
export interface OutputRecord {
  id: string;
  question: string;
  answer: string;
  final_answer?: string;
  /** Provenance: strategy, seed_ids, round, model, … kept as given in the `plain` shape. */
  [field: string]: unknown;
}

/**
 * - `plain`: `{id, question, answer, final_answer?, ...provenance}`, gapfill's own format.
 * - `chat`: `{messages: [{role: "user"}, {role: "assistant"}]}` (optionally a system turn
 *   first), what TRL, Axolotl and OpenAI fine-tuning read.
 * - `alpaca`: `{instruction, input: "", output}`.
 */
export type OutputShape = "plain" | "chat" | "alpaca";

/** The shapes, for validating a `shape` option. */
export const OUTPUT_SHAPES: readonly OutputShape[] = ["plain", "chat", "alpaca"];

export interface FormatOptions {
  /** `chat` only: a system message put before the user turn. */
  systemPrompt?: string;
}

export type ChatRecord = { messages: { role: "system" | "user" | "assistant"; content: string }[] };
export type AlpacaRecord = { instruction: string; input: string; output: string };

/**
 * Shapes one record. `plain` keeps every field with id, question, answer and
 * final_answer first (so files read well); `chat` and `alpaca` carry only what trainers
 * read, since some (OpenAI fine-tuning) reject unknown keys.
 */
export function formatRecord(record: OutputRecord, shape: OutputShape, options: FormatOptions = {}): Record<string, unknown> {
  switch (shape) {
    case "plain": {
      const { id, question, answer, final_answer, ...provenance } = record;
      return final_answer === undefined ? { id, question, answer, ...provenance } : { id, question, answer, final_answer, ...provenance };
    }
    case "chat": {
      const messages: ChatRecord["messages"] = [];
      if (options.systemPrompt !== undefined && options.systemPrompt !== "") messages.push({ role: "system", content: options.systemPrompt });
      messages.push({ role: "user", content: record.question }, { role: "assistant", content: record.answer });
      return { messages } satisfies ChatRecord;
    }
    case "alpaca":
      return { instruction: record.question, input: "", output: record.answer } satisfies AlpacaRecord;
    default:
      throw new OptionError("shape", `must be one of ${OUTPUT_SHAPES.join(", ")}, got "${String(shape)}"`);
  }
}

/**
 * JSONL lines for records, each ending in `\n`, produced lazily so large sets can be
 * streamed to a file. `[...toJsonlLines(records, "chat")].join("")` is the whole file.
 */
export function* toJsonlLines(records: Iterable<OutputRecord>, shape: OutputShape, options: FormatOptions = {}): Generator<string, void, undefined> {
  for (const record of records) yield `${JSON.stringify(formatRecord(record, shape, options))}\n`;
}
