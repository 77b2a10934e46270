/**
 * Grid density over the reduced (2-D or 3-D) map, §3.3 of the EmbedSDG paper: bounds
 * from the data, a grid of cells, the number of points per cell, and optionally a
 * sliding window whose sums replace the per-cell counts.
 *
 * Cells are numbered x-fastest: cell (i, j, l) is `i + shape[0]·(j + shape[1]·l)`.
 */
import { quantileOfSorted } from "./statistics.js";
import { InputError, OptionError, TooFewRowsError } from "../core/errors.js";

/** How to lay the grid. Everything is optional; the defaults are data-driven. */
export interface GridOptions {
  /** Cells per axis (e.g. [40, 30]); omit for the automatic rule. */
  shape?: readonly number[];
  /**
   * Share of points ignored at each end of each axis when setting the bounds, so one
   * extreme outlier does not squeeze all data into a few cells (e.g. 0.001). Points
   * outside the bounds are clamped into the edge cells, never dropped. Default 0.
   */
  robustQuantile?: number;
  /** Explicit bounds; overrides the data bounds. */
  bounds?: { min: readonly number[]; max: readonly number[] };
  /** Automatic rule: target mean count of the non-empty cells. Default clamp(√n / 2, 4, 40). */
  targetOccupancy?: number;
  /** Sliding-window side in cells (odd; 1 = none): density = sum over the s×s(×s) window centred on the cell, stride 1. */
  window?: number;
}

/** A counted grid. `counts` are raw per-cell counts; `density` is what thresholds compare. */
export interface DensityGrid {
  dims: number;
  shape: number[];
  cellCount: number;
  min: Float64Array;
  max: Float64Array;
  cellSize: Float64Array;
  /** Points per cell. */
  counts: Uint32Array;
  /** Window sums (equal to counts when window is 1). */
  density: Float64Array;
  window: number;
  /** The cell of every point. */
  cellOfPoint: Uint32Array;
  /** How the shape was chosen, in words (for the report). */
  sizeRule: string;
}

/**
 * Counts `count` points (row-major, `dims` coordinates each) on a grid.
 *
 * Automatic cell size: cells are square (cube) in data units; the resolution is the
 * finest one whose non-empty cells still hold `targetOccupancy` points on average,
 * found by bisection on the number of cells along the widest axis. Tying the size to
 * the occupancy of non-empty cells (not of all cells) keeps it independent of how much
 * empty space the map has, which is what decides whether a cell's count is meaningful.
 */
export function densityGrid(points: Float32Array | Float64Array, count: number, dims: number, options: GridOptions = {}): DensityGrid {
  if (dims !== 2 && dims !== 3) throw new OptionError("dims", `must be 2 or 3 for grid density, got ${dims}`);
  if (points.length !== count * dims) throw new RangeError(`points hold ${points.length} values, expected ${count} × ${dims}`);
  if (count < 1) throw new TooFewRowsError("grid density", count, 1);
  const { min, max } = options.bounds ? explicitBounds(options.bounds, dims) : dataBounds(points, count, dims, options.robustQuantile ?? 0);
  const window = options.window ?? 1;
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) throw new OptionError("window", `must be an odd positive integer, got ${window}`);
  let shape: number[];
  let sizeRule: string;
  if (options.shape) {
    if (options.shape.length !== dims || options.shape.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new OptionError("shape", `must be ${dims} positive integers, got ${options.shape.join("x")}`);
    }
    shape = [...options.shape];
    sizeRule = `fixed ${shape.join("x")}`;
  } else {
    const target = options.targetOccupancy ?? Math.min(40, Math.max(4, Math.round(Math.sqrt(count) / 2)));
    shape = automaticShape(points, count, dims, min, max, target);
    sizeRule = `auto: square cells, finest grid whose non-empty cells average ≥ ${target} points`;
  }
  const cellSize = new Float64Array(dims);
  for (let d = 0; d < dims; d++) cellSize[d] = (max[d] - min[d]) / shape[d];
  const cellOfPoint = new Uint32Array(count);
  const cellCount = shape.reduce((a, b) => a * b, 1);
  const counts = new Uint32Array(cellCount);
  assignCells(points, count, dims, min, max, shape, cellOfPoint);
  for (let i = 0; i < count; i++) counts[cellOfPoint[i]]++;
  const density = window === 1 ? Float64Array.from(counts) : windowSums(counts, shape, window);
  return { dims, shape, cellCount, min, max, cellSize, counts, density, window, cellOfPoint, sizeRule };
}

/** Grid coordinates of a cell index. */
export function cellCoordinates(grid: { readonly shape: readonly number[] }, cell: number): number[] {
  const coordinates: number[] = [];
  let rest = cell;
  for (const n of grid.shape) {
    coordinates.push(rest % n);
    rest = Math.floor(rest / n);
  }
  return coordinates;
}

/** Cell index of grid coordinates, or -1 outside the grid. */
export function cellIndex(grid: Pick<DensityGrid, "shape">, coordinates: readonly number[]): number {
  let index = 0;
  for (let d = grid.shape.length - 1; d >= 0; d--) {
    const c = coordinates[d];
    if (c < 0 || c >= grid.shape[d]) return -1;
    index = index * grid.shape[d] + c;
  }
  return index;
}

