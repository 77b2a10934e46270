/**
 * kNN density in the original (high-dimensional) embedding space, before the 2-D/3-D
 * reduction: a view of density that does not depend on the projection. A point's
 * density is 1 / (distance to its k-th nearest neighbour): only its rank matters.
 *
 * Exact path: blocked brute force over all pairs (‖x‖² + ‖y‖² − 2x·y), used while
 * rows² × cols stays under `exactBudget` (default 4e9 multiply-adds: about 7,500 × 7,500
 * × 64, a few seconds on one core here).
 *
 * Approximate path, for anything bigger: (1) a seeded Gaussian random projection to
 * `projectDims` dimensions (Johnson–Lindenstrauss: distances kept within a modest
 * factor, one streaming pass, so it also works on a RowSource); (2) the k-th neighbour
 * is searched among a seeded random reference sample of `referenceSize` rows instead of
 * all rows. The k-th distance within a sample of R rows estimates the (k·n/R)-th
 * distance in the full set, a coarser but rank-preserving density. Cost n × R × m.
 *
 * {@link knnDensityInWorkers} and {@link knnDensityStreaming} split the distance blocks over
 * worker threads (shared memory, knn-workers.ts) with the same answer as {@link knnDensity}.
 *
 * The map's cross-check ({@link knnGridAgreement}) needs the density of far fewer points than all:
 * the points of the grid's sparse cells, and enough others to place the low-density cutoff. On big
 * sets it computes the approximate density of just those rows — each the very value the
 * all-rows approximate path gives it — so the check costs a read of the data, not a projection of it.
 */
import { projectBlock } from "./dense-kernels.js";
import type { RowBlock } from "./matrix.js";
import { kthNeighbourRange } from "./knn-kernel.js";
import { kthNeighbourDistancesInWorkers } from "./knn-workers.js";
import type { RowSource } from "./matrix.js";
import { checkShape } from "./matrix.js";
import { createGaussian, createRandom, sampleIndices } from "./random.js";
import { OptionError, TooFewRowsError } from "../core/errors.js";

/** Options of {@link knnDensity}. */
export interface KnnDensityOptions {
  /** Neighbour rank. Default 10. */
  k?: number;
  /** Largest rows² × cols done exactly. Default 4e9. */
  exactBudget?: number;
  /** Random-projection dimension of the approximate path. Default 32. */
  projectDims?: number;
  /** Reference sample size of the approximate path. Default 2048. */
  referenceSize?: number;
  seed?: number;
  /** Threads for the distance blocks of the async variants (the caller's counts as one). Default: the machine's parallelism. */
  threads?: number;
}

/** Per-point kNN density and how it was computed. */
export interface KnnDensity {
  /** Distance to the k-th neighbour (self excluded). */
  kthDistance: Float64Array;
  /** 1 / kthDistance (Infinity for duplicates of k other points). */
  density: Float64Array;
  method: "exact" | "approximate";
  description: string;
}

/** kNN density of an in-memory `rows × cols` matrix. */
export function knnDensity(data: Float32Array | Float64Array, rows: number, cols: number, options: KnnDensityOptions = {}): KnnDensity {
  checkShape(data, rows, cols);
  const k = checkK(options.k ?? 10, rows);
  if (rows * rows * cols <= (options.exactBudget ?? 4e9)) {
    const all = Uint32Array.from({ length: rows }, (_, i) => i);
    const kth = kthNeighbourDistances(data, rows, cols, all, k);
    return finish(kth, "exact", `exact ${k}-NN over all ${rows} rows in ${cols} dimensions`);
  }
  const m = Math.min(options.projectDims ?? 32, cols);
  const projection = randomProjection(cols, m, options.seed ?? 0);
  const projected = new Float32Array(rows * m);
  projectBlock(data, rows, cols, null, projection, m, new Float64Array(m), projected, 0);
  return approximateFromProjected(projected, rows, cols, m, k, options);
}

