import { createReadStream } from "node:fs";
import { fileReadError } from "./read-file-error.js";

/** One physical line of a text file, decoded strictly as UTF-8 (without its line ending). */
export type TextLine = { line: number; text: string } | { line: number; invalidUtf8: true };

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Streams a file's lines, one batch per read chunk (64 KiB). Lines are decoded as if each
 * went through a fatal UTF-8 decoder on its own, so a bad byte is reported with its line
 * number and the lines around it still read; a leading BOM and `\r\n` endings are removed.
 * Only one chunk plus one partial line is held at a time. `counter.bytes` advances as
 * chunks are consumed.
 */
export async function* readLines(path: string, counter: { bytes: number }, signal?: AbortSignal): AsyncGenerator<TextLine[], void, undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES, signal });
  // Pieces of a line that spans chunks, joined once when its newline arrives (no quadratic copying).
  let pending: Buffer[] = [];
  let line = 0;

  const decodeLine = (bytes: Buffer, lines: TextLine[]): void => {
    line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    try {
      // Each decode() drops a leading BOM: what line 1 needs, and harmless on other lines.
      lines.push({ line, text: decoder.decode(bytes.subarray(0, end)) });
    } catch {
      lines.push({ line, invalidUtf8: true });
    }
  };

  // Whole lines `bytes` (newline-separated, no trailing newline): one native decode of the
  // block, split on "\n". A newline byte never occurs inside a multi-byte character, so the
  // block is valid exactly when each line is, and each piece is that line's decoding. Only a
  // block with a bad byte, or a BOM that a per-line decode would drop, goes line by line.
  const decodeBlock = (bytes: Buffer, lines: TextLine[]): void => {
    let text: string | undefined;
    if (bytes.indexOf(BOM) === -1) {
      try {
        text = decoder.decode(bytes);
      } catch {
        text = undefined;
      }
    }
    if (text === undefined) {
      let start = 0;
      for (;;) {
        const newline = bytes.indexOf(NEWLINE, start);
        decodeLine(bytes.subarray(start, newline === -1 ? bytes.length : newline), lines);
        if (newline === -1) return;
        start = newline + 1;
      }
    }
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      let end = newline === -1 ? text.length : newline;
      if (end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
      lines.push({ line: ++line, text: text.slice(start, end) });
      if (newline === -1) return;
      start = newline + 1;
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
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      // Copy, so a short piece does not keep the whole chunk alive.
      pending.push(Buffer.from(chunk));
      continue;
    }
    const lines: TextLine[] = [];
    let start = 0;
    if (pending.length) {
      const first = chunk.indexOf(NEWLINE);
      pending.push(chunk.subarray(0, first));
      decodeLine(Buffer.concat(pending), lines);
      pending = [];
      start = first + 1;
    }
    if (start <= last) decodeBlock(chunk.subarray(start, last), lines);
    if (last + 1 < chunk.length) pending.push(Buffer.from(chunk.subarray(last + 1)));
    yield lines;
  }
  if (pending.length) {
    const lines: TextLine[] = [];
    decodeLine(Buffer.concat(pending), lines);
    yield lines;
  }
}
