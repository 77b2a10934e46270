import { Readable, pipeline } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { InputError } from "../core/errors.js";
import { readLines } from "./read-lines.js";
import { throwIfAborted, type RawItem, type RowSource } from "./row-source.js";

interface CsvRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

/**
 * CSV with a header row, streamed through csv-parse: quoted fields may span lines. Lines
 * are decoded as strict UTF-8 first (so a bad byte is reported with its line) and line
 * endings become `\n`. Every value is a string. A row with a different number of columns
 * than the header is a `ragged-row` problem; broken quoting or bad bytes stop the read,
 * since nothing after them can be trusted to line up.
 */
export function readCsv(path: string, signal?: AbortSignal): RowSource {
  const counter = { bytes: 0 };
  async function* text(): AsyncGenerator<string, void, undefined> {
    for await (const line of readLines(path, counter, signal)) {
      if ("invalidUtf8" in line) {
        throw new InputError("invalid-utf8", `${path}:${line.line}: invalid UTF-8 bytes`, { file: path, line: line.line });
      }
      if (line.text.includes("\u0000")) {
        throw new InputError("binary-file", `${path}:${line.line}: binary data (NUL byte), expected UTF-8 text`, { file: path, line: line.line });
      }
      yield `${line.text}\n`;
    }
  }

  async function* items(): AsyncGenerator<RawItem, void, undefined> {
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
    pipeline(Readable.from(text()), parser, () => {
      // Errors surface through the parser's iterator below; this callback only keeps them handled.
    });
    let header: string[] | undefined;
    let previousEnd = 0;
    let previousEmpty = 0;
    let dataRecords = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
        throwIfAborted(signal);
        const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
        previousEnd = info.lines;
        previousEmpty = info.empty_lines;
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
          yield { kind: "problem", line, code: "ragged-row", reason: `expected ${header.length} columns, got ${record.length}` };
          continue;
        }
        const row: Record<string, string> = {};
        for (let column = 0; column < header.length; column++) row[header[column]] = record[column];
        yield { kind: "row", line, value: row };
      }
    } catch (error) {
      if (error instanceof CsvError) {
        const line = (error as CsvError & { lines?: number }).lines;
        const where = line === undefined ? path : `${path}:${line}`;
        throw new InputError("invalid-csv", `${where}: invalid CSV (${error.message})`, { file: path, line, cause: error });
      }
      throw error;
    }
    if (header && dataRecords === 0) {
      // Only a header: say so rather than "no rows".
      throw new InputError("empty-file", `${path}: has a header row but no data rows`, { file: path });
    }
  }
  return { items: items(), bytesRead: () => counter.bytes, where: (line) => `${path}:${line}` };
}
