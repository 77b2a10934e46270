/**
 * What reading vectors made elsewhere costs the map (`gapfill map --embeddings FILE`): the embed
 * phase (header, a 4 MiB sampled digest, and for a file under 1 GiB the load, NaN/Inf-checked as
 * it is read) against the whole map, for a first call (fresh run directory) and a rerun,
 * alternating so load from other processes falls on both; and the NaN/Inf check's own speed,
 * which a streamed file pays inside the map's first pass. Each size writes a float32 .npy of a
 * Gaussian mixture and a JSONL dataset of as many rows. The kNN check is off (`knn: 0`): it is the
 * same work whatever the vectors' origin. Also: how fast a Parquet list-of-float column decodes,
 * in small and in whole-file row groups. Returns figures, prints nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { closeSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGaussian, createRandom } from "../src/geometry/random.js";
import { checkFiniteRows, readEmbeddingsLayout } from "../src/pipeline/map/embeddings-file.js";
import { mapDataset } from "../src/pipeline/map/map-dataset.js";
import { regionRowBlocks } from "../src/store/float-region.js";
import { describeParquetVectors, parquetVectorBlocks } from "../src/pipeline/map/parquet-vectors.js";
import { openRun } from "../src/store/run.js";
import { median } from "./median.js";

type Figures = Record<string, number>;

/** One case: `streamed` maps with an in-memory limit of 0, the path of a file over 1 GiB, without writing one. */
export interface EmbeddingsFileCase {
  rows: number;
  cols: number;
  streamed?: boolean;
}

