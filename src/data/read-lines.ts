import { createReadStream } from "node:fs";
import { fileReadError } from "./read-file-error.js";

/** One physical line of a text file, decoded strictly as UTF-8 (without its line ending). */
export type TextLine = { line: number; text: string } | { line: number; invalidUtf8: true };

/**
 * Streams a file line by line. Each line is decoded with a fatal UTF-8 decoder on its own,
 * so a bad byte is reported with its line number and the lines around it still read.
 * Only one chunk (64 KiB) plus one partial line is held at a time. A leading BOM and
 * `\r\n` endings are removed. `counter.bytes` advances as chunks are consumed.
 */
export async function* readLines(path: string, counter: { bytes: number }, signal?: AbortSignal): AsyncGenerator<TextLine, void, undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const stream = createReadStream(path, { highWaterMark: 64 * 1024, signal });
  // Pieces of a line that spans chunks, joined once when its newline arrives (no quadratic copying).
  let pending: Buffer[] = [];
  let line = 0;
  const decode = (bytes: Buffer): TextLine => {
    line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      // Each decode() drops a leading BOM: what line 1 needs, and harmless on other lines.
      return { line, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      return { line, invalidUtf8: true };
    }
  };
  const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      // An open or read failure (permission denied, the file removed) is the user's to fix.
      throw fileReadError(path, error);
    }
    if (next.done) break;
    const chunk = next.value;
    counter.bytes += chunk.length;
    let start = 0;
    let newline = chunk.indexOf(0x0a, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      if (pending.length) {
        pending.push(piece);
        yield decode(Buffer.concat(pending));
        pending = [];
      } else {
        yield decode(piece);
      }
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      // Copy, so a short tail does not keep the whole 64 KiB chunk alive.
      pending.push(Buffer.from(chunk.subarray(start)));
    }
  }
  if (pending.length) yield decode(Buffer.concat(pending));
}
