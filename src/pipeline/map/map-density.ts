/**
 * The density phase of the map (§3.3–§3.4 of the EmbedSDG paper): count the points on a grid,
 * choose the threshold T, find the sparse windows (and the regions they merge into, for reports),
 * and pick seed pairs from opposing sides of each window, sparsest first; then, as a check the paper does not make, compare the grid's sparse cells with a kNN
 * density in the full embedding space. Plain functions over the reduced points: no run, no I/O.
 */
import { type DensityGrid, densityGrid } from "../../geometry/grid-density.js";
import { knnGridAgreement } from "../../geometry/knn-density.js";
import { type SeedPair, selectSeedPairs } from "../../geometry/seed-pairs.js";
import { findSparseRegions, type SparseMap } from "../../geometry/sparse-regions.js";
import { chooseThreshold, type ThresholdChoice } from "../../geometry/threshold.js";
import type { EmbeddingSource } from "./embedding-source.js";
import type { MapArtifact } from "./map-artifact.js";

export interface DensityOptions {
  /** Cells per axis; omitted: chosen from the data. */
  grid?: number[];
  /** Sliding window side in cells (odd; 1 = none). */
  window?: number;
  /** Fixed T; omitted: chosen from the histogram. */
  threshold?: number;
  /** Seed pairs to pick, spread over sparse windows from the sparsest. */
  pairs?: number;
  seed: number;
}

/** What the density phase found on the map. */
export interface MapDensity {
  grid: DensityGrid;
  threshold: ThresholdChoice;
  sparse: SparseMap;
  pairs: SeedPair[];
}

/** Grid, threshold, sparse windows and regions, and seed pairs of `rows × dims` map points. */
export function mapDensity(points: Float32Array, rows: number, dims: number, options: DensityOptions): MapDensity {
  const grid = densityGrid(points, rows, dims, { shape: options.grid, window: options.window ?? 1 });
  const threshold = chooseThreshold(grid.density, grid.counts, { fixed: options.threshold });
  const sparse = findSparseRegions(grid, threshold.threshold);
  const pairs = selectSeedPairs(points, rows, grid, sparse.windows, options.pairs ?? 20, { seed: options.seed });
  return { grid, threshold, sparse, pairs };
}

/**
 * How far the grid's sparse cells agree with a kNN density over the full embeddings (in memory
 * or streamed): undefined when `k` is 0 or the set has no more than `k` rows. On big sets only the
 * sparse-cell points and a sample for the cutoff are queried (knn-density.ts `knnGridAgreement`).
 */
export async function knnAgreement(source: EmbeddingSource, density: MapDensity, options: { k: number; seed: number }): Promise<MapArtifact["knn"]> {
  const { k, seed } = options;
  if (k <= 0 || source.rows <= k) return undefined;
  const check = await knnGridAgreement(source, density.grid.cellOfPoint, density.sparse.sparse, { k, seed });
  return { k, method: check.method, description: check.description, agreement: check.agreement };
}
