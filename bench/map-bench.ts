/**
 * Map-stage benchmark: generated Gaussian mixtures with planted sparse bridges, run
 * through PCA, grid density, sparse regions, seed pairs and kNN density, with seconds
 * per stage and peak memory; and, when Debian's python3-sklearn is importable, sklearn's
 * PCA (and exact kNN where feasible) on the same bytes. Returns figures, prints nothing.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { densityGrid } from "../src/geometry/grid-density.js";
import { compareDensities, type DensityAgreement, knnDensity, knnDensityStreaming, knnGridAgreement } from "../src/geometry/knn-density.js";
import type { RowBlock, RowSource } from "../src/geometry/matrix.js";
import { pcaFitTransform, pcaStreaming } from "../src/geometry/pca.js";
import { truncatedSvdFitTransform } from "../src/geometry/truncated-svd.js";
import { componentCorrelations } from "./map-whole-bench.js";
import { createGaussian, createRandom } from "../src/geometry/random.js";
import { selectSeedPairs } from "../src/geometry/seed-pairs.js";
import { findSparseRegions } from "../src/geometry/sparse-regions.js";
import { chooseThreshold } from "../src/geometry/threshold.js";

/** One benchmark case. */
export interface MapBenchSize {
  rows: number;
  cols: number;
}

/** Options of {@link benchMap}. */
export interface MapBenchOptions {
  /** Default 50K × 768 and 400K × 1024. */
  sizes?: MapBenchSize[];
  /** Run the sklearn peer when importable. Default true. */
  sklearn?: boolean;
  /** Exact sklearn kNN only up to this many rows (it is O(n²)). Default 60,000. */
  sklearnKnnMaxRows?: number;
  /** usearch's HNSW kNN only up to this many rows (its index build is the slow part). Default 60,000. */
  usearchMaxRows?: number;
}

const ROWS_PER_BLOCK = 4096;