/** Default: 100K × 1024 (400 MB) loaded, and the same streamed from its offset. */
export async function benchEmbeddingsFile(
  sizes: EmbeddingsFileCase[] = [
    { rows: 100_000, cols: 1024 },
    { rows: 100_000, cols: 1024, streamed: true },
  ],
  repeats = 3,
): Promise<{ name: string; figures: Figures }[]> {
  const results: { name: string; figures: Figures }[] = [];
  for (const { rows, cols, streamed = false } of sizes) {
    const directory = mkdtempSync(join(tmpdir(), "gapfill-embeddings-file-bench-"));
    try {
      const npy = join(directory, "vectors.npy");
      writeMixtureNpy(npy, rows, cols);
      const dataset = join(directory, "data.jsonl");
      writeFileSync(dataset, Array.from({ length: rows }, (_, i) => JSON.stringify({ question: `Question number ${i}?`, answer: String(i) })).join("\n") + "\n");
      const first: Array<Record<string, number>> = [];
      const again: Array<Record<string, number>> = [];
      for (let repeat = 0; repeat < repeats; repeat++) {
        const runDir = join(directory, `run-${repeat}`);
        first.push(await timedMap(dataset, npy, runDir, streamed));
        again.push(await timedMap(dataset, npy, runDir, streamed));
      }
      const gigabytes = (rows * cols * 4) / 1e9;
      const figures: Figures = {
        rows,
        cols,
        embedding_gb: gigabytes,
        first_embed_s: median(first.map((s) => s.embed)),
        rerun_embed_s: median(again.map((s) => s.embed)),
        first_total_s: median(first.map((s) => s.total)),
        rerun_total_s: median(again.map((s) => s.total)),
        first_over_rerun: median(first.map((s, i) => s.total / again[i].total)),
        embed_share_of_first: median(first.map((s) => s.embed / s.total)),
        finite_check_gb_per_s: await finiteCheckSpeed(npy, rows, cols, repeats),
      };
      figures.finite_check_share_of_first = gigabytes / figures.finite_check_gb_per_s / figures.first_total_s;
      results.push({ name: `map --embeddings .npy ${rows} x ${cols}${streamed ? ", streamed" : ", in memory"}: first call vs rerun, medians of ${repeats}`, figures });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  results.push(await benchParquetDecode());
  return results;
}

/** GB/s of the NaN/Inf check over the file's vectors already in memory (median of `repeats`). */
async function finiteCheckSpeed(npy: string, rows: number, cols: number, repeats: number): Promise<number> {
  const layout = await readEmbeddingsLayout({ path: npy }, rows, "bench");
  if (layout.format === "parquet") throw new Error("a .npy was expected");
  const blocks: Array<{ start: number; data: Float32Array }> = [];
  for await (const block of regionRowBlocks(layout.region, 16_384)) blocks.push({ start: block.start, data: block.data.slice() }); // the reader reuses its buffers
  const seconds: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    for (const block of blocks) checkFiniteRows(npy, block.data, block.start, cols);
    seconds.push((performance.now() - started) / 1000);
  }
  return (rows * cols * 4) / 1e9 / median(seconds);
}

async function timedMap(dataset: string, npy: string, runDir: string, streamed: boolean): Promise<Record<string, number>> {
  const run = await openRun(runDir, { command: "map" });
  try {
    const started = performance.now();
    const result = await mapDataset(dataset, run, { embeddings: npy, embedderName: "bench mixture", knn: 0, ...(streamed ? { inMemoryLimitBytes: 0 } : {}) });
    return { ...result.seconds, embed: result.seconds.embed ?? 0, total: (performance.now() - started) / 1000 };
  } finally {
    run.close();
  }
}

/** Decoding a 20K × 256 float column: row groups of 2K rows and one group of all 20K. */
async function benchParquetDecode(): Promise<{ name: string; figures: Figures }> {
  const { parquetWriteFile } = await import("hyparquet-writer");
  const rows = 20_000;
  const cols = 256;
  const random = createRandom(7);
  const vectors = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(random() - 0.5)));
  const directory = mkdtempSync(join(tmpdir(), "gapfill-parquet-bench-"));
  const figures: Figures = { rows, cols };
  try {
    for (const groupRows of [2_000, 20_000]) {
      const path = join(directory, `vectors-${groupRows}.parquet`);
      parquetWriteFile({
        filename: path,
        rowGroupSize: groupRows,
        columnData: [{ name: "vector", data: vectors as never }],
        schema: [
          { name: "root", num_children: 1 },
          { name: "vector", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
        ] as never,
      });
      const started = performance.now();
      const column = await describeParquetVectors(path);
      let decoded = 0;
      for await (const block of parquetVectorBlocks(path, column)) decoded += block.rows;
      const seconds = (performance.now() - started) / 1000;
      figures[`groups_of_${groupRows}_s`] = seconds;
      figures[`groups_of_${groupRows}_values_per_s`] = (decoded * cols) / seconds;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return { name: "Parquet vector column decode (hyparquet), 20K x 256 float", figures };
}

/** A float32 .npy (v1 header) of six Gaussian clusters, written in blocks. */
function writeMixtureNpy(path: string, rows: number, cols: number): void {
  const dictionary = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const headerLength = Math.ceil((10 + dictionary.length + 1) / 64) * 64 - 10;
  const header = Buffer.alloc(10 + headerLength, " ");
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  header.writeUInt16LE(headerLength, 8);
  header.write(dictionary, 10, "latin1");
  header[header.length - 1] = 0x0a;
  const random = createRandom(11);
  const gaussian = createGaussian(random);
  const centres = Array.from({ length: 6 }, () => Float32Array.from({ length: cols }, () => gaussian() * 3));
  const handle = openSync(path, "w");
  try {
    writeSync(handle, header);
    const blockRows = 4096;
    const block = new Float32Array(blockRows * cols);
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start);
      for (let r = 0; r < count; r++) {
        const centre = centres[Math.floor(random() * centres.length)];
        for (let c = 0; c < cols; c++) block[r * cols + c] = centre[c] + gaussian();
      }
      writeSync(handle, new Uint8Array(block.buffer, 0, count * cols * 4));
    }
  } finally {
    closeSync(handle);
  }
}

// Run on its own: `GAPFILL_BENCH_EMBEDDINGS_FILE=100000x1024,100000x1024s npx vite-node bench/embeddings-file-bench.ts` ("default" for the default sizes).
const sizesSpec = process.env.GAPFILL_BENCH_EMBEDDINGS_FILE;
if (sizesSpec) {
  const sizes =
    sizesSpec === "default"
      ? undefined
      : sizesSpec.split(",").map((spec) => {
          const [rows, cols] = spec.replace(/s$/, "").split("x").map(Number);
          return { rows, cols, streamed: spec.endsWith("s") };
        });
  for (const { name, figures } of await benchEmbeddingsFile(sizes)) {
    console.log(`\n${name}`);
    for (const [figure, value] of Object.entries(figures)) console.log(`  ${figure.padEnd(32)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
