import { GapfillError, InputError } from "../core/errors.js";
import type { DatasetFormat, Example, FieldMapping, SkippedRow } from "../core/example.js";
import { detectFormat, readFileHead } from "./detect-format.js";
import { describe, detectMapping, mapRow } from "./field-mapping.js";
import { isRecord } from "./field-path.js";
import { readCsv } from "./read-csv.js";
import { readJson } from "./read-json.js";
import { readJsonl } from "./read-jsonl.js";
import { readParquet } from "./read-parquet.js";
import type { RawRow, RowSource } from "./row-source.js";

/** How to read a dataset file. */
export interface ReadOptions {
  /** Default: from the extension (.jsonl/.ndjson, .json, .csv, .parquet), else sniffed from the content. */
  format?: DatasetFormat;
  /** Dotted path of the question (default: detected from the first row). */
  questionField?: string;
  /** Dotted path of the answer (default: detected from the first row). */
  answerField?: string;
  /** Skip bad rows, counting them by reason, instead of stopping at the first. */
  skipInvalid?: boolean;
  signal?: AbortSignal;
}

/** Rows skipped with `skipInvalid`: how many, how many per reason code, and the first 5 locations. */
export interface SkippedSummary {
  count: number;
  byReason: Record<string, number>;
  first: SkippedRow[];
}

/** An opened dataset: its format and mapping are known, its rows stream on demand. */
export interface DatasetReader {
  readonly path: string;
  readonly format: DatasetFormat;
  /** Detected from the first readable row, or from the overrides. */
  readonly mapping: FieldMapping;
  /** Top-level field names of the first readable row. */
  readonly fields: string[];
  /** The examples, in file order. Streams; may be iterated once. */
  rows(): AsyncIterable<Example>;
  /** Filled while `rows()` is iterated (and by problems met while opening). */
  readonly skipped: SkippedSummary;
  readonly bytesTotal: number;
  bytesRead(): number;
}

const FIRST_SKIPPED_KEPT = 5;

/**
 * Opens a dataset file: checks it (missing, directory, empty, binary and compressed files
 * throw `InputError` whatever the options), picks the format, reads up to the first
 * readable row to detect the field mapping, and returns a reader whose `rows()` streams
 * the rest. A bad row throws `InputError` with `file:line: reason` and a stable `code`,
 * or with `skipInvalid` is skipped and counted in `skipped`.
 */
export async function openDataset(path: string, options: ReadOptions = {}): Promise<DatasetReader> {
  const head = await readFileHead(path);
  const format = detectFormat(path, head, options.format);
  const source = openSource(format, path, head.size, options.signal);
  const skipped: SkippedSummary = { count: 0, byReason: {}, first: [] };

  const report = (line: number, code: string, reason: string, at: { field?: string; option?: string } = {}): void => {
    if (!options.skipInvalid) {
      throw new InputError(code, `${source.where(line)}: ${reason}`, { file: path, line, field: at.field, relatedOptions: at.option ? [at.option] : [] });
    }
    skipped.count++;
    skipped.byReason[code] = (skipped.byReason[code] ?? 0) + 1;
    if (skipped.first.length < FIRST_SKIPPED_KEPT) skipped.first.push({ file: path, line, reason });
  };

  let firstRow: RawRow | undefined;
  try {
    for (;;) {
      const next = await source.items.next();
      if (next.done) break;
      const item = next.value;
      if (item.kind === "problem") report(item.line, item.code, item.reason);
      else if (!isRecord(item.value)) report(item.line, "not-an-object", `expected an object, got ${describe(item.value)}`);
      else {
        firstRow = item;
        break;
      }
    }
  } catch (error) {
    await source.items.return();
    throw error;
  }
  if (!firstRow) {
    if (skipped.count > 0) {
      const first = skipped.first[0];
      throw new InputError("no-valid-rows", `${path}: no valid rows; all ${skipped.count} were skipped (first: ${source.where(first.line)}: ${first.reason})`, {
        file: path,
      });
    }
    throw new InputError("empty-file", `${path}: no rows (the file holds only blank lines or an empty list)`, { file: path });
  }

  const first = firstRow;
  const fields = Object.keys(first.value as Record<string, unknown>);
  let mapping: FieldMapping;
  try {
    mapping = detectMapping(first.value as Record<string, unknown>, options, path);
  } catch (error) {
    await source.items.return();
    throw error;
  }

  let consumed = false;
  async function* rows(): AsyncGenerator<Example, void, undefined> {
    if (consumed) throw new GapfillError("reader-consumed", `${path}: rows() was already iterated; open the dataset again`);
    consumed = true;
    const toExample = (line: number, value: unknown): Example | undefined => {
      const mapped = mapRow(value, mapping);
      if (!mapped.ok) {
        report(line, mapped.code, mapped.reason, mapped);
        return undefined;
      }
      const example: Example = { id: mapped.id, question: mapped.question, answer: mapped.answer, source: { file: path, line } };
      if (mapped.extra) example.extra = mapped.extra;
      return example;
    };
    const firstExample = toExample(first.line, first.value);
    if (firstExample) yield firstExample;
    for await (const item of source.items) {
      if (item.kind === "problem") {
        report(item.line, item.code, item.reason);
        continue;
      }
      const example = toExample(item.line, item.value);
      if (example) yield example;
    }
  }

  return {
    path,
    format,
    mapping,
    fields,
    rows,
    skipped,
    bytesTotal: head.size,
    bytesRead: () => source.bytesRead(),
  };
}

/** Reads a whole dataset into memory (for small sets and tests; prefer `openDataset` for large ones). */
export async function readAll(path: string, options: ReadOptions = {}): Promise<{ examples: Example[]; reader: DatasetReader }> {
  const reader = await openDataset(path, options);
  const examples: Example[] = [];
  for await (const example of reader.rows()) examples.push(example);
  return { examples, reader };
}

function openSource(format: DatasetFormat, path: string, size: number, signal: AbortSignal | undefined): RowSource {
  switch (format) {
    case "jsonl":
      return readJsonl(path, signal);
    case "json":
      return readJson(path, size, signal);
    case "csv":
      return readCsv(path, signal);
    case "parquet":
      return readParquet(path, size, signal);
  }
}