/** Centre of a cell in map coordinates. */
export function cellCenter(grid: DensityGrid, cell: number): number[] {
  return cellCoordinates(grid, cell).map((c, d) => grid.min[d] + (c + 0.5) * grid.cellSize[d]);
}

/**
 * Parses a grid option: "auto" gives undefined, "40x30" / "20x20x10" gives cells per axis.
 * Throws an OptionError naming `grid` and the text when it is neither.
 */
export function parseGridShape(text: string, dims: number): number[] | undefined {
  if (text.trim().toLowerCase() === "auto") return undefined;
  const parts = text.toLowerCase().split("x").map((p) => Number(p.trim()));
  if (parts.length !== dims || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new OptionError("grid", `must be "auto" or ${dims} positive integers joined by x (e.g. ${dims === 2 ? "40x30" : "20x20x20"}), got "${text}"`);
  }
  return parts;
}

function explicitBounds(bounds: { min: readonly number[]; max: readonly number[] }, dims: number) {
  if (bounds.min.length !== dims || bounds.max.length !== dims) throw new RangeError(`bounds need ${dims} values per side`);
  const min = Float64Array.from(bounds.min);
  const max = Float64Array.from(bounds.max);
  widenDegenerate(min, max);
  return { min, max };
}

function dataBounds(points: Float32Array | Float64Array, count: number, dims: number, robustQuantile: number) {
  const min = new Float64Array(dims).fill(Infinity);
  const max = new Float64Array(dims).fill(-Infinity);
  if (robustQuantile > 0) {
    if (robustQuantile >= 0.5) throw new OptionError("robustQuantile", `must be below 0.5, got ${robustQuantile}`);
    const column = new Float64Array(count);
    for (let d = 0; d < dims; d++) {
      for (let i = 0; i < count; i++) column[i] = points[i * dims + d];
      column.sort();
      min[d] = quantileOfSorted(column, robustQuantile);
      max[d] = quantileOfSorted(column, 1 - robustQuantile);
    }
  } else {
    for (let i = 0; i < count; i++) {
      for (let d = 0; d < dims; d++) {
        const v = points[i * dims + d];
        if (!Number.isFinite(v)) throw new InputError("non-finite-point", `point ${i} has a non-finite coordinate ${v} (did the embedder return NaN?)`);
        if (v < min[d]) min[d] = v;
        if (v > max[d]) max[d] = v;
      }
    }
  }
  widenDegenerate(min, max);
  return { min, max };
}

/** A flat axis (all points equal) still needs a positive width. */
function widenDegenerate(min: Float64Array, max: Float64Array): void {
  for (let d = 0; d < min.length; d++) {
    if (!(max[d] > min[d])) {
      const pad = Math.max(1e-9, Math.abs(min[d]) * 1e-9);
      min[d] -= pad;
      max[d] += pad;
    }
  }
}

function assignCells(points: Float32Array | Float64Array, count: number, dims: number, min: Float64Array, max: Float64Array, shape: readonly number[], out: Uint32Array): void {
  for (let i = 0; i < count; i++) {
    let index = 0;
    for (let d = dims - 1; d >= 0; d--) {
      const n = shape[d];
      let c = Math.floor(((points[i * dims + d] - min[d]) / (max[d] - min[d])) * n);
      // The maximum lands exactly on the upper edge; outliers beyond robust bounds are clamped.
      if (c >= n) c = n - 1;
      if (c < 0 || Number.isNaN(c)) c = 0;
      index = index * n + c;
    }
    out[i] = index;
  }
}

function shapeFor(resolution: number, dims: number, min: Float64Array, max: Float64Array): number[] {
  let widest = 0;
  for (let d = 0; d < dims; d++) widest = Math.max(widest, max[d] - min[d]);
  const side = widest / resolution;
  return Array.from({ length: dims }, (_, d) => Math.max(1, Math.round((max[d] - min[d]) / side)));
}

function automaticShape(points: Float32Array | Float64Array, count: number, dims: number, min: Float64Array, max: Float64Array, target: number): number[] {
  const cells = new Uint32Array(count);
  const meanOccupancy = (shape: number[]) => {
    assignCells(points, count, dims, min, max, shape, cells);
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) seen.add(cells[i]);
    return count / seen.size;
  };
  // Cap the grid so a 3-D map of many points stays a few million cells at most.
  const maxResolution = dims === 2 ? 1024 : 160;
  let low = 1;
  let high = maxResolution;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (meanOccupancy(shapeFor(middle, dims, min, max)) >= target) low = middle;
    else high = middle - 1;
  }
  return shapeFor(Math.max(low, 2), dims, min, max);
}

/** Box sums over a window of `side` cells per axis (centred, clipped at the edges), separably. */
function windowSums(counts: Uint32Array, shape: readonly number[], side: number): Float64Array {
  let current = Float64Array.from(counts);
  const radius = (side - 1) / 2;
  let stride = 1;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    const next = new Float64Array(current.length);
    for (let cell = 0; cell < current.length; cell++) {
      const c = Math.floor(cell / stride) % n;
      let sum = 0;
      for (let o = Math.max(0, c - radius); o <= Math.min(n - 1, c + radius); o++) sum += current[cell + (o - c) * stride];
      next[cell] = sum;
    }
    current = next;
    stride *= n;
  }
  return current;
}