/** {@link knnDensity} with its distance blocks on worker threads: the same answer, sooner. */
export async function knnDensityInWorkers(data: Float32Array | Float64Array, rows: number, cols: number, options: KnnDensityOptions = {}): Promise<KnnDensity> {
  checkShape(data, rows, cols);
  const k = checkK(options.k ?? 10, rows);
  if (rows * rows * cols <= (options.exactBudget ?? 4e9)) {
    const all = Uint32Array.from({ length: rows }, (_, i) => i);
    const kth = await kthNeighbourDistancesInWorkers(data, rows, cols, all, k, options);
    return finish(kth, "exact", `exact ${k}-NN over all ${rows} rows in ${cols} dimensions`);
  }
  const m = Math.min(options.projectDims ?? 32, cols);
  const projection = randomProjection(cols, m, options.seed ?? 0);
  // In shared memory from the start: the workers read it without a copy.
  const projected = new Float32Array(new SharedArrayBuffer(rows * m * Float32Array.BYTES_PER_ELEMENT));
  projectBlock(data, rows, cols, null, projection, m, new Float64Array(m), projected, 0);
  return approximateInWorkers(projected, rows, cols, m, k, options);
}

/**
 * kNN density of a streamed matrix: always the approximate path, its distance blocks on worker
 * threads; memory rows × projectDims float32.
 */
export async function knnDensityStreaming(source: RowSource, options: KnnDensityOptions = {}): Promise<KnnDensity> {
  const k = checkK(options.k ?? 10, source.rows);
  const m = Math.min(options.projectDims ?? 32, source.cols);
  const projection = randomProjection(source.cols, m, options.seed ?? 0);
  const projected = new Float32Array(new SharedArrayBuffer(source.rows * m * Float32Array.BYTES_PER_ELEMENT));
  const zeros = new Float64Array(m);
  let row = 0;
  for await (const block of source.blocks()) {
    projectBlock(block.data, block.rows, source.cols, null, projection, m, zeros, projected, row * m);
    row += block.rows;
  }
  if (row !== source.rows) throw new RangeError(`row source yielded ${row} rows, declared ${source.rows}`);
  return approximateInWorkers(projected, source.rows, source.cols, m, k, options);
}

function approximateFromProjected(projected: Float32Array, rows: number, cols: number, m: number, k: number, options: KnnDensityOptions): KnnDensity {
  const reference = referenceSample(rows, k, options);
  return finish(kthNeighbourDistances(projected, rows, m, reference, k), "approximate", approximateDescription(rows, cols, m, k, reference.length));
}

async function approximateInWorkers(projected: Float32Array, rows: number, cols: number, m: number, k: number, options: KnnDensityOptions): Promise<KnnDensity> {
  const reference = referenceSample(rows, k, options);
  const kth = await kthNeighbourDistancesInWorkers(projected, rows, m, reference, k, options);
  return finish(kth, "approximate", approximateDescription(rows, cols, m, k, reference.length));
}

function referenceSample(rows: number, k: number, options: KnnDensityOptions): Uint32Array {
  return sampleIndices(createRandom((options.seed ?? 0) + 1), rows, Math.max(k + 1, options.referenceSize ?? 2048));
}

function approximateDescription(rows: number, cols: number, m: number, k: number, references: number): string {
  return `approximate ${k}-NN: Gaussian random projection ${cols} → ${m} dims, neighbours among a random sample of ${references} of ${rows} rows`;
}

/** A Gaussian projection as `m × cols` rows scaled by 1/√m, so squared lengths are kept on average. */
function randomProjection(cols: number, m: number, seed: number): Float64Array {
  const gaussian = createGaussian(createRandom(seed));
  const scale = 1 / Math.sqrt(m);
  return Float64Array.from({ length: m * cols }, () => gaussian() * scale);
}

function checkK(k: number, rows: number): number {
  if (!Number.isInteger(k) || k < 1) throw new OptionError("k", `must be a positive integer, got ${k}`);
  if (k >= rows) throw new TooFewRowsError(`kNN density with k = ${k}`, rows, k + 1, "lower k");
  return k;
}

function finish(kth: Float64Array, method: KnnDensity["method"], description: string): KnnDensity {
  return { kthDistance: kth, density: kth.map((d) => 1 / d), method, description };
}

