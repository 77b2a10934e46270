/**
 * Seed pairs (§3.4): for a sparse window, two training examples from opposing sides of it —
 * left/right or bottom/top in 2-D, opposing faces (also back/front) in 3-D.
 *
 * A side's candidates are the points in a band around that face: from one cell outside it to a
 * quarter of the window inside, within the window's extent on the other axes. When a side has
 * none, the points nearest to the face from beyond it stand in (the paper's "a data point close
 * to the side"). Of the possible pairs, one whose midpoint falls inside the window is drawn: on a
 * linear map (PCA/SVD) the midpoint is where the interpolated example lands (§3.5), so the pair
 * then targets the window itself, not whatever lies between two far-apart seeds.
 *
 * The budget goes round-robin over the windows from the sparsest, so every window gets a pair
 * before any window gets a second one, and a window's next pair uses the next pair of sides.
 */
import type { DensityGrid } from "./grid-density.js";
import type { Random } from "./random.js";
import { createRandom, randomInt } from "./random.js";
import type { SparseWindow } from "./sparse-regions.js";
import { OptionError } from "../core/errors.js";

/** Names of the faces: axis 0 low/high, axis 1 low/high, axis 2 low/high. */
export const SIDE_NAMES = [
  ["left", "right"],
  ["bottom", "top"],
  ["back", "front"],
] as const;

/** A face of a window's box. */
export type SideName = (typeof SIDE_NAMES)[number][number];

/** Two seeds for one sparse window, from opposite faces. */
export interface SeedPair {
  /** Rank of the window (0 = sparsest). */
  window: number;
  /** Rank of the merged region the window's centre cell belongs to (a report view). */
  region: number;
  axis: number;
  /** Point index on the low face and on the high face. */
  first: number;
  second: number;
  firstSide: SideName;
  secondSide: SideName;
  /** False when the face had no point in its band and a point beyond it stood in. */
  firstOnSide: boolean;
  secondOnSide: boolean;
  /** Midpoint of the two seeds in map coordinates: where a new example should land. */
  midpoint: number[];
  /** The midpoint lies inside the window (false only when no pair of candidates allowed it). */
  midpointInside: boolean;
}

/** Options of {@link selectSeedPairs}. */
export interface SeedPairOptions {
  seed?: number;
}

/** Candidates kept per side: enough pairs to find one through the window, few enough to try them all. */
const MAX_SIDE_CANDIDATES = 48;
/** Points beyond an empty face kept as stand-ins. */
const NEAREST_BEYOND = 8;

/**
 * Picks up to `budget` distinct pairs over the ranked windows. `points` are the map coordinates
 * (`count × grid.dims`) the grid was built from.
 */
