import { readFile } from "node:fs/promises";
import { InputError } from "../core/errors.js";
import { isRecord } from "./field-path.js";
import { countLines } from "./detect-format.js";
import { jsonErrorReason } from "./read-jsonl.js";
import { throwIfAborted, type RawItem, type RowSource } from "./row-source.js";

/**
 * A JSON document holding an array of rows, or an object with the rows under `data`.
 * Unlike the other formats this one is parsed whole (JSON has no row boundaries to stream
 * on), so it needs the file in memory about twice over; use JSONL for very large sets.
 * Rows are numbered from 1 in messages (`file:row 3`).
 */
export function readJson(path: string, size: number, signal?: AbortSignal): RowSource {
  let done = 0;
  let total = 1;
  async function* batches(): AsyncGenerator<RawItem[], void, undefined> {
    const bytes = await readFile(path, { signal });
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      const line = firstInvalidUtf8Line(bytes);
      throw new InputError("invalid-utf8", `${path}:${line}: invalid UTF-8 bytes`, { file: path, line });
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw jsonFileError(path, text, error as Error);
    }
    const rows = Array.isArray(document) ? document : isRecord(document) && Array.isArray(document.data) ? document.data : undefined;
    if (!rows) {
      const shape = isRecord(document) ? `an object with keys: ${Object.keys(document).join(", ") || "(none)"}` : `a JSON ${typeof document}`;
      throw new InputError("invalid-json-shape", `${path}: expected an array of rows or {"data": [...]}, got ${shape}`, { file: path });
    }
    total = Math.max(rows.length, 1);
    for (let start = 0; start < rows.length; start += JSON_BATCH_ROWS) {
      throwIfAborted(signal);
      const end = Math.min(rows.length, start + JSON_BATCH_ROWS);
      const items: RawItem[] = [];
      for (let index = start; index < end; index++) items.push({ kind: "row", line: index + 1, value: rows[index] });
      done = end;
      yield items;
    }
    done = total;
  }
  return { batches: batches(), bytesRead: () => Math.round((size * done) / total), where: (line) => `${path}:row ${line}` };
}

/** Rows per batch: the document is in memory already, so this only paces progress and abort checks. */
const JSON_BATCH_ROWS = 4096;

/** `file:line: invalid JSON (…)`, with the line taken from V8's "at position N", and a hint for JSONL-in-.json. */
function jsonFileError(path: string, text: string, error: Error): InputError {
  const position = /at position (\d+)/.exec(error.message);
  const line = position ? countLines(Buffer.from(text.slice(0, Number(position[1]))), Number.MAX_SAFE_INTEGER) : undefined;
  let hint = "";
  const firstLine = text.trimStart().split("\n", 1)[0];
  try {
    JSON.parse(firstLine);
    if (firstLine.length < text.trim().length) hint = "; it looks like JSON Lines: rename it .jsonl or set format to jsonl";
  } catch {
    // not JSON Lines either: no hint
  }
  const where = line === undefined ? path : `${path}:${line}`;
  return new InputError("invalid-json", `${where}: invalid JSON (${jsonErrorReason(error)})${hint}`, {
    file: path,
    line,
    cause: error,
    relatedOptions: hint ? ["format"] : [],
  });
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (;;) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    if (newline === -1) return line;
    start = newline + 1;
    line++;
  }
}