/**
 * For every row, the distance to its k-th nearest neighbour among the `reference` rows
 * (itself excluded), on the calling thread.
 */
function kthNeighbourDistances(data: Float32Array | Float64Array, rows: number, cols: number, reference: Uint32Array, k: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += data[i * cols + c] ** 2;
    norms[i] = sum;
  }
  const kth = new Float64Array(rows);
  kthNeighbourRange(data, cols, norms, reference, k, 0, rows, kth);
  return kth;
}

/** Options of {@link knnGridAgreement}. */
export interface KnnGridAgreementOptions extends KnnDensityOptions {
  /** Sparse-cell points whose density is computed at most (a seeded sample beyond). Default 20,000. */
  sparseQueries?: number;
  /** Rows of a uniform sample that place the low-density cutoff. Default 20,000. */
  cutoffSample?: number;
  /** The low-density quantile (see {@link compareDensities}). Default 0.25. */
  quantile?: number;
}

/** How the grid's sparse cells agree with kNN density, and how the density was computed. */
export interface KnnGridAgreement {
  method: KnnDensity["method"];
  description: string;
  agreement: DensityAgreement;
  /** Rows whose kNN density was computed. */
  queried: number;
}

/**
 * The map's kNN cross-check: do the grid's sparse cells hold low-kNN-density points? Small sets
 * (within `exactBudget`) compare every row's exact density. Bigger ones use the approximate
 * density (random projection, reference sample) of only the rows the answer needs: the
 * sparse-cell points (a seeded sample of `sparseQueries` when there are more) and a uniform sample
 * of `cutoffSample` rows for the quantile cutoff. Each of those rows gets exactly the density the
 * all-rows approximate path would give it; only the cutoff is estimated from the sample.
 */
export async function knnGridAgreement(
  source: RowSource & { inMemory?: Float32Array | Float64Array },
  cellOfPoint: Uint32Array,
  sparse: Uint8Array,
  options: KnnGridAgreementOptions = {},
): Promise<KnnGridAgreement> {
  const { rows, cols } = source;
  if (cellOfPoint.length !== rows) throw new RangeError(`the grid has ${cellOfPoint.length} points, the embeddings ${rows} rows`);
  const k = checkK(options.k ?? 10, rows);
  const quantile = options.quantile ?? 0.25;
  const seed = options.seed ?? 0;
  if (rows * rows * cols <= (options.exactBudget ?? 4e9)) {
    const knn = source.inMemory ? await knnDensityInWorkers(source.inMemory, rows, cols, options) : await knnDensityStreaming(source, options);
    return { method: knn.method, description: knn.description, agreement: compareDensities(cellOfPoint, sparse, knn, quantile), queried: rows };
  }
  const { queries: sparseQueries, total: sparseTotal, perCellQuota } = sparseCellQueries(cellOfPoint, sparse, options.sparseQueries ?? 20_000, seed);
  const cutoffRows = sampleIndices(createRandom(seed + 3), rows, options.cutoffSample ?? 20_000);
  const reference = referenceSample(rows, k, options);
  // One compact matrix of the rows needed, in ascending row order; the reference indices remapped.
  const needed = Uint32Array.from(new Set([...sparseQueries, ...cutoffRows, ...reference])).sort();
  const position = new Map<number, number>();
  needed.forEach((row, at) => position.set(row, at));
  const m = Math.min(options.projectDims ?? 32, cols);
  const projection = randomProjection(cols, m, seed);
  const projected = new Float32Array(new SharedArrayBuffer(needed.length * m * Float32Array.BYTES_PER_ELEMENT));
  await projectRows(source, needed, projection, m, projected);
  const compactReference = Uint32Array.from(reference, (row) => position.get(row) as number);
  const kth = await kthNeighbourDistancesInWorkers(projected, needed.length, m, compactReference, k, options);
  const densityOf = (row: number) => 1 / kth[position.get(row) as number];

  const cutoffDensities = Float64Array.from(cutoffRows, densityOf).sort();
  const cutoff = cutoffDensities[Math.min(cutoffDensities.length - 1, Math.floor(quantile * cutoffDensities.length))];
  let baselineLow = 0;
  for (const density of cutoffDensities) if (density < cutoff) baselineLow++;
  // Per cell: the share of its queried points that are low, standing for all its points.
  const perCell = new Map<number, { points: number; low: number; queried: number }>();
  for (const row of sparseQueries) {
    const entry = perCell.get(cellOfPoint[row]) ?? { points: 0, low: 0, queried: 0 };
    entry.queried++;
    if (densityOf(row) < cutoff) entry.low++;
    perCell.set(cellOfPoint[row], entry);
  }
  for (let i = 0; i < rows; i++) {
    const entry = perCell.get(cellOfPoint[i]);
    if (entry) entry.points++;
  }
  let covered = 0;
  let lowEstimate = 0;
  const shares = new Map<number, { points: number; low: number }>();
  for (const [cell, entry] of perCell) {
    covered += entry.points;
    lowEstimate += (entry.points * entry.low) / entry.queried;
    shares.set(cell, { points: entry.points, low: (entry.points * entry.low) / entry.queried });
  }
  const sampledSparse = sparseQueries.length < sparseTotal;
  return {
    method: "approximate",
    description:
      `${approximateDescription(rows, cols, m, k, reference.length)}; computed for ` +
      (sampledSparse
        ? `a sample of ${sparseQueries.length} of the ${sparseTotal} sparse-cell points (${perCellQuota > 0 ? `up to ${perCellQuota} in every sparse cell` : "one in each of a sample of the sparse cells"}), `
        : `all ${sparseTotal} sparse-cell points, `) +
      `the low-density cutoff from a uniform sample of ${cutoffRows.length} rows`,
    agreement: {
      lowDensityCutoff: cutoff,
      sparsePointsLowShare: covered ? lowEstimate / covered : 0,
      baseline: baselineLow / cutoffDensities.length,
      disagreeingCells: disagreeingCells(shares),
    },
    queried: needed.length,
  };
}