export function selectSeedPairs(
  points: Float32Array | Float64Array,
  count: number,
  grid: DensityGrid,
  windows: readonly SparseWindow[],
  budget: number,
  options: SeedPairOptions = {},
): SeedPair[] {
  if (!Number.isInteger(budget) || budget < 0) throw new OptionError("pairs", `must be a non-negative integer, got ${budget}`);
  const random = createRandom(options.seed ?? 0);
  const byCell = pointsByCell(grid, count);
  // Sides are found on a window's first use: a budget of 20 never looks at the thousandth window.
  const sides: Array<AxisSides[] | undefined> = [];
  const uses = new Uint32Array(windows.length);
  const exhausted = new Uint8Array(windows.length);
  const used = new Set<string>();
  const pairs: SeedPair[] = [];
  while (pairs.length < budget) {
    let added = false;
    for (let w = 0; w < windows.length && pairs.length < budget; w++) {
      if (exhausted[w]) continue;
      sides[w] ??= windowSides(points, count, grid, byCell, windows[w], random);
      const pair = nextPair(windows[w], sides[w] as AxisSides[], uses[w], used, points, grid.dims, random);
      if (pair) {
        pairs.push(pair);
        uses[w]++;
        added = true;
      } else {
        exhausted[w] = 1;
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

/** Candidates on both faces along every axis, the axis with the most on-side points first. */
function windowSides(points: Float32Array | Float64Array, count: number, grid: DensityGrid, byCell: PointsByCell, window: SparseWindow, random: Random): AxisSides[] {
  const { dims, cellSize } = grid;
  const result: AxisSides[] = [];
  for (let axis = 0; axis < dims; axis++) {
    const lo = window.min[axis];
    const hi = window.max[axis];
    const inward = (hi - lo) / 4;
    const outward = cellSize[axis];
    const low: number[] = [];
    const high: number[] = [];
    // The bands reach one cell beyond the window along the axis and stay inside it across.
    const boxLo = window.cellMin.map((c, d) => (d === axis ? c - 1 : c));
    const boxHi = window.cellMax.map((c, d) => (d === axis ? c + 1 : c));
    forEachPointInBox(grid, byCell, boxLo, boxHi, (i) => {
      const x = points[i * dims + axis];
      if (x >= lo - outward && x < lo + inward) low.push(i);
      else if (x <= hi + outward && x > hi - inward) high.push(i);
    });
    const lowOnSide = low.length > 0;
    const highOnSide = high.length > 0;
    result.push({
      axis,
      low: lowOnSide ? sample(low.sort((a, b) => a - b), random) : nearestBeyond(points, count, dims, axis, window, "low"),
      high: highOnSide ? sample(high.sort((a, b) => a - b), random) : nearestBeyond(points, count, dims, axis, window, "high"),
      lowOnSide,
      highOnSide,
    });
  }
  const score = (s: AxisSides) => (Number(s.lowOnSide) + Number(s.highOnSide)) * 1e9 + Math.min(s.low.length, s.high.length);
  return result.sort((a, b) => score(b) - score(a) || a.axis - b.axis);
}

/** At most {@link MAX_SIDE_CANDIDATES} of `list`, drawn without replacement (seeded). */
function sample(list: number[], random: Random): number[] {
  for (let i = 0; i < Math.min(list.length, MAX_SIDE_CANDIDATES); i++) {
    const j = i + randomInt(random, list.length - i);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list.slice(0, MAX_SIDE_CANDIDATES);
}

/** The points nearest to a face among those beyond it (distance to the face's rectangle), closest first. */
function nearestBeyond(points: Float32Array | Float64Array, count: number, dims: number, axis: number, window: SparseWindow, face: "low" | "high"): number[] {
  const plane = face === "low" ? window.min[axis] : window.max[axis];
  const best: Array<{ index: number; distance: number }> = [];
  for (let i = 0; i < count; i++) {
    const x = points[i * dims + axis];
    if (face === "low" ? x >= plane : x <= plane) continue;
    let distance = (x - plane) ** 2;
    for (let d = 0; d < dims; d++) {
      if (d === axis) continue;
      const v = points[i * dims + d];
      const outside = v < window.min[d] ? window.min[d] - v : v > window.max[d] ? v - window.max[d] : 0;
      distance += outside * outside;
    }
    if (best.length < NEAREST_BEYOND || distance < best[best.length - 1].distance) {
      best.push({ index: i, distance });
      best.sort((a, b) => a.distance - b.distance || a.index - b.index);
      if (best.length > NEAREST_BEYOND) best.pop();
    }
  }
  return best.map((entry) => entry.index);
}

/**
 * A pair not given before, on the window's `use`-th pair of sides (rotating, so repeated use
 * varies the sides) or, when that axis has none left, on the next. Among the unused pairs of an
 * axis one whose midpoint is inside the window is drawn at random; when none is, on the window's
 * first use only, the pair whose midpoint is closest to the window stands in (and says so).
 */
function nextPair(window: SparseWindow, sides: AxisSides[], use: number, used: Set<string>, points: Float32Array | Float64Array, dims: number, random: Random): SeedPair | null {
  let fallback: { side: AxisSides; a: number; b: number; outside: number } | undefined;
  for (let k = 0; k < sides.length; k++) {
    const side = sides[(use + k) % sides.length];
    const inside: Array<[number, number]> = [];
    for (const a of side.low) {
      for (const b of side.high) {
        if (a === b || used.has(pairKey(a, b))) continue;
        const outside = distanceOutside(window, points, dims, a, b);
        if (outside === 0) inside.push([a, b]);
        else if (!fallback || outside < fallback.outside) fallback = { side, a, b, outside };
      }
    }
    if (inside.length > 0) {
      const [a, b] = inside[randomInt(random, inside.length)];
      return makePair(window, side, a, b, used, points, dims, true);
    }
  }
  // A window's first pair may miss it (the window is still the sparsest place to aim for); a repeat may not.
  return fallback && use === 0 ? makePair(window, fallback.side, fallback.a, fallback.b, used, points, dims, false) : null;
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** How far the midpoint of points a and b lies outside the window (0 inside), squared. */
function distanceOutside(window: SparseWindow, points: Float32Array | Float64Array, dims: number, a: number, b: number): number {
  let sum = 0;
  for (let d = 0; d < dims; d++) {
    const m = (points[a * dims + d] + points[b * dims + d]) / 2;
    const outside = m < window.min[d] ? window.min[d] - m : m > window.max[d] ? m - window.max[d] : 0;
    sum += outside * outside;
  }
  return sum;
}

function makePair(window: SparseWindow, side: AxisSides, a: number, b: number, used: Set<string>, points: Float32Array | Float64Array, dims: number, midpointInside: boolean): SeedPair {
  used.add(pairKey(a, b));
  return {
    window: window.rank,
    region: window.region,
    axis: side.axis,
    first: a,
    second: b,
    firstSide: SIDE_NAMES[side.axis][0],
    secondSide: SIDE_NAMES[side.axis][1],
    firstOnSide: side.lowOnSide,
    secondOnSide: side.highOnSide,
    midpoint: Array.from({ length: dims }, (_, d) => (points[a * dims + d] + points[b * dims + d]) / 2),
    midpointInside,
  };
}
