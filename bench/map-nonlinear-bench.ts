/**
 * UMAP and Barnes–Hut t-SNE timings for `gapfill map --reducer umap|tsne`, on in-memory
 * Gaussian mixtures of 50 dimensions (what the map stage feeds them after its PCA to 50):
 * seconds, peak RSS, and the share of each point's 10 nearest input neighbours (checked on a
 * sample of 200 points) that stay among its 10 nearest map neighbours. These figures set the
 * row limits in src/pipeline/map/reduce-nonlinear.ts. With Debian's umap-learn importable (apt
 * package `umap-learn`, under /usr/bin/python3), each UMAP case also runs umap-learn on the same
 * rows: its seconds (numba compiled beforehand) and its preservation, measured the same way.
 * Returns figures, prints nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGaussian, createRandom } from "../src/geometry/random.js";
import { tsne } from "../src/geometry/tsne.js";
import { umap } from "../src/geometry/umap.js";

/** One case: which reducer on how many rows. */
export interface NonlinearBenchCase {
  reducer: "umap" | "tsne";
  rows: number;
}

const COLS = 50;

/** Runs the cases in order; default t-SNE 5K and 20K, UMAP 20K and 50K. */
export async function benchNonlinearMap(
  cases: NonlinearBenchCase[] = [
    { reducer: "tsne", rows: 5_000 },
    { reducer: "tsne", rows: 20_000 },
    { reducer: "umap", rows: 20_000 },
    { reducer: "umap", rows: 50_000 },
  ],
): Promise<{ name: string; figures: Record<string, number> }[]> {
  const results: { name: string; figures: Record<string, number> }[] = [];
  for (const { reducer, rows } of cases) {
    const data = mixture(rows, COLS);
    const started = performance.now();
    const points = reducer === "umap" ? (await umap(data, rows, COLS, 2, { seed: 0 })).points : tsne(data, rows, COLS, 2, { seed: 0 }).points;
    const figures: Record<string, number> = {
      rows,
      cols: COLS,
      seconds: (performance.now() - started) / 1000,
      peak_rss_mb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
      knn10_preserved: neighbourPreservation(data, points, rows, COLS, 10, 200),
    };
    const peer = reducer === "umap" ? umapLearn(data, rows, COLS) : null;
    if (peer) {
      figures.umap_learn_seconds = peer.seconds;
      figures.umap_learn_knn10_preserved = neighbourPreservation(data, peer.points, rows, COLS, 10, 200);
      figures.ratio_to_umap_learn = figures.seconds / peer.seconds;
    }
    results.push({ name: `map --reducer ${reducer} ${rows} x ${COLS}`, figures });
  }
  return results;
}

/** umap-learn on the same rows, or null when Debian's umap-learn is not importable. */
function umapLearn(data: Float32Array, rows: number, cols: number): { seconds: number; points: Float32Array } | null {
  const python = "/usr/bin/python3";
  try {
    execFileSync(python, ["-c", "import umap"], { stdio: "ignore" });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "gapfill-umap-peer-"));
  try {
    const input = join(dir, "rows.f32");
    const output = join(dir, "points.f32");
    writeFileSync(input, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const script = new URL("./umap_peer.py", import.meta.url).pathname.replace(/dist\/bench\/umap_peer\.py$/, "bench/umap_peer.py");
    const printed = execFileSync(python, [script, input, String(rows), String(cols), output], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const { seconds } = JSON.parse(printed.trim().split("\n").pop() ?? "{}") as { seconds: number };
    const bytes = readFileSync(output);
    return { seconds, points: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 10 Gaussian clusters (σ = 1) with centres about 6σ apart, in random directions. */
function mixture(rows: number, cols: number): Float32Array {
  const random = createRandom(7);
  const gaussian = createGaussian(random);
  const centres = Array.from({ length: 10 }, () => Float64Array.from({ length: cols }, () => (gaussian() * 6) / Math.sqrt(2)));
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const centre = centres[Math.floor(random() * 10)];
    for (let c = 0; c < cols; c++) data[i * cols + c] = centre[c] + gaussian();
  }
  return data;
}

function neighbourPreservation(data: Float32Array, points: Float32Array, rows: number, cols: number, k: number, sample: number): number {
  const nearest = (matrix: Float32Array, width: number, i: number) => {
    const distances: Array<[number, number]> = [];
    for (let j = 0; j < rows; j++) {
      if (j === i) continue;
      let d = 0;
      for (let c = 0; c < width; c++) d += (matrix[i * width + c] - matrix[j * width + c]) ** 2;
      distances.push([d, j]);
    }
    distances.sort((a, b) => a[0] - b[0]);
    return distances.slice(0, k).map(([, j]) => j);
  };
  let kept = 0;
  const step = Math.max(1, Math.floor(rows / sample));
  let checked = 0;
  for (let i = 0; i < rows && checked < sample; i += step, checked++) {
    const output = new Set(nearest(points, 2, i));
    for (const j of nearest(data, cols, i)) if (output.has(j)) kept++;
  }
  return kept / (checked * k);
}