/** Runs the benchmark; each case is written to a temp file and streamed back in blocks. */
export async function benchMap(options: MapBenchOptions = {}): Promise<{ name: string; figures: Record<string, number> }[]> {
  const sizes = options.sizes ?? [
    { rows: 50_000, cols: 768 },
    { rows: 400_000, cols: 1024 },
  ];
  const python = options.sklearn === false ? null : findSklearnPython();
  const results: { name: string; figures: Record<string, number> }[] = [];
  for (const { rows, cols } of sizes) {
    const directory = mkdtempSync(join(tmpdir(), "gapfill-map-bench-"));
    try {
      const file = join(directory, "embeddings.f32");
      let started = performance.now();
      writeMixture(file, rows, cols);
      const figures: Record<string, number> = { rows, cols, generate_s: seconds(started) };
      const source = fileRowSource(file, rows, cols);
      const rssBefore = process.resourceUsage().maxRSS * 1024;

      started = performance.now();
      const { model, points } = await pcaFitTransform(source, 2, { seed: 0 });
      figures.pca_s = seconds(started);
      figures.pca_data_passes = model.passes; // the projection comes from the final pass
      // The fit on the calling thread alone: what the Gram worker threads bring.
      started = performance.now();
      await pcaStreaming(source, 2, { seed: 0, threads: 1 });
      figures.pca_fit_one_thread_s = seconds(started);

      started = performance.now();
      const svd = await truncatedSvdFitTransform(source, 2, { seed: 0 });
      figures.svd_s = seconds(started);
      figures.svd_data_passes = svd.model.passes;

      started = performance.now();
      const grid = densityGrid(points, rows, 2);
      figures.grid_s = seconds(started);
      figures.grid_cells = grid.cellCount;

      started = performance.now();
      const threshold = chooseThreshold(grid.density, grid.counts);
      const sparse = findSparseRegions(grid, threshold.threshold);
      figures.sparse_s = seconds(started);
      figures.threshold = threshold.threshold;
      figures.sparse_regions = sparse.regions.length;

      started = performance.now();
      const pairs = selectSeedPairs(points, rows, grid, sparse.windows, 100, { seed: 0 });
      figures.seeds_s = seconds(started);
      figures.seed_pairs = pairs.length;

      // The map's kNN check (sparse-cell points and a cutoff sample) beside the all-rows
      // approximate density it replaced, and how far their answers differ.
      started = performance.now();
      const check = await knnGridAgreement(source, grid.cellOfPoint, sparse.sparse, { k: 10 });
      figures.knn_check_s = seconds(started);
      figures.knn_check_rows = check.queried;
      figures.knn_check_share_of_map = figures.knn_check_s / (figures.pca_s + figures.grid_s + figures.sparse_s + figures.seeds_s + figures.knn_check_s);
      started = performance.now();
      const allRows = await knnDensityStreaming(source, { k: 10 });
      figures.knn_all_rows_s = seconds(started);
      const before = compareDensities(grid.cellOfPoint, sparse.sparse, allRows);
      Object.assign(figures, agreementDifference(check.agreement, before, "vs_all_rows"));
      // The all-rows density on the calling thread alone: what the worker threads bring.
      started = performance.now();
      await knnDensityStreaming(source, { k: 10, threads: 1 });
      figures.knn_all_rows_one_thread_s = seconds(started);
      figures.knn_threads_speedup = figures.knn_all_rows_one_thread_s / figures.knn_all_rows_s;

      if (rows <= (options.usearchMaxRows ?? 60_000)) {
        const usearch = await usearchKnnSeconds(source, 10);
        if (usearch !== null) {
          figures.usearch_hnsw_knn_s = usearch;
          figures.knn_all_rows_over_usearch = figures.knn_all_rows_s / usearch;
        }
      }

      const peak = process.resourceUsage().maxRSS * 1024;
      const bytes = rows * cols * 4;
      figures.embedding_mb = bytes / 2 ** 20;
      figures.peak_rss_mb = peak / 2 ** 20;
      figures.peak_rss_before_case_mb = rssBefore / 2 ** 20;
      figures.peak_rss_over_embedding = peak / bytes;

      if (python) {
        const runKnn = rows <= (options.sklearnKnnMaxRows ?? 60_000);
        const output = execFileSync(python, [new URL("./sklearn_peer.py", import.meta.url).pathname.replace(/dist\/bench\/sklearn_peer\.py$/, "bench/sklearn_peer.py"), file, String(rows), String(cols), "10", runKnn ? "1" : "0"], {
          encoding: "utf8",
          maxBuffer: 16 << 20,
        });
        const peer = JSON.parse(output.trim().split("\n").pop() as string) as { pca_s: number; svd_s: number; knn_s?: number; components: number[][]; svd_components: number[][] };
        figures.sklearn_pca_s = peer.pca_s;
        figures.pca_over_sklearn = figures.pca_s / peer.pca_s;
        componentCorrelations(model.components, peer.components, cols).forEach((value, t) => (figures[`pca_component_${t + 1}_correlation_sklearn`] = value));
        figures.sklearn_svd_s = peer.svd_s;
        figures.svd_over_sklearn = figures.svd_s / peer.svd_s;
        componentCorrelations(svd.model.components, peer.svd_components, cols).forEach((value, t) => (figures[`svd_component_${t + 1}_correlation_sklearn`] = value));
        if (peer.knn_s !== undefined) {
          figures.sklearn_exact_knn_s = peer.knn_s;
          figures.knn_all_rows_over_sklearn_exact = figures.knn_all_rows_s / peer.knn_s;
        }
      }
      results.push({ name: `map ${rows} x ${cols}`, figures });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return results;
}

/**
 * The sampled kNN check against another answer: the difference in the share of sparse-cell points
 * flagged low-density, and per sparse cell whether both call it agreeing (most points low).
 */
function agreementDifference(sampled: DensityAgreement, reference: DensityAgreement, label: string): Record<string, number> {
  const disagreeing = (agreement: DensityAgreement) => new Set(agreement.disagreeingCells.map((cell) => cell.cell));
  const a = disagreeing(sampled);
  const b = disagreeing(reference);
  let differ = 0;
  for (const cell of a) if (!b.has(cell)) differ++;
  for (const cell of b) if (!a.has(cell)) differ++;
  return {
    [`knn_low_share_${label}`]: sampled.sparsePointsLowShare,
    [`knn_low_share_reference_${label}`]: reference.sparsePointsLowShare,
    [`knn_disagreeing_cells_${label}`]: a.size,
    [`knn_disagreeing_cells_reference_${label}`]: b.size,
    [`knn_cells_classified_differently_${label}`]: differ,
  };
}

/**
 * The kNN check against exact densities where exact is affordable (12K × 256): the sampled check
 * (with a cutoff sample and a sparse-query cap scaled down to this size) beside the exact one.
 */
export async function benchKnnCheckVsExact(): Promise<{ name: string; figures: Record<string, number> }> {
  const rows = 12_000, cols = 256;
  const directory = mkdtempSync(join(tmpdir(), "gapfill-knn-exact-"));
  try {
    const file = join(directory, "embeddings.f32");
    writeMixture(file, rows, cols);
    const source = fileRowSource(file, rows, cols);
    const { points } = await pcaFitTransform(source, 2, { seed: 0 });
    const grid = densityGrid(points, rows, 2);
    const sparse = findSparseRegions(grid, chooseThreshold(grid.density, grid.counts).threshold);
    const data = new Float32Array(rows * cols);
    let row = 0;
    for await (const block of source.blocks()) {
      data.set(block.data.subarray(0, block.rows * cols), row * cols);
      row += block.rows;
    }
    const exact = compareDensities(grid.cellOfPoint, sparse.sparse, knnDensity(data, rows, cols, { k: 10 }));
    const sampled = await knnGridAgreement(source, grid.cellOfPoint, sparse.sparse, { k: 10, exactBudget: 0, cutoffSample: 2000, sparseQueries: 2000 });
    return { name: `kNN check, sampled vs exact, ${rows} x ${cols}`, figures: { rows, cols, queried: sampled.queried, ...agreementDifference(sampled.agreement, exact, "vs_exact") } };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * usearch 2.25.3 (a devDependency: HNSW, its prebuilt Linux x64 binary) as the kNN peer: index
 * every row, then search each row's k + 1 nearest (itself included), as the density needs. Null
 * when the package cannot be loaded.
 */
async function usearchKnnSeconds(source: RowSource, k: number): Promise<number | null> {
  let usearch: typeof import("usearch");
  try {
    usearch = await import("usearch");
  } catch {
    return null;
  }
  const data = new Float32Array(source.rows * source.cols);
  let row = 0;
  for await (const block of source.blocks()) {
    data.set(block.data.subarray(0, block.rows * source.cols), row * source.cols);
    row += block.rows;
  }
  const started = performance.now();
  // Its defaults (connectivity, expansions 0 = the library's own), float32 vectors, squared L2.
  const index = new usearch.Index(source.cols, usearch.MetricKind.L2sq, usearch.ScalarKind.F32, 0, 0, 0, false);
  index.add(BigUint64Array.from({ length: source.rows }, (_, i) => BigInt(i)), data);
  index.search(data, k + 1, 0); // 0 threads: all the machine has
  return seconds(started);
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

/** A Python with sklearn, or null: Debian's python3-sklearn lives under /usr/bin/python3. */
export function findSklearnPython(): string | null {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      execFileSync(candidate, ["-c", "import sklearn"], { stdio: "ignore" });
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/**
 * Writes rows of a mixture in `cols` dimensions: 6 Gaussian clusters (σ = 1) with
 * centres 12 apart along random directions, plus thin bridges: 1% of the rows lie on
 * the segments between consecutive centres — the planted sparse regions. Block by block,
 * so memory stays one block. `header` (an .npy header) is written first when given.
 */
export function writeMixture(file: string, rows: number, cols: number, header?: Uint8Array): void {
  const random = createRandom(42);
  const gaussian = createGaussian(random);
  const clusters = 6;
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: cols }, () => (gaussian() * 12) / Math.sqrt(cols) * Math.sqrt(2)));
  const handle = openSync(file, "w");
  const block = new Float32Array(ROWS_PER_BLOCK * cols);
  try {
    if (header) writeSync(handle, header);
    for (let start = 0; start < rows; start += ROWS_PER_BLOCK) {
      const count = Math.min(ROWS_PER_BLOCK, rows - start);
      for (let r = 0; r < count; r++) {
        const o = r * cols;
        const c = Math.floor(random() * clusters);
        if (random() < 0.01) {
          const next = centres[(c + 1) % clusters];
          const t = random();
          for (let j = 0; j < cols; j++) block[o + j] = centres[c][j] * (1 - t) + next[j] * t + 0.3 * gaussian();
        } else {
          for (let j = 0; j < cols; j++) block[o + j] = centres[c][j] + gaussian();
        }
      }
      writeSync(handle, new Uint8Array(block.buffer, 0, count * cols * 4));
    }
  } finally {
    closeSync(handle);
  }
}

/** Streams a raw float32 file in blocks through one reused buffer. */
export function fileRowSource(file: string, rows: number, cols: number): RowSource {
  return {
    rows,
    cols,
    *blocks(): Iterable<RowBlock> {
      const buffer = new Float32Array(ROWS_PER_BLOCK * cols);
      const bytes = new Uint8Array(buffer.buffer);
      const handle = openSync(file, "r");
      try {
        for (let start = 0; start < rows; start += ROWS_PER_BLOCK) {
          const count = Math.min(ROWS_PER_BLOCK, rows - start);
          const length = count * cols * 4;
          let read = 0;
          while (read < length) {
            const got = readSync(handle, bytes, read, length - read, start * cols * 4 + read);
            if (got === 0) throw new RangeError(`${file} ended at row ${start} of ${rows}`);
            read += got;
          }
          yield { data: buffer.subarray(0, count * cols), rows: count };
        }
      } finally {
        closeSync(handle);
      }
    },
  };
}
