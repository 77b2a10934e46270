/** One fine-tuning example as gapfill sees it, whatever file shape it came from. */
export interface Example {
  /** Stable id: the row's own `id` field if present, else a content hash (see data/example-id.ts). */
  id: string;
  question: string;
  /** The worked answer / solution text, as in the source. */
  answer: string;
  /** Where the example came from: `file:line` (1-based line for JSONL/CSV, row index for others). */
  source: { file: string; line: number };
  /** Fields of the source row not mapped to question/answer, kept for provenance. */
  extra?: Record<string, unknown>;
}

/** Schemas the reader recognizes on its own. */
export type SchemaName = "gsm8k" | "math" | "metamathqa" | "alpaca" | "chat" | "custom";

/** How a row's fields map to question and answer. Paths may be dotted (`a.b.c`). */
export interface FieldMapping {
  schema: SchemaName;
  questionField: string;
  answerField: string;
  /** Alpaca: the optional `input` field appended to the instruction. */
  inputField?: string;
}

export type DatasetFormat = "jsonl" | "json" | "csv" | "parquet";

/** A row that could not be read, reported with `--skip-invalid` (never dropped silently). */
export interface SkippedRow {
  file: string;
  line: number;
  reason: string;
}
