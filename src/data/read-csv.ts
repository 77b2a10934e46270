import { createReadStream } from "node:fs";
import { CsvError, Parser } from "csv-parse";
import { InputError } from "../core/errors.js";
import { throwIfAborted, type RawItem, type RowSource } from "./row-source.js";

/** A parsed record and where it ended: the parser's line and empty-line counts after it. */
interface CsvRecord {
  record: string[];
  lines: number;
  emptyLines: number;
}

/**
 * CSV with a header row, streamed through csv-parse: quoted fields may span lines. Bytes
 * are decoded as strict UTF-8 (a bad byte is reported with its line). Every value is a
 * string, kept as written (a `\r\n` inside a quoted field stays). A row with a different number of columns
 * than the header is a `ragged-row` problem; broken quoting or bad bytes stop the read,
 * since nothing after them can be trusted to line up.
 */
export function readCsv(path: string, signal?: AbortSignal): RowSource {
  const counter = { bytes: 0 };
  /** The file's bytes, a chunk at a time, each checked to be UTF-8 text before it is parsed. */
  async function* checkedChunks(): AsyncGenerator<Buffer, void, undefined> {
    // Whole chunks go through one streaming fatal decoder (native, fast); only when it
    // rejects a chunk do we go back over that chunk line by line to name the bad line.
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let linesBefore = 0;
    let carry = Buffer.alloc(0);
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024, signal }) as AsyncIterable<Buffer>) {
      counter.bytes += chunk.length;
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        const line = linesBefore + firstBadLine(Buffer.concat([carry, chunk]), (bytes) => {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
          return true;
        });
        throw new InputError("invalid-utf8", `${path}:${line}: invalid UTF-8 bytes`, { file: path, line });
      }
      // In valid UTF-8 a NUL byte is the NUL character and nothing else.
      if (chunk.includes(0)) {
        const line = linesBefore + firstBadLine(Buffer.concat([carry, chunk]), (bytes) => !bytes.includes(0));
        throw new InputError("binary-file", `${path}:${line}: binary data (NUL byte), expected UTF-8 text`, { file: path, line });
      }
      // Keep the unfinished last line, to place an error in the next chunk on the right line.
      // It is capped: a megabyte-long line only costs precision, never quadratic copying.
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline !== -1) {
        linesBefore += countNewlines(chunk);
        carry = Buffer.from(chunk.subarray(lastNewline + 1));
      } else {
        carry = Buffer.concat([carry, chunk]);
        if (carry.length > CARRY_LIMIT) carry = Buffer.from(carry.subarray(carry.length - CARRY_LIMIT));
      }
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw new InputError("invalid-utf8", `${path}:${linesBefore + 1}: invalid UTF-8 bytes (truncated character at the end)`, { file: path, line: linesBefore + 1 });
    }
  }

  async function* batches(): AsyncGenerator<RawItem[], void, undefined> {
    // The parser's own push-based core, fed one chunk at a time: a chunk's records come out as
    // one batch, and each record's line counts are read from the parser's live `info` as it is
    // pushed (what `info: true` or `on_record` would copy into two new objects per record).
    const parser = new Parser({ bom: true, relax_column_count: true, skip_empty_lines: true });
    const core = (parser as unknown as { api: CsvCore }).api;
    const info = parser.info;
    const records: CsvRecord[] = [];
    const push = (record: string[]): void => {
      records.push({ record, lines: info.lines, emptyLines: info.empty_lines });
    };
    const close = (): void => {};
    let header: string[] | undefined;
    let previousEnd = 0;
    let previousEmpty = 0;
    let dataRecords = 0;
    const toItems = (): RawItem[] => {
      const items: RawItem[] = [];
      for (const { record, lines, emptyLines } of records) {
        const line = previousEnd + 1 + (emptyLines - previousEmpty);
        previousEnd = lines;
        previousEmpty = emptyLines;
        if (!header) {
          header = record.map((name) => name.trim());
          const duplicate = header.find((name, index) => header!.indexOf(name) !== index);
          if (duplicate !== undefined) {
            throw new InputError("invalid-csv", `${path}:${line}: the header names column "${duplicate}" twice`, { file: path, line });
          }
          continue;
        }
        dataRecords++;
        if (record.length !== header.length) {
          items.push({ kind: "problem", line, code: "ragged-row", reason: `expected ${header.length} columns, got ${record.length}` });
          continue;
        }
        const row: Record<string, string> = {};
        for (let column = 0; column < header.length; column++) row[header[column]] = record[column];
        items.push({ kind: "row", line, value: row });
      }
      records.length = 0;
      return items;
    };
    const chunks = checkedChunks();
    try {
      for (let done = false; !done; ) {
        throwIfAborted(signal);
        const next = await chunks.next();
        done = next.done === true;
        const error = next.done ? core.parse(undefined, true, push, close) : core.parse(next.value, false, push, close);
        // The rows before a broken record come out first, as they would one by one.
        const items = toItems();
        if (items.length > 0 || !error) yield items;
        if (error instanceof CsvError) {
          const line = (error as CsvError & { lines?: number }).lines;
          const where = line === undefined ? path : `${path}:${line}`;
          throw new InputError("invalid-csv", `${where}: invalid CSV (${error.message})`, { file: path, line, cause: error });
        }
        if (error) throw error;
      }
    } finally {
      // Closes the file when the reader stops early (an error, or a caller that stopped reading).
      await chunks.return();
    }
    if (header && dataRecords === 0) {
      // Only a header: say so rather than "no rows".
      throw new InputError("empty-file", `${path}: has a header row but no data rows`, { file: path });
    }
  }
  return { batches: batches(), bytesRead: () => counter.bytes, where: (line) => `${path}:${line}` };
}

/**
 * csv-parse's core (`Parser#api`, what its stream and sync entry points both drive): `parse`
 * takes the next bytes (or `undefined` with `end` at the end), calls `push` for each record as
 * it completes, and returns the error that stopped it.
 */
interface CsvCore {
  parse(bytes: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

const CARRY_LIMIT = 1024 * 1024;

function countNewlines(bytes: Buffer): number {
  let count = 0;
  let index = bytes.indexOf(0x0a);
  while (index !== -1) {
    count++;
    index = bytes.indexOf(0x0a, index + 1);
  }
  return count;
}

/** 1-based line (within `bytes`) of the first line that `isGood` rejects. */
function firstBadLine(bytes: Buffer, isGood: (line: Buffer) => boolean): number {
  let line = 1;
  let start = 0;
  for (;;) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    let good: boolean;
    try {
      good = isGood(bytes.subarray(start, end));
    } catch {
      good = false;
    }
    if (!good || newline === -1) return line;
    start = newline + 1;
    line++;
  }
}
