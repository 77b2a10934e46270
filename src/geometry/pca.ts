/**
 * Principal component analysis by randomized subspace iteration, in memory or
 * streamed over row blocks. Linear, so the midpoint of two embeddings projects to the
 * midpoint of their projections (the property §3.5 of the EmbedSDG paper relies on).
 */
import { accumulateCenteredGram, accumulateColumnMoments, gramScratch, projectBlock } from "./dense-kernels.js";
import type { RowBlock, RowSource } from "./matrix.js";
import { checkShape, denseRowSource } from "./matrix.js";
import type { RandomizedOptions, SubspaceSteps, TopEigen } from "./subspace-iteration.js";
import { coordinatesOnComponents, subspaceIteration, transpose } from "./subspace-iteration.js";
import { checkRank } from "./check-rank.js";
import { type Pass, rowProjectionPass } from "./projection-pass.js";
import { gramThreadCount, startGramThreads, type GramThreads } from "./gram-workers.js";

/** A fitted PCA: project with {@link projectPca}. */
export interface PcaModel {
  /** Column means (length cols). */
  mean: Float64Array;
  /** `k × cols`, row-major, orthonormal rows, sign-normalised. */
  components: Float64Array;
  k: number;
  cols: number;
  /** Variance along each component (n − 1 denominator). */
  explainedVariance: Float64Array;
  /** Share of the total variance along each component. */
  explainedVarianceRatio: Float64Array;
  /** Passes over the data, including the mean pass. */
  passes: number;
}

/** A fitted PCA and the rows' coordinates on it (`rows × k` float32), from the same passes. */
export interface PcaFit {
  model: PcaModel;
  points: Float32Array;
}

/** Fits PCA with k components on an in-memory row-major `rows × cols` matrix, on the calling thread. */
export function pca(data: Float32Array | Float64Array, rows: number, cols: number, k: number, options: RandomizedOptions = {}): PcaModel {
  checkShape(data, rows, cols);
  const source = denseRowSource(data, rows, cols);
  const state = startPca(rows, cols, k, options, false);
  let step = state.steps.next();
  if (!step.done && step.value.final) {
    const pass = state.meanPass();
    for (const block of source.blocks()) pass.add(block);
    pass.finish();
  }
  while (!step.done) {
    const pass = state.beginPass(step.value);
    for (const block of source.blocks()) pass.add(block);
    step = state.steps.next(pass.finish());
  }
  return state.model(step.value);
}

/**
 * Fits PCA on a streamed matrix. The first pass gathers the mean and the first power iteration
 * together (the centered product is corrected once the mean is known), so a fit takes one pass per
 * power iteration plus a final half pass. Memory: the current block plus O(cols × (k + oversample)).
 * The Gram products run on `options.threads` threads (gram-workers.ts) when the problem is big
 * enough; the answer then differs from the one-thread answer only by rounding.
 */
export async function pcaStreaming(source: RowSource, k: number, options: RandomizedOptions = {}): Promise<PcaModel> {
  return (await fitStreaming(source, k, options, false)).model;
}

/**
 * {@link pcaStreaming} and the rows' coordinates in the same passes: the final pass keeps each
 * row's product with the basis (T = (X − 1μᵀ)Z, `rows × (k + oversample)`), whose TᵀT is the small
 * matrix the fit needs and whose product with the small eigenvectors is the projection, so no
 * pass over the data is spent on projecting.
 */
export async function pcaFitTransform(source: RowSource, k: number, options: RandomizedOptions = {}): Promise<PcaFit> {
  const fit = await fitStreaming(source, k, options, true);
  return { model: fit.model, points: fit.points as Float32Array };
}

/** {@link pca} with the Gram products on several threads (see {@link pcaStreaming}); `data` is not copied whole. */
export async function pcaInWorkers(data: Float32Array | Float64Array, rows: number, cols: number, k: number, options: RandomizedOptions = {}): Promise<PcaModel> {
  return pcaStreaming(denseRowSource(data, rows, cols), k, options);
}

