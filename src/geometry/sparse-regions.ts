/**
 * Sparse cells, windows and regions (§3.3): a cell is sparse when it is non-empty, its density
 * (the count of the sliding window G centred on it) is below T, and it lies between data — along
 * at least one axis, both directions reach a non-empty cell within `reach` cells. Empty cells,
 * runs of empty cells and the empty corners of the map are never sparse, and neither is a lone
 * outlier far from the rest.
 *
 * The paper's sparse region is one position of the window G: that window is the unit seeds are
 * picked around (§3.4), ranked sparsest first. Adjacent sparse cells (sharing a face) are also
 * merged into connected regions, but only as a view for reports: a merged region can be a ring
 * around the dense centre, and seeds on opposite sides of a ring meet in the middle of the data.
 */
import type { DensityGrid } from "./grid-density.js";
import { cellCenter, cellCoordinates } from "./grid-density.js";

/** One connected group of sparse cells. */
export interface SparseRegion {
  /** Rank, 0 = sparsest. */
  rank: number;
  cells: number[];
  /** Points in the member cells. */
  points: number;
  /** Mean density of the member cells. */
  meanDensity: number;
  /** meanDensity / T: lower is sparser. */
  sparsity: number;
  /** Bounding box of the member cells in grid coordinates (inclusive). */
  cellMin: number[];
  cellMax: number[];
  /** Bounding box in map coordinates. */
  min: number[];
  max: number[];
  /** Mean of the member cells' centres. */
  centroid: number[];
}

/** All sparse cells, grouped and ranked. */
export interface SparseMap {
  threshold: number;
  reach: number;
  /** 1 for each sparse cell. */
  sparse: Uint8Array;
  /** Connected groups of sparse cells, for reports. */
  regions: SparseRegion[];
  /** The sparse windows, sparsest first: what seed pairs are picked around. */
  windows: SparseWindow[];
}

/**
 * One position of the sliding window G whose count is below T (§3.3): the window of
 * `grid.window` cells per axis centred on a sparse cell, clipped at the grid's edges.
 */
export interface SparseWindow {
  /** Rank, 0 = sparsest. */
  rank: number;
  /** The sparse cell the window is centred on. */
  cell: number;
  /** Points in the window (the cell's density). */
  points: number;
  /** Window box in grid coordinates (inclusive) and in map coordinates. */
  cellMin: number[];
  cellMax: number[];
  min: number[];
  max: number[];
  /** Rank of the merged region holding the centre cell (for reports). */
  region: number;
}

/** Options of {@link findSparseRegions}. */
export interface SparseOptions {
  /** How far (in cells) to look for data on each side. Default max(2, round(0.15 × the largest grid side)). */
  reach?: number;
}

/** Finds the sparse cells of a grid for threshold T and groups them into ranked regions. */
export function findSparseRegions(grid: DensityGrid, threshold: number, options: SparseOptions = {}): SparseMap {
  const { shape, counts, density, cellCount, dims } = grid;
  const reach = options.reach ?? Math.max(2, Math.round(0.15 * Math.max(...shape)));
  const strides = shape.map((_, d) => shape.slice(0, d).reduce((a, b) => a * b, 1));
  const sparse = new Uint8Array(cellCount);
  for (let cell = 0; cell < cellCount; cell++) {
    if (counts[cell] === 0 || density[cell] >= threshold) continue;
    const coordinates = cellCoordinates(grid, cell);
    for (let d = 0; d < dims && !sparse[cell]; d++) {
      if (dataWithin(counts, cell, coordinates[d], strides[d], shape[d], -1, reach) && dataWithin(counts, cell, coordinates[d], strides[d], shape[d], 1, reach)) {
        sparse[cell] = 1;
      }
    }
  }
  const regions = connectedRegions(grid, sparse, strides, threshold);
  return { threshold, reach, sparse, regions, windows: rankWindows(grid, sparse, regions) };
}

/**
 * The sparse windows, sparsest first. Among windows of equal count the one with more data in the
 * ring of cells around it comes first: a thin spot between data is a gap, one at the fringe of the
 * map is mostly a tail. With a window wider than one cell, neighbouring sparse cells give nearly the
 * same window: a window whose centre lies inside a better-ranked one is dropped, so the budget is
 * spread over distinct places.
 */