/**
 * The sparse-cell points whose density is computed: all of them up to `limit`; beyond it a
 * stratified sample, so every sparse cell is represented — the largest per-cell quota q with
 * Σ min(points in cell, q) ≤ limit, q points drawn (seeded) from each cell that has more. With more
 * sparse cells than `limit`, one point from each of `limit` cells drawn at random (quota 0).
 */
function sparseCellQueries(cellOfPoint: Uint32Array, sparse: Uint8Array, limit: number, seed: number): { queries: Uint32Array; total: number; perCellQuota: number } {
  const byCell = new Map<number, number[]>();
  let total = 0;
  for (let i = 0; i < cellOfPoint.length; i++) {
    if (!sparse[cellOfPoint[i]]) continue;
    total++;
    const members = byCell.get(cellOfPoint[i]);
    if (members) members.push(i);
    else byCell.set(cellOfPoint[i], [i]);
  }
  const cells = [...byCell.keys()].sort((a, b) => a - b);
  const random = createRandom(seed + 2);
  if (total <= limit) return { queries: Uint32Array.from([...byCell.values()].flat()).sort(), total, perCellQuota: Infinity };
  const taken = (quota: number) => cells.reduce((sum, cell) => sum + Math.min(byCell.get(cell)!.length, quota), 0);
  let low = 0;
  let high = limit;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (taken(mid) <= limit) low = mid;
    else high = mid - 1;
  }
  const quota = low;
  const queries: number[] = [];
  if (quota === 0) {
    for (const at of sampleIndices(random, cells.length, limit)) {
      const members = byCell.get(cells[at])!;
      queries.push(members[Math.floor(random() * members.length)]);
    }
  } else {
    for (const cell of cells) {
      const members = byCell.get(cell)!;
      if (members.length <= quota) queries.push(...members);
      else for (const at of sampleIndices(random, members.length, quota)) queries.push(members[at]);
    }
  }
  return { queries: Uint32Array.from(queries).sort(), total, perCellQuota: quota };
}

/**
 * Projects the `rows` (ascending) of a source onto `projection` (`m × cols`): read where the source
 * can seek to them, else picked out of one pass; gathered into a staging block and projected a
 * block at a time.
 */