async function fitStreaming(source: RowSource, k: number, options: RandomizedOptions, project: boolean): Promise<{ model: PcaModel; points: Float32Array | null }> {
  const state = startPca(source.rows, source.cols, k, options, project);
  let step = state.steps.next();
  if (!step.done && step.value.final) {
    // No power iteration: the final pass needs the mean before it starts.
    const pass = state.meanPass();
    for await (const block of source.blocks()) pass.add(block);
    pass.finish();
  }
  const threadCount = step.done ? 1 : gramThreadCount(source.rows, source.cols, step.value.width, options);
  const threads = threadCount > 1 ? startGramThreads(threadCount) : null;
  try {
    while (!step.done) {
      const pass = state.beginPass(step.value, threads);
      for await (const block of source.blocks()) await pass.add(block);
      step = state.steps.next(pass.finish());
    }
    const model = state.model(step.value);
    return { model, points: project ? state.points(model) : null };
  } finally {
    await threads?.close();
  }
}

/** Projects rows onto a fitted model: returns `rows × k` float32. */
export function projectPca(model: PcaModel, data: Float32Array | Float64Array, rows: number, cols: number): Float32Array {
  checkShape(data, rows, cols);
  if (cols !== model.cols) throw new RangeError(`data has ${cols} columns, the PCA model ${model.cols}`);
  const out = new Float32Array(rows * model.k);
  projectBlock(data, rows, cols, model.mean, model.components, model.k, meanProjection(model), out, 0);
  return out;
}

/** Projects a streamed matrix onto a fitted model: returns `rows × k` float32. */
export async function projectPcaStreaming(model: PcaModel, source: RowSource): Promise<Float32Array> {
  if (source.cols !== model.cols) throw new RangeError(`data has ${source.cols} columns, the PCA model ${model.cols}`);
  const out = new Float32Array(source.rows * model.k);
  const projectedMean = meanProjection(model);
  let row = 0;
  for await (const block of source.blocks()) {
    projectBlock(block.data, block.rows, model.cols, model.mean, model.components, model.k, projectedMean, out, row * model.k);
    row += block.rows;
  }
  if (row !== source.rows) throw new RangeError(`row source yielded ${row} rows, declared ${source.rows}`);
  return out;
}

function meanProjection(model: PcaModel): Float64Array {
  const out = new Float64Array(model.k);
  for (let t = 0; t < model.k; t++) {
    let sum = 0;
    for (let c = 0; c < model.cols; c++) sum += model.mean[c] * model.components[t * model.cols + c];
    out[t] = sum;
  }
  return out;
}


/**
 * The pass bookkeeping shared by the sync and async drivers. Until the mean is known, a power
 * pass accumulates the uncentered product XᵀXZ with the column sums s: the centered product is
 * XᵀXZ − μ(sᵀZ), the same correction a centered pass applies with its Σt. With `project`, the
 * final pass keeps T = (X − 1μᵀ)Z for {@link points}.
 */