function rankWindows(grid: DensityGrid, sparse: Uint8Array, regions: readonly SparseRegion[]): SparseWindow[] {
  const { shape, density, counts } = grid;
  const radius = (grid.window - 1) / 2;
  const regionOfCell = new Map<number, number>();
  for (const region of regions) for (const cell of region.cells) regionOfCell.set(cell, region.rank);
  const candidates: Array<{ cell: number; points: number; around: number; coordinates: number[] }> = [];
  for (let cell = 0; cell < sparse.length; cell++) {
    if (!sparse[cell]) continue;
    const coordinates = cellCoordinates(grid, cell);
    candidates.push({ cell, points: density[cell], around: ringCount(counts, shape, coordinates, radius + 1) - density[cell], coordinates });
  }
  candidates.sort((a, b) => a.points - b.points || b.around - a.around || a.cell - b.cell);
  const windows: SparseWindow[] = [];
  for (const candidate of candidates) {
    const cellMin = candidate.coordinates.map((c) => Math.max(0, c - radius));
    const cellMax = candidate.coordinates.map((c, d) => Math.min(shape[d] - 1, c + radius));
    if (radius > 0 && windows.some((w) => candidate.coordinates.every((c, d) => c >= w.cellMin[d] && c <= w.cellMax[d]))) continue;
    windows.push({
      rank: windows.length,
      cell: candidate.cell,
      points: candidate.points,
      cellMin,
      cellMax,
      min: cellMin.map((c, d) => grid.min[d] + c * grid.cellSize[d]),
      max: cellMax.map((c, d) => grid.min[d] + (c + 1) * grid.cellSize[d]),
      region: regionOfCell.get(candidate.cell) ?? -1,
    });
  }
  return windows;
}

/** Points in the box of `radius` cells around `coordinates` (clipped). */
function ringCount(counts: Uint32Array, shape: readonly number[], coordinates: readonly number[], radius: number): number {
  const from = coordinates.map((c) => Math.max(0, c - radius));
  const to = coordinates.map((c, d) => Math.min(shape[d] - 1, c + radius));
  const current = [...from];
  let sum = 0;
  for (;;) {
    let cell = 0;
    for (let d = shape.length - 1; d >= 0; d--) cell = cell * shape[d] + current[d];
    sum += counts[cell];
    let d = 0;
    while (d < shape.length && current[d] === to[d]) {
      current[d] = from[d];
      d++;
    }
    if (d === shape.length) return sum;
    current[d]++;
  }
}

function dataWithin(counts: Uint32Array, cell: number, coordinate: number, stride: number, size: number, direction: 1 | -1, reach: number): boolean {
  for (let step = 1; step <= reach; step++) {
    const c = coordinate + direction * step;
    if (c < 0 || c >= size) return false;
    if (counts[cell + direction * step * stride] > 0) return true;
  }
  return false;
}

function connectedRegions(grid: DensityGrid, sparse: Uint8Array, strides: number[], threshold: number): SparseRegion[] {
  const { shape, dims, counts, density } = grid;
  const seen = new Uint8Array(sparse.length);
  const regions: Omit<SparseRegion, "rank">[] = [];
  for (let start = 0; start < sparse.length; start++) {
    if (!sparse[start] || seen[start]) continue;
    const cells: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const cell = stack.pop() as number;
      cells.push(cell);
      const coordinates = cellCoordinates(grid, cell);
      for (let d = 0; d < dims; d++) {
        for (const direction of [-1, 1]) {
          const c = coordinates[d] + direction;
          if (c < 0 || c >= shape[d]) continue;
          const neighbour = cell + direction * strides[d];
          if (sparse[neighbour] && !seen[neighbour]) {
            seen[neighbour] = 1;
            stack.push(neighbour);
          }
        }
      }
    }
    cells.sort((a, b) => a - b);
    const cellMin = new Array<number>(dims).fill(Infinity);
    const cellMax = new Array<number>(dims).fill(-Infinity);
    const centroid = new Array<number>(dims).fill(0);
    let points = 0;
    let densitySum = 0;
    for (const cell of cells) {
      points += counts[cell];
      densitySum += density[cell];
      const coordinates = cellCoordinates(grid, cell);
      const centre = cellCenter(grid, cell);
      for (let d = 0; d < dims; d++) {
        cellMin[d] = Math.min(cellMin[d], coordinates[d]);
        cellMax[d] = Math.max(cellMax[d], coordinates[d]);
        centroid[d] += centre[d] / cells.length;
      }
    }
    const meanDensity = densitySum / cells.length;
    regions.push({
      cells,
      points,
      meanDensity,
      sparsity: meanDensity / threshold,
      cellMin,
      cellMax,
      min: cellMin.map((c, d) => grid.min[d] + c * grid.cellSize[d]),
      max: cellMax.map((c, d) => grid.min[d] + (c + 1) * grid.cellSize[d]),
      centroid,
    });
  }
  // Sparsest first; among equals the larger gap first; then by position for determinism.
  regions.sort((a, b) => a.sparsity - b.sparsity || b.cells.length - a.cells.length || a.cells[0] - b.cells[0]);
  return regions.map((region, rank) => ({ rank, ...region }));
}
