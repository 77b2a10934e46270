import { GapfillError, InputError } from "../core/errors.js";
import type { DatasetFormat, Example, FieldMapping, SkippedRow } from "../core/example.js";
import { detectFormat, readFileHead } from "./detect-format.js";
import { describe, detectMapping, mapRow } from "./field-mapping.js";
import { isRecord } from "./field-path.js";
import { readCsv } from "./read-csv.js";
import { readJson } from "./read-json.js";
import { readJsonl } from "./read-jsonl.js";
import { readParquet } from "./read-parquet.js";
import { throwIfAborted, type RawItem, type RawRow, type RowSource } from "./row-source.js";

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
  /** The examples, in file order. Streams; may be iterated once (this or `batches()`). */
  rows(): AsyncIterable<Example>;
  /**
   * The same examples a batch at a time (a read chunk's worth, a row group): the fast way
   * through a large file, without a promise per row. Shares `rows()`'s stream: use one of
   * them, once. A bad row throws after the batch's earlier rows were mapped (and counted in
   * `skipped`), but before that batch is handed over.
   */
  batches(): AsyncIterable<Example[]>;
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

  // The batch being read and the position of its next item: opening reads up to the first
  // readable row, and the rows after it in that batch are the first the iteration maps.
  let batch: RawItem[] = [];
  let position = 0;
  let firstRow: RawRow | undefined;
  try {
    search: for (;;) {
      const next = await source.batches.next();
      if (next.done) break;
      batch = next.value;
      for (position = 0; position < batch.length; ) {
        const item = batch[position++];
        if (item.kind === "problem") report(item.line, item.code, item.reason);
        else if (!isRecord(item.value)) report(item.line, "not-an-object", `expected an object, got ${describe(item.value)}`);
        else {
          firstRow = item;
          break search;
        }
      }
    }
  } catch (error) {
    await source.batches.return();
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
    await source.batches.return();
    throw error;
  }

  const toExample = (item: RawItem): Example | undefined => {
    if (item.kind === "problem") {
      report(item.line, item.code, item.reason);
      return undefined;
    }
    const mapped = mapRow(item.value, mapping);
    if (!mapped.ok) {
      report(item.line, mapped.code, mapped.reason, mapped);
      return undefined;
    }
    const example: Example = { id: mapped.id, question: mapped.question, answer: mapped.answer, source: { file: path, line: item.line } };
    if (mapped.extra) example.extra = mapped.extra;
    return example;
  };

  let consumed = false;
  const claim = (): void => {
    if (consumed) throw new GapfillError("reader-consumed", `${path}: rows() was already iterated; open the dataset again`);
    consumed = true;
  };

  async function* rows(): AsyncGenerator<Example, void, undefined> {
    claim();
    try {
      const firstExample = toExample(first);
      if (firstExample) yield firstExample;
      for (;;) {
        // Mapped one at a time, so a bad row stops the caller right after the rows before it.
        while (position < batch.length) {
          throwIfAborted(options.signal);
          const example = toExample(batch[position++]);
          if (example) yield example;
        }
        // Before the read: an aborted file stream would throw its own AbortError, not the reason.
        throwIfAborted(options.signal);
        const next = await source.batches.next();
        if (next.done) return;
        batch = next.value;
        position = 0;
      }
    } finally {
      await source.batches.return();
    }
  }

  async function* batches(): AsyncGenerator<Example[], void, undefined> {
    claim();
    try {
      const examples: Example[] = [];
      const firstExample = toExample(first);
      if (firstExample) examples.push(firstExample);
      for (;;) {
        for (; position < batch.length; position++) {
          const example = toExample(batch[position]);
          if (example) examples.push(example);
        }
        if (examples.length > 0) yield examples.splice(0);
        // Before the read: an aborted file stream would throw its own AbortError, not the reason.
        throwIfAborted(options.signal);
        const next = await source.batches.next();
        if (next.done) return;
        batch = next.value;
        position = 0;
      }
    } finally {
      await source.batches.return();
    }
  }

  return {
    path,
    format,
    mapping,
    fields,
    rows,
    batches,
    skipped,
    bytesTotal: head.size,
    bytesRead: () => source.bytesRead(),
  };
}

/** Reads a whole dataset into memory (for small sets and tests; prefer `openDataset` for large ones). */
export async function readAll(path: string, options: ReadOptions = {}): Promise<{ examples: Example[]; reader: DatasetReader }> {
  const reader = await openDataset(path, options);
  const examples: Example[] = [];
  for await (const batch of reader.batches()) for (const example of batch) examples.push(example);
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
