/**
 * What each format reader produces: parsed rows or per-row problems, in file order,
 * plus a byte counter for progress. Format readers know nothing of field mapping.
 */

/** A parsed row (`value` is whatever the format gives: an object for valid rows). */
export interface RawRow {
  kind: "row";
  /** 1-based line (JSONL, CSV) or row number (JSON, Parquet). */
  line: number;
  value: unknown;
}

/** A row that could not be parsed; `code` is stable, `reason` is the human part of the message. */
export interface RawProblem {
  kind: "problem";
  line: number;
  code: string;
  reason: string;
}

export type RawItem = RawRow | RawProblem;

/** A format reader's output. `batches` may be iterated once. */
export interface RowSource {
  /**
   * The items in file order, a batch at a time (a read chunk's rows, a row group, a slice of
   * a parsed document). Batches, not single items, because one promise per row and per layer
   * of async generators cost more than parsing the row: a 400K-row file was mostly microtasks.
   * A batch may be empty.
   */
  batches: AsyncGenerator<RawItem[], void, undefined>;
  /** Bytes of the file consumed so far, for progress bars. */
  bytesRead(): number;
  /** How a row position is written in messages: `file:12` or `file:row 12`. */
  where(line: number): string;
}

/** Throws the signal's reason when the read was cancelled. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
}
