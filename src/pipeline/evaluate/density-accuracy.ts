import { type Correlation, linearFit, pearson, spearman } from "../../geometry/correlation.js";
import { type ProportionInterval, wilsonInterval } from "../../geometry/proportion-tests.js";

/** The training map's grid, as stored in map.json (shape, bounds, counts per cell). */
export interface TrainingGrid {
  shape: readonly number[];
  min: readonly number[];
  max: readonly number[];
  counts: ArrayLike<number>;
}

/** A group of grid cells holding at least the minimum number of benchmark items. */
export interface DensityRegion {
  id: number;
  cells: number[];
  items: number;
  correct: number;
  accuracy: ProportionInterval;
  /** Training examples in the region's cells. */
  trainingPoints: number;
  /** Training examples per cell of the region: the density the paper correlates with accuracy. */
  density: number;
  /** Mean map position of the region's benchmark items. */
  centroid: number[];
}

/** The density–accuracy analysis of §4.4 of the EmbedSDG paper, on the user's own student and data. */
export interface DensityAccuracy {
  regions: DensityRegion[];
  minPerRegion: number;
  pearson: Correlation;
  spearman: Correlation;
  /** Least-squares line accuracy = intercept + slope · density (for the scatter). */
  fit: { slope: number; intercept: number };
  /** How the regions were formed, in words (for the report). */
  grouping: string;
}

/** Grid cell of a point: the map's rule, points outside the bounds clamped into the edge cells. */
export function cellOfMapPoint(grid: Pick<TrainingGrid, "shape" | "min" | "max">, point: ArrayLike<number>): number {
  let index = 0;
  for (let d = grid.shape.length - 1; d >= 0; d--) {
    const n = grid.shape[d];
    let c = Math.floor(((point[d] - grid.min[d]) / (grid.max[d] - grid.min[d])) * n);
    if (!(c >= 0)) c = 0;
    if (c >= n) c = n - 1;
    index = index * n + c;
  }
  return index;
}

function coordinatesOf(shape: readonly number[], cell: number): number[] {
  const out: number[] = [];
  let rest = cell;
  for (const n of shape) {
    out.push(rest % n);
    rest = Math.floor(rest / n);
  }
  return out;
}

interface Group {
  cells: number[];
  items: number[];
  coordinates: number[][];
  trainingPoints: number;
}

/**
 * Groups benchmark items by the grid cell they fall in, merges groups until each holds at least
 * `minPerRegion` items, and relates each region's training density to the student's accuracy
 * there (Pearson and Spearman with p-values, and the fitted line).
 *
 * Merging: the smallest group below the minimum joins a touching group (cells at Chebyshev
 * distance 1) — or, when none touches, the nearest by cell distance — choosing among those the
 * one whose training density is closest to its own, so merges blur the density signal as
 * little as possible. Repeats until every group is large enough or one group is left.
 */
export function densityAccuracy(
  grid: TrainingGrid,
  points: ArrayLike<number>,
  correct: readonly boolean[],
  options: { minPerRegion?: number } = {},
): DensityAccuracy {
  const dims = grid.shape.length;
  const minPerRegion = Math.max(1, options.minPerRegion ?? 10);
  if (points.length !== correct.length * dims) throw new RangeError(`${points.length} coordinates for ${correct.length} items in ${dims}-D`);
  const byCell = new Map<number, number[]>();
  for (let i = 0; i < correct.length; i++) {
    const cell = cellOfMapPoint(grid, Array.from({ length: dims }, (_, d) => points[i * dims + d]));
    const list = byCell.get(cell) ?? [];
    list.push(i);
    byCell.set(cell, list);
  }
  let groups: Group[] = [...byCell.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cell, items]) => ({ cells: [cell], items, coordinates: [coordinatesOf(grid.shape, cell)], trainingPoints: grid.counts[cell] }));
  const density = (group: Group) => group.trainingPoints / group.cells.length;
  const distance = (a: Group, b: Group) => {
    let best = Number.POSITIVE_INFINITY;
    for (const ca of a.coordinates) for (const cb of b.coordinates) best = Math.min(best, Math.max(...ca.map((value, d) => Math.abs(value - cb[d]))));
    return best;
  };
  while (groups.length > 1) {
    let smallest = -1;
    for (let g = 0; g < groups.length; g++) {
      if (groups[g].items.length < minPerRegion && (smallest < 0 || groups[g].items.length < groups[smallest].items.length)) smallest = g;
    }
    if (smallest < 0) break;
    const source = groups[smallest];
    const distances = groups.map((group, g) => (g === smallest ? Number.POSITIVE_INFINITY : distance(source, group)));
    const nearest = Math.min(...distances);
    let target = -1;
    for (let g = 0; g < groups.length; g++) {
      if (distances[g] !== nearest) continue;
      if (target < 0 || Math.abs(density(groups[g]) - density(source)) < Math.abs(density(groups[target]) - density(source))) target = g;
    }
    const into = groups[target];
    into.cells.push(...source.cells);
    into.items.push(...source.items);
    into.coordinates.push(...source.coordinates);
    into.trainingPoints += source.trainingPoints;
    groups = groups.filter((_, g) => g !== smallest);
  }
  const regions = groups
    .map((group): Omit<DensityRegion, "id"> => {
      const right = group.items.filter((i) => correct[i]).length;
      const centroid = Array.from({ length: dims }, (_, d) => group.items.reduce((sum, i) => sum + points[i * dims + d], 0) / group.items.length);
      return {
        cells: group.cells.sort((a, b) => a - b),
        items: group.items.length,
        correct: right,
        accuracy: wilsonInterval(right, group.items.length),
        trainingPoints: group.trainingPoints,
        density: density(group),
        centroid,
      };
    })
    .sort((a, b) => a.density - b.density || a.cells[0] - b.cells[0])
    .map((region, id) => ({ id, ...region }));
  const x = regions.map((region) => region.density);
  const y = regions.map((region) => region.accuracy.estimate);
  return {
    regions,
    minPerRegion,
    pearson: pearson(x, y),
    spearman: spearman(x, y),
    fit: regions.length >= 2 ? linearFit(x, y) : { slope: Number.NaN, intercept: Number.NaN },
    grouping: `grid cells of the training map, merged with touching cells of similar density until each region holds ≥ ${minPerRegion} benchmark items`,
  };
}
