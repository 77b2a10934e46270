/**
 * Seed pairs (§3.4): for a sparse region, two training examples from opposing sides —
 * left/right or bottom/top (back/front in 3-D). A side's candidates are the points in
 * a band one cell wide around that face of the region's box (within the box's extent on
 * the other axes). When a side has none, the point nearest to that face, on that side
 * of the box's middle, stands in. A budget of N pairs goes round-robin over the regions
 * from the sparsest, so every region gets a pair before any region gets a second one.
 */
import type { DensityGrid } from "./grid-density.js";
import type { Random } from "./random.js";
import { createRandom, randomInt } from "./random.js";
import type { SparseRegion } from "./sparse-regions.js";
import { OptionError } from "../core/errors.js";

/** Names of the faces: axis 0 low/high, axis 1 low/high, axis 2 low/high. */
export const SIDE_NAMES = [
  ["left", "right"],
  ["bottom", "top"],
  ["back", "front"],
] as const;

/** A face of a region's box. */
export type SideName = (typeof SIDE_NAMES)[number][number];

/** Two seeds for one region, from opposite faces. */
export interface SeedPair {
  /** Rank of the region (0 = sparsest). */
  region: number;
  axis: number;
  /** Point index on the low face and on the high face. */
  first: number;
  second: number;
  firstSide: SideName;
  secondSide: SideName;
  /** False when the face had no point in its band and the nearest point stood in. */
  firstOnSide: boolean;
  secondOnSide: boolean;
  /** Midpoint of the two seeds in map coordinates: where a new example should land. */
  midpoint: number[];
}

/** Options of {@link selectSeedPairs}. */
export interface SeedPairOptions {
  seed?: number;
}

/**
 * Picks up to `budget` distinct pairs over the ranked regions. `points` are the map
 * coordinates (`count × grid.dims`) the grid was built from.
 */
export function selectSeedPairs(
  points: Float32Array | Float64Array,
  count: number,
  grid: DensityGrid,
  regions: readonly SparseRegion[],
  budget: number,
  options: SeedPairOptions = {},
): SeedPair[] {
  if (!Number.isInteger(budget) || budget < 0) throw new OptionError("pairs", `must be a non-negative integer, got ${budget}`);
  const random = createRandom(options.seed ?? 0);
  const byCell = pointsByCell(grid, count);
  const sides = regions.map((region) => regionSides(points, count, grid, byCell, region));
  const used = regions.map(() => new Set<string>());
  const exhausted = new Uint8Array(regions.length);
  const pairs: SeedPair[] = [];
  while (pairs.length < budget) {
    let added = false;
    for (let r = 0; r < regions.length && pairs.length < budget; r++) {
      if (exhausted[r]) continue;
      const pair = nextPair(regions[r], sides[r], used[r], points, grid.dims, random);
      if (pair) {
        pairs.push(pair);
        added = true;
      } else {
        exhausted[r] = 1;
      }
    }
    if (!added) break;
  }
  return pairs;
}

interface AxisSides {
  axis: number;
  low: number[];
  high: number[];
  lowOnSide: boolean;
  highOnSide: boolean;
}

/** Points grouped by cell (CSR): cell c holds `order[start[c] .. start[c+1])`. */
interface PointsByCell {
  start: Uint32Array;
  order: Uint32Array;
}

function pointsByCell(grid: DensityGrid, count: number): PointsByCell {
  const start = new Uint32Array(grid.cellCount + 1);
  for (let i = 0; i < count; i++) start[grid.cellOfPoint[i] + 1]++;
  for (let c = 0; c < grid.cellCount; c++) start[c + 1] += start[c];
  const fill = start.slice(0, grid.cellCount);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[fill[grid.cellOfPoint[i]]++] = i;
  return { start, order };
}

/** Calls `visit` for every point in the cells of the inclusive box [lo, hi] (grid coordinates, clipped). */
function forEachPointInBox(grid: DensityGrid, byCell: PointsByCell, lo: number[], hi: number[], visit: (point: number) => void): void {
  const dims = grid.dims;
  const from = lo.map((c) => Math.max(0, c));
  const to = hi.map((c, d) => Math.min(grid.shape[d] - 1, c));
  if (from.some((c, d) => c > to[d])) return;
  const coordinates = [...from];
  for (;;) {
    let cell = 0;
    for (let d = dims - 1; d >= 0; d--) cell = cell * grid.shape[d] + coordinates[d];
    for (let p = byCell.start[cell]; p < byCell.start[cell + 1]; p++) visit(byCell.order[p]);
    let d = 0;
    while (d < dims && coordinates[d] === to[d]) {
      coordinates[d] = from[d];
      d++;
    }
    if (d === dims) return;
    coordinates[d]++;
  }
}

