/**
 * Principal component analysis by randomized subspace iteration, in memory or
 * streamed over row blocks. Linear, so the midpoint of two embeddings projects to the
 * midpoint of their projections (the property §3.5 of the EmbedSDG paper relies on).
 */
import { accumulateCenteredGram, accumulateColumnSums, gramScratch, projectBlock } from "./dense-kernels.js";
import type { RowBlock, RowSource } from "./matrix.js";
import { checkShape, denseRowSource } from "./matrix.js";
import type { RandomizedOptions, SubspaceSteps, TopEigen } from "./subspace-iteration.js";
import { subspaceIteration } from "./subspace-iteration.js";
import { checkRank } from "./check-rank.js";
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

/** Fits PCA with k components on an in-memory row-major `rows × cols` matrix. */
export function pca(data: Float32Array | Float64Array, rows: number, cols: number, k: number, options: RandomizedOptions = {}): PcaModel {
  checkShape(data, rows, cols);
  const source = denseRowSource(data, rows, cols);
  const state = startPca(rows, cols, k, options);
  for (const block of source.blocks()) state.addToMean(block);
  state.finishMean();
  let step = state.steps.next();
  while (!step.done) {
    const pass = state.beginPass(step.value.basis, step.value.width, step.value.final);
    for (const block of source.blocks()) pass.add(block);
    step = state.steps.next(pass.finish());
  }
  return state.model(step.value);
}

/**
 * Fits PCA on a streamed matrix: one pass for the mean, then `iterations + 1` passes
 * for the subspace. Memory: the current block plus O(cols × (k + oversample)). The Gram
 * products run on `options.threads` threads (gram-workers.ts) when the problem is big enough;
 * the answer then differs from the one-thread answer only by rounding.
 */
export async function pcaStreaming(source: RowSource, k: number, options: RandomizedOptions = {}): Promise<PcaModel> {
  const state = startPca(source.rows, source.cols, k, options);
  for await (const block of source.blocks()) state.addToMean(block);
  state.finishMean();
  let step = state.steps.next();
  const threadCount = step.done ? 1 : gramThreadCount(source.rows, source.cols, step.value.width, options);
  const threads = threadCount > 1 ? startGramThreads(threadCount) : null;
  try {
    while (!step.done) {
      const pass = state.beginPass(step.value.basis, step.value.width, step.value.final, threads);
      for await (const block of source.blocks()) await pass.add(block);
      step = state.steps.next(pass.finish());
    }
    return state.model(step.value);
  } finally {
    await threads?.close();
  }
}

/** {@link pca} with the Gram products on several threads (see {@link pcaStreaming}); `data` is not copied whole. */
export async function pcaInWorkers(data: Float32Array | Float64Array, rows: number, cols: number, k: number, options: RandomizedOptions = {}): Promise<PcaModel> {
  return pcaStreaming(denseRowSource(data, rows, cols), k, options);
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

/** The pass bookkeeping shared by the sync and async drivers. */
function startPca(rows: number, cols: number, k: number, options: RandomizedOptions) {
  checkRank("PCA", rows, cols, k, true);
  const mean = new Float64Array(cols);
  const steps: SubspaceSteps = subspaceIteration(cols, k, options);
  let meanRows = 0;
  let totalSquares = 0;
  let firstPass = true;
  return {
    steps,
    addToMean(block: RowBlock) {
      accumulateColumnSums(block.data, block.rows, cols, mean);
      meanRows += block.rows;
    },
    finishMean(): void {
      if (meanRows !== rows) throw new RangeError(`row source yielded ${meanRows} rows, declared ${rows}`);
      for (let c = 0; c < cols; c++) mean[c] /= rows;
    },
    beginPass(basis: Float64Array, width: number, final: boolean, threads: GramThreads | null = null) {
      const product = new Float64Array(final ? 0 : cols * width);
      const smallGram = final ? new Float64Array(width * width) : null;
      const centeringSums = new Float64Array(width);
      const scratch = gramScratch(width);
      const meanBasis = new Float64Array(width);
      for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
      let seen = 0;
      const wantSquares = firstPass;
      firstPass = false;
      const finishProduct = (out: Float64Array, sums: Float64Array, small: Float64Array | null): Float64Array => {
        if (small) return small;
        for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) out[c * width + j] -= mean[c] * sums[j];
        return out;
      };
      if (threads) {
        const threaded = threads.beginPass({ cols, mean, basis, width, meanBasis, wantSquares, final });
        return {
          async add(block: RowBlock): Promise<void> {
            await threaded.add(block);
            seen += block.rows;
          },
          finish(): Float64Array {
            if (seen !== rows) throw new RangeError(`row source yielded ${seen} rows, declared ${rows}`);
            const sums = threaded.finish();
            if (wantSquares) totalSquares += sums.squares;
            return finishProduct(sums.product, sums.centeringSums, sums.smallGram);
          },
        };
      }
      return {
        add(block: RowBlock) {
          const squares = accumulateCenteredGram(block.data, block.rows, cols, mean, basis, width, meanBasis, product, centeringSums, scratch, wantSquares, smallGram);
          if (wantSquares) totalSquares += squares;
          seen += block.rows;
        },
        finish(): Float64Array {
          if (seen !== rows) throw new RangeError(`row source yielded ${seen} rows, declared ${rows}`);
          return finishProduct(product, centeringSums, smallGram);
        },
      };
    },
    model(top: TopEigen): PcaModel {
      const explainedVariance = top.eigenvalues.map((v) => v / (rows - 1));
      const totalVariance = totalSquares / (rows - 1);
      const explainedVarianceRatio = explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0));
      return { mean, components: top.components, k, cols, explainedVariance, explainedVarianceRatio, passes: top.passes + 1 };
    },
  };
}
