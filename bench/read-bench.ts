/**
 * Dataset reading at 400K rows (issue 16: the read is part of the whole map's time). Writes the
 * files to a temp folder, then for each: `readAll` (examples mapped, ids made, all kept), beside
 * the bare floor in the same process, interleaved so load from others cancels out: the file split
 * on "\n" and each line through `JSON.parse`, the values kept (nothing mapped, no ids). Also the dataset
 * digest of the ids. Medians of 3. A full garbage collection precedes each timed run, and the
 * order alternates, or the run after a 400K-row read pays for collecting it (that alone
 * showed up as a 2× difference between two copies of the same code). Returns figures, prints nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { readAll } from "../src/data/read-dataset.js";
import { datasetDigest } from "../src/store/digest.js";
import { median } from "./median.js";

type Figures = { name: string; figures: Record<string, number> };

/** Options of {@link benchRead}. */
export interface ReadBenchOptions {
  /** Rows per file. Default 400,000. */
  rows?: number;
  /** Timed repetitions (the median is reported). Default 3. */
  repeats?: number;
}

interface DatasetFile {
  name: string;
  file: string;
  /** Whether the floor applies (a JSON-per-line file). */
  jsonLines: boolean;
  write: (path: string, rows: number) => void;
}

const FILES: DatasetFile[] = [
  {
    name: "tiny JSONL rows with ids",
    file: "tiny.jsonl",
    jsonLines: true,
    write: (path, rows) => writeLines(path, rows, (i) => JSON.stringify({ id: `r${i}`, question: `Question number ${i}?`, answer: String(i) })),
  },
  {
    name: "MetaMathQA-shaped JSONL rows, content ids",
    file: "metamathqa.jsonl",
    jsonLines: true,
    write: (path, rows) =>
      writeLines(path, rows, (i) =>
        JSON.stringify({
          query: `Question number ${i}? What is ${i} plus ${(i * 7) % 1000}?`,
          response: `We add them. The answer is: ${i + ((i * 7) % 1000)}`,
          type: "GSM_Rephrased",
          original_question: `Question ${i}`,
        }),
      ),
  },
  {
    name: "CSV rows, content ids",
    file: "rows.csv",
    jsonLines: false,
    write: (path, rows) => writeLines(path, rows, (i) => `"Question number ${i}, please?",${i}`, "question,answer"),
  },
];

/** One figure set per file: rows/s of `readAll` and its time beside the bare JSON.parse floor. */
export async function benchRead(options: ReadBenchOptions = {}): Promise<Figures[]> {
  const rows = options.rows ?? 400_000;
  const repeats = options.repeats ?? 3;
  const dir = mkdtempSync(join(tmpdir(), "gapfill-read-bench-"));
  try {
    const results: Figures[] = [];
    for (const dataset of FILES) {
      const path = join(dir, dataset.file);
      dataset.write(path, rows);
      const readMs: number[] = [];
      const floorMs: number[] = [];
      const digestMs: number[] = [];
      let count = 0;
      const timeRead = async (): Promise<void> => {
        collectGarbage();
        let started = performance.now();
        const { examples } = await readAll(path);
        readMs.push(performance.now() - started);
        count = examples.length;
        started = performance.now();
        datasetDigest(examples);
        digestMs.push(performance.now() - started);
      };
      const timeFloor = (): void => {
        if (!dataset.jsonLines) return;
        collectGarbage();
        const started = performance.now();
        parseLines(path);
        floorMs.push(performance.now() - started);
      };
      for (let repeat = 0; repeat < repeats; repeat++) {
        if (repeat % 2 === 0) {
          await timeRead();
          timeFloor();
        } else {
          timeFloor();
          await timeRead();
        }
      }
      const read = median(readMs);
      const figures: Record<string, number> = {
        rows: count,
        "file MB": readFileSync(path).length / 1e6,
        "readAll ms": read,
        "readAll rows/s": Math.round((count / read) * 1000),
      };
      if (dataset.jsonLines) {
        figures["split + JSON.parse, kept ms"] = median(floorMs);
        figures["readAll / JSON.parse floor"] = read / median(floorMs);
      }
      figures["datasetDigest ms"] = median(digestMs);
      results.push({ name: `read: ${count} ${dataset.name}`, figures });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeLines(path: string, rows: number, line: (index: number) => string, header?: string): void {
  const lines: string[] = header === undefined ? [] : [header];
  for (let index = 1; index <= rows; index++) lines.push(line(index));
  writeFileSync(path, lines.join("\n") + "\n");
}

/**
 * The floor: what any reader that returns a JSON Lines file's rows must do at least, in the
 * reader's shape (64 KiB of bytes decoded at a time, split on "\n", each line through
 * JSON.parse), the parsed values kept as the rows are (keeping them is much of the cost: the
 * collector moves what survives).
 */
function parseLines(path: string): unknown[] {
  const bytes = readFileSync(path);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parsed: unknown[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    // Whole lines only, about 64 KiB of them, decoded as one block.
    let stop = bytes.indexOf(0x0a, Math.min(bytes.length, offset + 64 * 1024));
    if (stop === -1) stop = bytes.length;
    const text = decoder.decode(bytes.subarray(offset, stop));
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      const line = text.slice(start, end === -1 ? text.length : end);
      if (line.length > 0) parsed.push(JSON.parse(line));
      if (end === -1) break;
      start = end + 1;
    }
    offset = stop + 1;
  }
  return parsed;
}

/** A full collection, through V8's own `gc` (exposed for this process when the bench starts). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
