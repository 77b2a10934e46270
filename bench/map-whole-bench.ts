/**
 * The whole map from vectors made elsewhere: `gapfill map DATASET --embeddings FILE.npy` as a
 * user runs it (the CLI in its own process, wall time and peak RSS from /usr/bin/time), beside
 * the same geometry in numpy (bench/numpy_map_peer.py: streamed covariance PCA, grid, windows,
 * seeds and the sampled kNN check, on the same bytes, with gapfill's grid shape and threshold)
 * and sklearn's randomized PCA. Each size writes a Gaussian mixture with planted bridges as a
 * float32 .npy and a JSONL dataset of as many rows. Returns figures, prints nothing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findSklearnPython, writeMixture } from "./map-bench.js";

/** One size of the whole-map benchmark. */
export interface WholeMapSize {
  rows: number;
  cols: number;
}

type Figures = Record<string, number>;

/** Runs the whole-map benchmark at each size (default 400K × 1024 and 400K × 4096). */
export async function benchWholeMap(sizes: WholeMapSize[] = defaultSizes()): Promise<{ name: string; figures: Figures }[]> {
  const python = findSklearnPython();
  const results: { name: string; figures: Figures }[] = [];
  for (const { rows, cols } of sizes) {
    const directory = mkdtempSync(join(tmpdir(), "gapfill-whole-map-"));
    try {
      const npy = join(directory, "embeddings.npy");
      const header = npyHeader(rows, cols);
      writeMixture(npy, rows, cols, header);
      const dataset = join(directory, "data.jsonl");
      writeFileSync(dataset, Array.from({ length: rows }, (_, i) => JSON.stringify({ id: `r${i}`, question: `Question number ${i}?`, answer: String(i) })).join("\n") + "\n");
      const figures: Figures = { rows, cols, embedding_mb: (rows * cols * 4) / 2 ** 20 };

      const gapfill = runGapfillMap(dataset, npy, join(directory, "run"));
      figures.gapfill_s = gapfill.seconds;
      figures.gapfill_peak_rss_mb = gapfill.peakRssMb;
      figures.gapfill_peak_rss_over_embedding = (gapfill.peakRssMb * 2 ** 20) / (rows * cols * 4);
      for (const [stage, value] of Object.entries(gapfill.summary.seconds)) figures[`gapfill_${stage}_s`] = value;
      figures.gapfill_knn_share = (gapfill.summary.seconds.knn ?? 0) / gapfill.seconds;

      if (python) {
        const peer = runPeer(python, "numpy_map_peer.py", [npy, String(rows), String(cols), String(header.length), String(gapfill.summary.grid[0]), String(gapfill.summary.grid[1]), String(gapfill.summary.threshold), "100"]);
        figures.numpy_s = peer.total_s as number;
        figures.numpy_reduce_s = peer.reduce_s as number;
        figures.numpy_knn_s = peer.knn_s as number;
        figures.numpy_peak_rss_mb = peer.peak_rss_mb as number;
        figures.gapfill_over_numpy = figures.gapfill_s / figures.numpy_s;
        const correlations = componentCorrelations(gapfill.components, peer.components as number[][], cols);
        correlations.forEach((value, t) => (figures[`component_${t + 1}_correlation_numpy`] = value));
      }
      results.push({ name: `whole map (gapfill map --embeddings .npy) ${rows} x ${cols}`, figures });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return results;
}

function defaultSizes(): WholeMapSize[] {
  const spec = process.env.GAPFILL_BENCH_WHOLE_MAP;
  if (!spec) {
    return [
      { rows: 400_000, cols: 1024 },
      { rows: 400_000, cols: 4096 },
    ];
  }
  return spec.split(",").map((size) => {
    const [rows, cols] = size.split("x").map(Number);
    return { rows, cols };
  });
}

/** The .npy v1 header of a C-order float32 `rows × cols` array, padded to 64 bytes as numpy writes it. */
function npyHeader(rows: number, cols: number): Buffer {
  const dictionary = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const length = Math.ceil((10 + dictionary.length + 1) / 64) * 64 - 10;
  const header = Buffer.alloc(10 + length, 0x20);
  header.write("\x93NUMPY", 0, "latin1");
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(length, 8);
  header.write(dictionary, 10, "latin1");
  header[10 + length - 1] = 0x0a;
  return header;
}

interface MapSummary {
  grid: number[];
  threshold: number;
  seconds: Record<string, number>;
}

/** `gapfill map --embeddings` in its own process under /usr/bin/time: wall seconds, peak RSS, summary, components. */
function runGapfillMap(dataset: string, npy: string, runDir: string): { seconds: number; peakRssMb: number; summary: MapSummary; components: number[] } {
  const bin = fileURLToPath(new URL("../../bin/gapfill.js", import.meta.url));
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "peak-rss-kb %M", process.execPath, bin, "map", dataset, "--embeddings", npy, "--embedder-name", "bench mixture", "--run", runDir, "--json"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`gapfill map exited ${result.status}: ${result.stderr.slice(-2000)}`);
  const rss = /peak-rss-kb (\d+)/.exec(result.stderr);
  const summary = JSON.parse(result.stdout) as MapSummary;
  const map = JSON.parse(readFileSync(join(runDir, "map.json"), "utf8")) as { reducer: { model?: { components: number[] } } };
  return { seconds, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, summary, components: map.reducer.model?.components ?? [] };
}

function runPeer(python: string, script: string, args: string[]): Record<string, unknown> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url)).replace(/dist\/bench\//, "bench/");
  const output = execFileSync(python, [path, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(output.trim().split("\n").pop() as string) as Record<string, unknown>;
}

/** |cos| between each of gapfill's components (flat `k × cols`) and the peer's. */
export function componentCorrelations(ours: ArrayLike<number>, theirs: number[][], cols: number): number[] {
  return theirs.map((peer, t) => {
    let dot = 0, a = 0, b = 0;
    for (let c = 0; c < cols; c++) {
      const x = ours[t * cols + c];
      dot += x * peer[c];
      a += x * x;
      b += peer[c] * peer[c];
    }
    return Math.abs(dot) / Math.sqrt(a * b);
  });
}
