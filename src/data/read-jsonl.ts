import { readLines } from "./read-lines.js";
import { throwIfAborted, type RawItem, type RowSource } from "./row-source.js";

/**
 * JSON Lines, streamed: one read chunk's lines are decoded and parsed at a time, so memory
 * stays at one chunk's rows plus one partial line whatever the file size. Blank lines are not
 * rows and are passed over.
 */
export function readJsonl(path: string, signal?: AbortSignal): RowSource {
  const counter = { bytes: 0 };
  async function* batches(): AsyncGenerator<RawItem[], void, undefined> {
    for await (const lines of readLines(path, counter, signal)) {
      throwIfAborted(signal);
      const items: RawItem[] = [];
      for (const line of lines) {
        if ("invalidUtf8" in line) {
          items.push({ kind: "problem", line: line.line, code: "invalid-utf8", reason: "invalid UTF-8 bytes" });
          continue;
        }
        if (line.text.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch (error) {
          items.push({ kind: "problem", line: line.line, code: "invalid-json", reason: `invalid JSON (${jsonErrorReason(error)})` });
          continue;
        }
        items.push({ kind: "row", line: line.line, value });
      }
      yield items;
    }
  }
  return { batches: batches(), bytesRead: () => counter.bytes, where: (line) => `${path}:${line}` };
}

/**
 * V8's JSON.parse message without the echoed input: "Unexpected token 'x', \"…\" is not
 * valid JSON" can quote a whole row, which does not belong in a one-line error.
 */
export function jsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, "").split("\n")[0];
}
