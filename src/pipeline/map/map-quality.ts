/**
 * Checks of the map before anyone trusts it (not in the paper, which reads its t-SNE by eye):
 * a 2-D picture of a 4096-D space can keep too little of it for grid cells to mean anything,
 * the full-space density can disagree with the grid, and targets can miss the sparse cells.
 * Each warning carries what to try as option hints in library names (`dims`, `reducer`, `grid`, `window`); the CLI shows them as flags, other callers as they like:
 * the CLI turns those into its flags.
 */
import type { MapDensity } from "./map-density.js";
import type { MapArtifact } from "./map-artifact.js";

/** Below this share of the variance kept, a linear map's cells say little about the embeddings. */
export const MIN_EXPLAINED_VARIANCE = 0.15;

/** An option value worth trying, by its library name. */
export interface OptionHint {
  option: string;
  value: string | number;
}

/** One warning about the map. */
export interface MapWarning {
  code: "low-explained-variance" | "knn-disagrees" | "targets-outside-sparse" | "placed-targets-outside";
  message: string;
  /** What to try, most promising first. */
  try: OptionHint[];
}

/** Where the seed pairs' targets fall. */
export interface TargetCheck {
  pairs: number;
  /** Midpoints inside their own window. */
  insideWindow: number;
  /** Midpoints in a sparse cell (any). */
  inSparseCell: number;
  /**
   * Nonlinear maps: the pairs whose interpolated embedding (the mean of the two seeds' embeddings),
   * placed on the map like a new example, lands inside its window. Absent on linear maps, where it
   * is the midpoint by construction (§3.5).
   */
  placedInsideWindow?: number;
}

/** The map's warnings and the facts they were drawn from. */
export interface MapQuality {
  targets: TargetCheck;
  warnings: MapWarning[];
}

/** Counts where the targets fall; `placed` are the map positions of the interpolated embeddings (nonlinear maps). */
export function targetCheck(density: MapDensity, placed?: Float64Array): TargetCheck {
  const { grid, sparse, pairs } = density;
  const windows = sparse.windows;
  const cellOf = (point: ArrayLike<number>) => {
    let index = 0;
    for (let d = grid.dims - 1; d >= 0; d--) {
      const n = grid.shape[d];
      const c = Math.min(n - 1, Math.max(0, Math.floor(((point[d] - grid.min[d]) / (grid.max[d] - grid.min[d])) * n)));
      index = index * n + (Number.isNaN(c) ? 0 : c);
    }
    return index;
  };
  const insideOf = (window: number, point: ArrayLike<number>) => windows[window].min.every((lo, d) => point[d] >= lo && point[d] <= windows[window].max[d]);
  const check: TargetCheck = {
    pairs: pairs.length,
    insideWindow: pairs.filter((pair) => insideOf(pair.window, pair.midpoint)).length,
    inSparseCell: pairs.filter((pair) => sparse.sparse[cellOf(pair.midpoint)] === 1).length,
  };
  if (placed) check.placedInsideWindow = pairs.filter((pair, i) => insideOf(pair.window, placed.subarray(i * grid.dims, (i + 1) * grid.dims))).length;
  return check;
}

/** The warnings a map deserves. */
export function mapQuality(parts: { reducer: MapArtifact["reducer"]; density: MapDensity; knn: MapArtifact["knn"]; targets: TargetCheck }): MapQuality {
  const { reducer, density, knn, targets } = parts;
  const warnings: MapWarning[] = [];
  const moreDims: OptionHint[] = reducer.dims < 3 ? [{ option: "dims", value: 3 }] : [];
  const coarser: OptionHint = { option: "grid", value: density.grid.shape.map((n) => Math.max(2, Math.round(n / 2))).join("x") };
  const ratio = reducer.explainedVarianceRatio;
  if (ratio && reducer.placement === "projection") {
    const kept = ratio.reduce((sum, value) => sum + value, 0);
    if (kept < MIN_EXPLAINED_VARIANCE) {
      warnings.push({
        code: "low-explained-variance",
        message:
          `${reducer.name} to ${reducer.dims}-D keeps ${percent(kept)} of the variance (under ${percent(MIN_EXPLAINED_VARIANCE)}): ` +
          `points close on the map may be far apart for the student, so its sparse cells are a weak guide.`,
        try: [...moreDims, { option: "reducer", value: "umap" }],
      });
    }
  }
  const sparseCells = density.sparse.windows.length === 0 ? 0 : countSparse(density.sparse.sparse);
  if (knn && sparseCells > 0 && knn.agreement.disagreeingCells.length * 2 > sparseCells) {
    const tries = [coarser, ...moreDims, { option: "reducer", value: "umap" }];
    warnings.push({
      code: "knn-disagrees",
      message:
        `${knn.agreement.disagreeingCells.length} of ${sparseCells} sparse cells hold mostly points of ordinary ${knn.k}-NN density in the full embedding space: ` +
        `the grid's thin spots are mostly artefacts of the projection.`,
      try: tries,
    });
  }
  if (targets.pairs > 0 && targets.inSparseCell * 2 < targets.pairs) {
    const tries: OptionHint[] = [coarser, { option: "window", value: Math.max(3, density.grid.window + 2) }];
    warnings.push({
      code: "targets-outside-sparse",
      message: `${targets.pairs - targets.inSparseCell} of ${targets.pairs} seed-pair midpoints fall outside the sparse cells.`,
      try: tries,
    });
  }
  if (targets.placedInsideWindow !== undefined && targets.pairs > 0 && targets.placedInsideWindow * 2 < targets.pairs) {
    const tries: OptionHint[] = [{ option: "reducer", value: "pca" }, coarser];
    warnings.push({
      code: "placed-targets-outside",
      message:
        `on this ${reducer.name} map only ${targets.placedInsideWindow} of ${targets.pairs} interpolated seed pairs, placed like new examples, land inside their window ` +
        `(a nonlinear map keeps no midpoints).`,
      try: tries,
    });
  }
  return { targets, warnings };
}

function countSparse(sparse: Uint8Array): number {
  let n = 0;
  for (const value of sparse) n += value;
  return n;
}

function percent(value: number): string {
  return `${(100 * value).toFixed(value < 0.1 ? 1 : 0)}%`;
}
