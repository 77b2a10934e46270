/**
 * Sparse cells and regions (§3.3): a cell is sparse when it is non-empty, its density
 * is below T, and it lies between data — along at least one axis, both directions reach
 * a non-empty cell within `reach` cells. Empty cells, runs of empty cells and the empty
 * corners of the map are never sparse, and neither is a lone outlier far from the rest.
 * Adjacent sparse cells (sharing a face) form one region; regions are ranked sparsest first.
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
  regions: SparseRegion[];
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
  return { threshold, reach, sparse, regions };
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
