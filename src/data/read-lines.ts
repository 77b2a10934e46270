import { createReadStream } from "node:fs";

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
  let pending: Buffer | undefined;
  let line = 0;
  const decode = (bytes: Buffer): TextLine => {
    line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      // The decoder drops a BOM only at the start of its input, which is what we want per line 1
      // and harmless elsewhere (a BOM mid-file is not valid content anyway).
      return { line, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      return { line, invalidUtf8: true };
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    counter.bytes += chunk.length;
    let start = 0;
    let newline = chunk.indexOf(0x0a, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      if (pending) {
        yield decode(Buffer.concat([pending, piece]));
        pending = undefined;
      } else {
        yield decode(piece);
      }
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      // Copy: the stream may reuse its chunk buffers.
      const rest = Buffer.from(chunk.subarray(start));
      pending = pending ? Buffer.concat([pending, rest]) : rest;
    }
  }
  if (pending && pending.length > 0) yield decode(pending);
}