async function projectRows(source: RowSource & { inMemory?: Float32Array | Float64Array }, rows: Uint32Array, projection: Float64Array, m: number, out: Float32Array): Promise<void> {
  const { cols } = source;
  const zeros = new Float64Array(m);
  const stagingRows = Math.max(1, Math.min(rows.length, Math.floor((8 << 20) / (cols * 4))));
  const staging = new Float32Array(stagingRows * cols);
  let staged = 0;
  let done = 0;
  const flush = () => {
    projectBlock(staging, staged, cols, null, projection, m, zeros, out, done * m);
    done += staged;
    staged = 0;
  };
  const take = (data: Float32Array | Float64Array, row: number) => {
    staging.set(data.subarray(row * cols, (row + 1) * cols), staged * cols);
    if (++staged === stagingRows) flush();
  };
  if (source.inMemory) {
    for (const row of rows) take(source.inMemory, row);
  } else if (source.rowsAt) {
    // A source that seeks: the wanted rows alone, already in order.
    for await (const block of source.rowsAt(rows)) for (let r = 0; r < block.rows; r++) take(block.data, r);
  } else {
    let first = 0;
    for await (const block of source.blocks() as AsyncIterable<RowBlock> | Iterable<RowBlock>) {
      const last = first + block.rows;
      while (done + staged < rows.length && rows[done + staged] < last) take(block.data, rows[done + staged] - first);
      first = last;
    }
    if (first !== source.rows) throw new RangeError(`row source yielded ${first} rows, declared ${source.rows}`);
  }
  if (staged > 0) flush();
}

/** How grid sparsity and kNN density agree. */
export interface DensityAgreement {
  /** kNN-density value below which a point counts as low density (the `quantile` of all points). */
  lowDensityCutoff: number;
  /** Share of the points in grid-sparse cells whose kNN density is in the low quantile. */
  sparsePointsLowShare: number;
  /** Share of all points in the low quantile (= quantile, for reference). */
  baseline: number;
  /** Sparse cells where fewer than half the points have low kNN density. */
  disagreeingCells: { cell: number; points: number; lowShare: number }[];
}

/**
 * Compares the grid's sparse cells with the kNN density: a sparse cell "agrees" when
 * most of its points are in the lowest `quantile` of kNN density (default 0.25).
 */
export function compareDensities(cellOfPoint: Uint32Array, sparse: Uint8Array, knn: KnnDensity, quantile = 0.25): DensityAgreement {
  const rows = cellOfPoint.length;
  if (knn.density.length !== rows) throw new RangeError(`kNN density has ${knn.density.length} points, the grid ${rows}`);
  const sorted = Float64Array.from(knn.density).sort();
  const cutoff = sorted[Math.min(rows - 1, Math.floor(quantile * rows))];
  const perCell = new Map<number, { points: number; low: number }>();
  let sparsePoints = 0;
  let sparseLow = 0;
  let low = 0;
  for (let i = 0; i < rows; i++) {
    const isLow = knn.density[i] < cutoff;
    if (isLow) low++;
    const cell = cellOfPoint[i];
    if (!sparse[cell]) continue;
    sparsePoints++;
    if (isLow) sparseLow++;
    const entry = perCell.get(cell) ?? { points: 0, low: 0 };
    entry.points++;
    if (isLow) entry.low++;
    perCell.set(cell, entry);
  }
  return { lowDensityCutoff: cutoff, sparsePointsLowShare: sparsePoints ? sparseLow / sparsePoints : 0, baseline: low / rows, disagreeingCells: disagreeingCells(perCell) };
}

/** Sparse cells where fewer than half the points have low kNN density, most disagreeing first. */
function disagreeingCells(perCell: Map<number, { points: number; low: number }>): DensityAgreement["disagreeingCells"] {
  return [...perCell.entries()]
    .map(([cell, { points, low }]) => ({ cell, points, lowShare: low / points }))
    .filter((entry) => entry.lowShare < 0.5)
    .sort((a, b) => a.lowShare - b.lowShare || a.cell - b.cell);
}