/** Candidate points for both faces along every axis, best axis first. */
function regionSides(points: Float32Array | Float64Array, count: number, grid: DensityGrid, byCell: PointsByCell, region: SparseRegion): AxisSides[] {
  const { dims, cellSize } = grid;
  const result: AxisSides[] = [];
  for (let axis = 0; axis < dims; axis++) {
    const lo = region.min[axis];
    const hi = region.max[axis];
    const middle = (lo + hi) / 2;
    const w = cellSize[axis];
    const low: number[] = [];
    const high: number[] = [];
    // The bands reach one cell beyond the box along the axis and stay inside it across.
    const boxLo = region.cellMin.map((c, d) => (d === axis ? c - 1 : c));
    const boxHi = region.cellMax.map((c, d) => (d === axis ? c + 1 : c));
    forEachPointInBox(grid, byCell, boxLo, boxHi, (i) => {
      const x = points[i * dims + axis];
      if (x >= lo - w && x < Math.min(lo + w / 2, middle)) low.push(i);
      else if (x <= hi + w && x > Math.max(hi - w / 2, middle)) high.push(i);
    });
    low.sort((a, b) => a - b);
    high.sort((a, b) => a - b);
    const lowOnSide = low.length > 0;
    const highOnSide = high.length > 0;
    if (!lowOnSide) low.push(...nearestToFace(points, count, dims, axis, region, "low"));
    if (!highOnSide) high.push(...nearestToFace(points, count, dims, axis, region, "high"));
    result.push({ axis, low, high, lowOnSide, highOnSide });
  }
  // Prefer axes where both faces have points of their own, then the more populated.
  const score = (s: AxisSides) => (Number(s.lowOnSide) + Number(s.highOnSide)) * 1e9 + Math.min(s.low.length, s.high.length);
  return result.sort((a, b) => score(b) - score(a) || a.axis - b.axis);
}

/** The point closest to a face, among those on that face's side of the box's middle. */
function nearestToFace(points: Float32Array | Float64Array, count: number, dims: number, axis: number, region: SparseRegion, face: "low" | "high"): number[] {
  const middle = (region.min[axis] + region.max[axis]) / 2;
  const plane = face === "low" ? region.min[axis] : region.max[axis];
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < count; i++) {
    const x = points[i * dims + axis];
    if (face === "low" ? x >= middle : x <= middle) continue;
    let distance = (x - plane) ** 2;
    for (let d = 0; d < dims; d++) {
      if (d === axis) continue;
      const v = points[i * dims + d];
      const outside = v < region.min[d] ? region.min[d] - v : v > region.max[d] ? v - region.max[d] : 0;
      distance += outside * outside;
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best < 0 ? [] : [best];
}

/** A pair this region has not given yet, or null when it has none left. */
function nextPair(region: SparseRegion, sides: AxisSides[], used: Set<string>, points: Float32Array | Float64Array, dims: number, random: Random): SeedPair | null {
  for (const side of sides) {
    if (side.low.length === 0 || side.high.length === 0) continue;
    const possible = side.low.length * side.high.length;
    // Random draws first; when most combinations are taken, walk them in order instead.
    for (let attempt = 0; attempt < 16; attempt++) {
      const pair = tryPair(region, side, side.low[randomInt(random, side.low.length)], side.high[randomInt(random, side.high.length)], used, points, dims);
      if (pair) return pair;
    }
    if (used.size < possible + 2) {
      for (const a of side.low) for (const b of side.high) {
        const pair = tryPair(region, side, a, b, used, points, dims);
        if (pair) return pair;
      }
    }
  }
  return null;
}

function tryPair(region: SparseRegion, side: AxisSides, a: number, b: number, used: Set<string>, points: Float32Array | Float64Array, dims: number): SeedPair | null {
  if (a === b) return null;
  const key = a < b ? `${a}:${b}` : `${b}:${a}`;
  if (used.has(key)) return null;
  used.add(key);
  const midpoint = Array.from({ length: dims }, (_, d) => (points[a * dims + d] + points[b * dims + d]) / 2);
  return {
    region: region.rank,
    axis: side.axis,
    first: a,
    second: b,
    firstSide: SIDE_NAMES[side.axis][0],
    secondSide: SIDE_NAMES[side.axis][1],
    firstOnSide: side.lowOnSide,
    secondOnSide: side.highOnSide,
    midpoint,
  };
}
