/**
 * UMAP and Barnes–Hut t-SNE timings for `gapfill map --reducer umap|tsne`, on in-memory
 * Gaussian mixtures of 50 dimensions (what the map stage feeds them after its PCA to 50):
 * seconds, peak RSS, and the share of each point's 10 nearest input neighbours (checked on a
 * sample of 200 points) that stay among its 10 nearest map neighbours. These figures set the
 * row limits in src/pipeline/map/reduce-nonlinear.ts. Returns figures, prints nothing.
 */
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
    results.push({ name: `map --reducer ${reducer} ${rows} x ${COLS}`, figures });
  }
  return results;
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
