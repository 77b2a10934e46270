/**
 * The sparsity threshold T of §3.3, chosen from the histogram of the densities of the
 * NON-EMPTY cells (the paper's Figure 2: most cells hold 30–50 points, T = 10).
 */
import { quantileOfSorted } from "./statistics.js";

/** How to pick T. */
export interface ThresholdOptions {
  /** Use this T as is. */
  fixed?: number;
  /** Pick T as this quantile (0..1) of the non-empty densities instead of the mode rule. */
  quantile?: number;
  /** Mode rule: T = fraction × the histogram mode. Default 0.25 (the paper's 10 for a mode of 40). */
  fraction?: number;
}

/** The chosen threshold with the histogram it came from (for the report). */
export interface ThresholdChoice {
  /** Cells with density strictly below T are sparse candidates. */
  threshold: number;
  /** The rule in words. */
  rule: string;
  /** Centre of the most populated histogram bin (after light smoothing). */
  mode: number;
  /** Histogram of non-empty densities: bin b covers [b·binWidth, (b+1)·binWidth). */
  histogram: { binWidth: number; counts: number[] };
  nonEmptyCells: number;
}

/** At most this many bins, so the mode is not decided by the noise of single counts. */
const MAX_BINS = 64;

/**
 * Chooses T. Mode rule (default): histogram the non-empty densities (integer-aligned
 * bins, at most 64), smooth it with a [1, 2, 1] kernel, take the most populated bin as
 * the typical density, and set T = max(2, round(fraction × mode)). A low fraction of the
 * typical density marks cells that are clearly thinner than the bulk, like the paper's
 * reading of its Figure 2; T ≥ 2 so that at least single-point cells can be sparse.
 */
export function chooseThreshold(density: ArrayLike<number>, counts: ArrayLike<number>, options: ThresholdOptions = {}): ThresholdChoice {
  const values: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) values.push(density[i]);
  values.sort((a, b) => a - b);
  const maximum = values.length ? values[values.length - 1] : 0;
  const binWidth = Math.max(1, Math.ceil((maximum + 1) / MAX_BINS));
  const histogram = new Array<number>(Math.floor(maximum / binWidth) + 1).fill(0);
  for (const v of values) histogram[Math.floor(v / binWidth)]++;
  const smoothed = histogram.map((h, b) => 2 * h + (histogram[b - 1] ?? 0) + (histogram[b + 1] ?? 0));
  let modeBin = 0;
  for (let b = 1; b < smoothed.length; b++) if (smoothed[b] > smoothed[modeBin]) modeBin = b;
  const mode = binWidth === 1 ? modeBin : (modeBin + 0.5) * binWidth;
  const base = { mode, histogram: { binWidth, counts: histogram }, nonEmptyCells: values.length };
  if (options.fixed !== undefined) {
    if (!(options.fixed > 0)) throw new RangeError(`threshold must be positive, got ${options.fixed}`);
    return { threshold: options.fixed, rule: `fixed T = ${options.fixed}`, ...base };
  }
  if (values.length === 0) return { threshold: 2, rule: "no non-empty cells; T = 2", ...base };
  if (options.quantile !== undefined) {
    if (!(options.quantile > 0 && options.quantile < 1)) throw new RangeError(`threshold quantile must be in (0, 1), got ${options.quantile}`);
    const threshold = Math.max(2, Math.ceil(quantileOfSorted(values, options.quantile)));
    return { threshold, rule: `T = ${options.quantile} quantile of non-empty cell densities`, ...base };
  }
  const fraction = options.fraction ?? 0.25;
  const threshold = Math.max(2, Math.round(fraction * mode));
  return { threshold, rule: `T = max(2, round(${fraction} × mode ${mode}))`, ...base };
}