function startPca(rows: number, cols: number, k: number, options: RandomizedOptions, project: boolean) {
  checkRank("PCA", rows, cols, k, true);
  const mean = new Float64Array(cols);
  const steps: SubspaceSteps = subspaceIteration(cols, k, options);
  let meanKnown = false;
  let totalSquares = 0;
  let passes = 0;
  let finalBasis: { basis: Float64Array; width: number; coordinates: Float64Array } | null = null;
  const checkRows = (seen: number) => {
    if (seen !== rows) throw new RangeError(`row source yielded ${seen} rows, declared ${rows}`);
  };
  const finishMean = (sums: Float64Array) => {
    for (let c = 0; c < cols; c++) mean[c] = sums[c] / rows;
    meanKnown = true;
  };
  /** Σ‖x‖² − n‖μ‖² = Σ‖x − μ‖². */
  const centerSquares = (squares: number) => {
    let meanSquares = 0;
    for (let c = 0; c < cols; c++) meanSquares += mean[c] * mean[c];
    return Math.max(0, squares - rows * meanSquares);
  };
  return {
    steps,
    /** A pass for the mean alone (only when the first pass is already the final one). */
    meanPass() {
      const sums = new Float64Array(cols);
      let seen = 0;
      let squares = 0;
      return {
        add(block: RowBlock) {
          squares += accumulateColumnMoments(block.data, block.rows, cols, sums);
          seen += block.rows;
        },
        finish() {
          checkRows(seen);
          passes++;
          finishMean(sums);
          totalSquares = centerSquares(squares);
        },
      };
    },
    beginPass(step: { basis: Float64Array; width: number; final: boolean }, threads: GramThreads | null = null): Pass {
      const { basis, width, final } = step;
      passes++;
      if (final && project) return projectionPass(basis, width, threads);
      const fusedMean = !meanKnown;
      const columnSums = fusedMean ? new Float64Array(cols) : null;
      // Σ‖x‖² in float64 here, whatever precision the Gram kernel sums in: Σ‖x‖² − n‖μ‖² cancels.
      let rowSquares = 0;
      const passMean = fusedMean ? new Float64Array(cols) : mean;
      const meanBasis = new Float64Array(width);
      if (!fusedMean) for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
      let seen = 0;
      const finishProduct = (out: Float64Array, sums: Float64Array, small: Float64Array | null): Float64Array => {
        checkRows(seen);
        if (columnSums) {
          finishMean(columnSums);
          totalSquares = centerSquares(rowSquares);
        }
        if (small) {
          // ZᵀGZ: the final pass runs centered, so only (XZ − 1μᵀZ)ᵀ(…) reaches here.
          return small;
        }
        for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) out[c * width + j] -= mean[c] * sums[j];
        return out;
      };
      if (threads) {
        const threaded = threads.beginPass({ cols, mean: passMean, basis, width, meanBasis, wantSquares: false, final });
        return {
          async add(block: RowBlock): Promise<void> {
            if (columnSums) rowSquares += accumulateColumnMoments(block.data, block.rows, cols, columnSums);
            await threaded.add(block);
            seen += block.rows;
          },
          finish(): Float64Array {
            const sums = threaded.finish();
            return finishProduct(sums.product, sums.centeringSums, sums.smallGram);
          },
        };
      }
      const product = new Float64Array(final ? 0 : cols * width);
      const smallGram = final ? new Float64Array(width * width) : null;
      const centeringSums = new Float64Array(width);
      const scratch = gramScratch(width);
      return {
        add(block: RowBlock) {
          if (columnSums) rowSquares += accumulateColumnMoments(block.data, block.rows, cols, columnSums);
          accumulateCenteredGram(block.data, block.rows, cols, passMean, basis, width, meanBasis, product, centeringSums, scratch, false, smallGram);
          seen += block.rows;
        },
        finish: () => finishProduct(product, centeringSums, smallGram),
      };
    },
    model(top: TopEigen): PcaModel {
      const explainedVariance = top.eigenvalues.map((v) => v / (rows - 1));
      const totalVariance = totalSquares / (rows - 1);
      const explainedVarianceRatio = explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0));
      return { mean, components: top.components, k, cols, explainedVariance, explainedVarianceRatio, passes };
    },
    /** The rows' coordinates from the final pass's T: T·V with V = Zᵀ·componentsᵀ (`width × k`). */
    points(model: PcaModel): Float32Array {
      if (!finalBasis) throw new Error("PCA points asked for without a projecting final pass");
      return coordinatesOnComponents(finalBasis.coordinates, rows, finalBasis.basis, finalBasis.width, model.components, k, cols);
    },
  };

  /** The final pass of a fit that also projects: T = (X − 1μᵀ)Z kept, ZᵀGZ = TᵀT returned. */
  function projectionPass(basis: Float64Array, width: number, threads: GramThreads | null): Pass {
    const components = transpose(basis, cols, width);
    const meanProjection = new Float64Array(width);
    for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanProjection[j] += mean[c] * basis[c * width + j];
    const coordinates = threads ? new Float64Array(new SharedArrayBuffer(rows * width * Float64Array.BYTES_PER_ELEMENT)) : new Float64Array(rows * width);
    finalBasis = { basis, width, coordinates };
    return rowProjectionPass({ rows, cols, mean, components, width, meanProjection, coordinates, threads });
  }
}
