import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/fixtures/data-files.js";
import { readLines, type TextLine } from "./read-lines.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

/** What each line should read as: the file split on "\n", each piece decoded on its own by a fatal decoder. */
function expectedLines(bytes: Buffer): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    if (newline === -1 && start === bytes.length) break;
    let piece = bytes.subarray(start, newline === -1 ? bytes.length : newline);
    if (piece.length > 0 && piece[piece.length - 1] === 0x0d) piece = piece.subarray(0, piece.length - 1);
    try {
      lines.push({ line, text: new TextDecoder("utf-8", { fatal: true }).decode(piece) });
    } catch {
      lines.push({ line, invalidUtf8: true });
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

async function readAllLines(path: string): Promise<{ lines: TextLine[]; batches: number; bytes: number }> {
  const counter = { bytes: 0 };
  const lines: TextLine[] = [];
  let batches = 0;
  for await (const batch of readLines(path, counter)) {
    batches++;
    lines.push(...batch);
  }
  return { lines, batches, bytes: counter.bytes };
}

/** A deterministic mix of line shapes, several 64 KiB chunks long. */
function mixedFile(seed: number): Buffer {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const parts: Buffer[] = [Buffer.from('\uFEFF{"first":1}\n')];
  for (let index = 0; index < 6000; index++) {
    const pick = random();
    const text = `{"n":${index},"t":"${"é🙂a".repeat(Math.floor(random() * 20))}"}`;
    if (pick < 0.03) parts.push(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])); // a broken two-byte sequence
    else if (pick < 0.05) parts.push(Buffer.from("\uFEFF" + text)); // a BOM at the start of a later line
    else if (pick < 0.07) parts.push(Buffer.from(`${text} \uFEFF`)); // and inside one
    else if (pick < 0.1) parts.push(Buffer.from(""));
    else if (pick < 0.11) parts.push(Buffer.from("x".repeat(70_000 + Math.floor(random() * 140_000)))); // spans chunks
    else if (pick < 0.12) parts.push(Buffer.concat([Buffer.from("y".repeat(66_000)), Buffer.from([0xff]), Buffer.from("z")])); // bad byte far into a long line
    else parts.push(Buffer.from(text));
    parts.push(Buffer.from(random() < 0.3 ? "\r\n" : "\n"));
  }
  return Buffer.concat(parts);
}

describe("readLines", () => {
  it("reads every line as a per-line fatal decode would, across chunk boundaries", async () => {
    for (const seed of [1, 2, 3]) {
      const bytes = mixedFile(seed);
      const path = temp.file(`mixed-${seed}.jsonl`);
      writeFileSync(path, bytes);
      const { lines, batches, bytes: counted } = await readAllLines(path);
      const expected = expectedLines(bytes);
      expect(lines.length).toBe(expected.length);
      expect(lines).toEqual(expected);
      // A BOM starts line 1, and the per-line decode drops it there and at the start of any line.
      expect(lines[0]).toEqual({ line: 1, text: '{"first":1}' });
      expect(lines.some((line) => "invalidUtf8" in line)).toBe(true);
      expect(counted).toBe(bytes.length);
      expect(batches).toBeGreaterThan(5);
    }
  });

  it("splits a CRLF whose CR ends one chunk and whose LF starts the next", async () => {
    const first = "a".repeat(64 * 1024 - 1);
    const path = temp.file("crlf-edge.txt");
    writeFileSync(path, `${first}\r\nsecond\r\nthird`);
    const { lines } = await readAllLines(path);
    expect(lines).toEqual([
      { line: 1, text: first },
      { line: 2, text: "second" },
      { line: 3, text: "third" },
    ]);
  });

  it("gives a last line without a newline, and an empty line for a lone newline", async () => {
    const path = temp.file("edges.txt");
    writeFileSync(path, "\n\nlast");
    expect((await readAllLines(path)).lines).toEqual([
      { line: 1, text: "" },
      { line: 2, text: "" },
      { line: 3, text: "last" },
    ]);
  });
});
