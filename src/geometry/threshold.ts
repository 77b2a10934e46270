/**
 * The sparsity threshold T of §3.3, chosen from the densities of the NON-EMPTY cells (the
 * paper's Figure 2: most cells hold 30–50 points, T = 10).
 *
 * The default rule reads the density a typical POINT sees, not a typical cell: on real maps
 * most non-empty cells are thin tail cells at the edges (on GSM8K the cell-histogram mode is
 * 1–2 points), so a fraction of the cell mode gives T = 2 and marks almost nothing. Weighting
 * each cell by the points in it puts the weight where the data is, as in the paper's figure,
 * whose bulk of cells is also where most points sit.
 */
import { quantileOfSorted } from "./statistics.js";
import { OptionError } from "../core/errors.js";

/** How to pick T. */
export interface ThresholdOptions {
  /** Use this T as is. */
  fixed?: number;
  /** Pick T as this quantile (0..1) of the non-empty densities instead of the mode rule. */
  quantile?: number;
  /** T = fraction × the point-weighted median density. Default 0.25 (the paper's 10 for a bulk at 40). */
  fraction?: number;
}

/** The chosen threshold with the histogram it came from (for the report). */
export interface ThresholdChoice {
  /** Cells with density strictly below T are sparse candidates. */
  threshold: number;
  /** The rule in words. */
  rule: string;
  /** Centre of the most populated histogram bin of cells (after light smoothing). */
  mode: number;
  /** Density of the cell the median point sits in (cells weighted by their point counts). */
  typicalDensity: number;
  /** Histogram of non-empty densities: bin b covers [b·binWidth, (b+1)·binWidth). */
  histogram: { binWidth: number; counts: number[] };
  nonEmptyCells: number;
}

/** At most this many bins, so the mode is not decided by the noise of single counts. */
const MAX_BINS = 64;

/**
 * Chooses T. Default: the typical density is the point-weighted median of the non-empty
 * cells' densities (sort the cells by density; walk until half the points are passed), and
 * T = max(2, round(fraction × typical)). A low fraction of the density most points see marks
 * cells clearly thinner than the bulk, like the paper's reading of its Figure 2; T ≥ 2 so
 * that at least single-point cells can be sparse. The cell histogram (integer-aligned bins,
 * at most 64, mode after [1, 2, 1] smoothing) is returned for the report.
 */
export function chooseThreshold(density: ArrayLike<number>, counts: ArrayLike<number>, options: ThresholdOptions = {}): ThresholdChoice {
  const values: number[] = [];
  const cells: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) {
      values.push(density[i]);
      cells.push(i);
    }
  }
  values.sort((a, b) => a - b);
  const typicalDensity = pointWeightedMedian(cells, density, counts);
  const maximum = values.length ? values[values.length - 1] : 0;
  const binWidth = Math.max(1, Math.ceil((maximum + 1) / MAX_BINS));
  const histogram = new Array<number>(Math.floor(maximum / binWidth) + 1).fill(0);
  for (const v of values) histogram[Math.floor(v / binWidth)]++;
  const smoothed = histogram.map((h, b) => 2 * h + (histogram[b - 1] ?? 0) + (histogram[b + 1] ?? 0));
  let modeBin = 0;
  for (let b = 1; b < smoothed.length; b++) if (smoothed[b] > smoothed[modeBin]) modeBin = b;
  const mode = binWidth === 1 ? modeBin : (modeBin + 0.5) * binWidth;
  const base = { mode, typicalDensity, histogram: { binWidth, counts: histogram }, nonEmptyCells: values.length };
  if (options.fixed !== undefined) {
    if (!(options.fixed > 0)) throw new OptionError("threshold", `must be positive, got ${options.fixed}`);
    return { threshold: options.fixed, rule: `fixed T = ${options.fixed}`, ...base };
  }
  if (values.length === 0) return { threshold: 2, rule: "no non-empty cells; T = 2", ...base };
  if (options.quantile !== undefined) {
    if (!(options.quantile > 0 && options.quantile < 1)) throw new OptionError("quantile", `must be in (0, 1), got ${options.quantile}`);
    const threshold = Math.max(2, Math.ceil(quantileOfSorted(values, options.quantile)));
    return { threshold, rule: `T = ${options.quantile} quantile of non-empty cell densities`, ...base };
  }
  const fraction = options.fraction ?? 0.25;
  const threshold = Math.max(2, Math.round(fraction * typicalDensity));
  return { threshold, rule: `T = max(2, round(${fraction} × ${round2(typicalDensity)}, the cell density the median point sees))`, ...base };
}

/** The density of the cell holding the median point, cells taken in order of density. */
function pointWeightedMedian(cells: number[], density: ArrayLike<number>, counts: ArrayLike<number>): number {
  if (cells.length === 0) return 0;
  const order = [...cells].sort((a, b) => density[a] - density[b]);
  let total = 0;
  for (const cell of order) total += counts[cell];
  let passed = 0;
  for (const cell of order) {
    passed += counts[cell];
    if (passed * 2 >= total) return density[cell];
  }
  return density[order[order.length - 1]];
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
