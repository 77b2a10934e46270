/**
 * Truncated SVD (no centering, so sparse input stays sparse — the usual reduction for
 * TF-IDF), sharing the randomized subspace iteration with PCA. Works on CSR sparse
 * matrices, on dense in-memory matrices and on dense matrices streamed in row blocks.
 */
import { accumulateCenteredGram, gramScratch, projectBlock } from "./dense-kernels.js";
import { gramThreadCount, startGramThreads } from "./gram-workers.js";
import { checkShape, denseRowSource, type RowSource } from "./matrix.js";
import type { RandomizedOptions, SubspaceSteps, TopEigen } from "./subspace-iteration.js";
import { checkRank } from "./check-rank.js";
import { rowProjectionPass } from "./projection-pass.js";
import { coordinatesOnComponents, subspaceIteration, transpose } from "./subspace-iteration.js";

/** Compressed sparse rows: row i holds `indices/values[indptr[i] .. indptr[i+1])`. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array | Float64Array;
}

/** A fitted truncated SVD: X ≈ U·diag(s)·Vᵀ, with Vᵀ = `components`. */
export interface SvdModel {
  /** `k × cols`, orthonormal rows (right singular vectors), sign-normalised. */
  components: Float64Array;
  singularValues: Float64Array;
  k: number;
  cols: number;
  passes: number;
}

/** Truncated SVD of a CSR matrix. */
export function truncatedSvd(matrix: CsrMatrix, k: number, options: RandomizedOptions = {}): SvdModel {
  checkCsr(matrix);
  const { rows, cols, indptr, indices, values } = matrix;
  checkRank("truncated SVD", rows, cols, k, false);
  return drive(subspaceIteration(cols, k, options), cols, k, (basis, width, final) => {
    const out = new Float64Array(final ? width * width : cols * width);
    const t = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      t.fill(0);
      const end = indptr[r + 1];
      for (let p = indptr[r]; p < end; p++) {
        const value = values[p];
        const offset = indices[p] * width;
        for (let j = 0; j < width; j++) t[j] += value * basis[offset + j];
      }
      if (final) {
        for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) out[a * width + b] += t[a] * t[b];
        continue;
      }
      for (let p = indptr[r]; p < end; p++) {
        const value = values[p];
        const offset = indices[p] * width;
        for (let j = 0; j < width; j++) out[offset + j] += value * t[j];
      }
    }
    return out;
  });
}

/** Truncated SVD of a dense row-major `rows × cols` matrix (no centering). */
export function truncatedSvdDense(data: Float32Array | Float64Array, rows: number, cols: number, k: number, options: RandomizedOptions = {}): SvdModel {
  checkShape(data, rows, cols);
  checkRank("truncated SVD", rows, cols, k, false);
  const zeros = new Float64Array(cols);
  return drive(subspaceIteration(cols, k, options), cols, k, (basis, width, final) => {
    const small = final ? new Float64Array(width * width) : null;
    const product = new Float64Array(final ? 0 : cols * width);
    const sums = new Float64Array(width);
    accumulateCenteredGram(data, rows, cols, zeros, basis, width, new Float64Array(width), product, sums, gramScratch(width), false, small);
    return small ?? product;
  });
}

/**
 * Truncated SVD of a dense matrix streamed in row blocks (no centering): one pass per power
 * iteration and a final half pass, memory O(cols × (k + oversample)) plus one block, so embeddings
 * too big to load still reduce. Same passes as {@link truncatedSvdDense}: on one thread the same
 * rows give the same model.
 */
export async function truncatedSvdStreaming(source: RowSource, k: number, options: RandomizedOptions = {}): Promise<SvdModel> {
  return (await svdStreaming(source, k, options, false)).model;
}

/**
 * {@link truncatedSvdStreaming} and the rows' coordinates X·V (`rows × k` float32) in the same
 * passes: the final pass keeps T = X·Z, whose TᵀT is what the fit needs and whose product with the
 * small eigenvectors is the projection (see pca.ts's `pcaFitTransform`).
 */
export async function truncatedSvdFitTransform(source: RowSource, k: number, options: RandomizedOptions = {}): Promise<{ model: SvdModel; points: Float32Array }> {
  const fit = await svdStreaming(source, k, options, true);
  return { model: fit.model, points: fit.points as Float32Array };
}

async function svdStreaming(source: RowSource, k: number, options: RandomizedOptions, project: boolean): Promise<{ model: SvdModel; points: Float32Array | null }> {
  const { rows, cols } = source;
  checkRank("truncated SVD", rows, cols, k, false);
  const zeros = new Float64Array(cols);
  const steps = subspaceIteration(cols, k, options);
  let step = steps.next();
  // The Gram products on several threads when big enough (gram-workers.ts): equal up to rounding.
  const threadCount = step.done ? 1 : gramThreadCount(rows, cols, step.value.width, options);
  const threads = threadCount > 1 ? startGramThreads(threadCount) : null;
  let projected: { basis: Float64Array; width: number; coordinates: Float64Array } | null = null;
  try {
    while (!step.done) {
      const { basis, width, final } = step.value;
      const zeroBasis = new Float64Array(width);
      let seen = 0;
      let result: Float64Array;
      if (final && project) {
        const coordinates = threads ? new Float64Array(new SharedArrayBuffer(rows * width * Float64Array.BYTES_PER_ELEMENT)) : new Float64Array(rows * width);
        const pass = rowProjectionPass({ rows, cols, mean: null, components: transpose(basis, cols, width), width, meanProjection: zeroBasis, coordinates, threads });
        for await (const block of source.blocks()) {
          await pass.add(block);
          seen += block.rows;
        }
        result = pass.finish();
        projected = { basis, width, coordinates };
      } else if (threads) {
        const pass = threads.beginPass({ cols, mean: zeros, basis, width, meanBasis: zeroBasis, wantSquares: false, final });
        for await (const block of source.blocks()) {
          await pass.add(block);
          seen += block.rows;
        }
        const sums = pass.finish();
        result = sums.smallGram ?? sums.product;
      } else {
        const small = final ? new Float64Array(width * width) : null;
        const product = new Float64Array(final ? 0 : cols * width);
        const sums = new Float64Array(width);
        const scratch = gramScratch(width);
        for await (const block of source.blocks()) {
          accumulateCenteredGram(block.data, block.rows, cols, zeros, basis, width, zeroBasis, product, sums, scratch, false, small);
          seen += block.rows;
        }
        result = small ?? product;
      }
      if (seen !== rows) throw new RangeError(`row source yielded ${seen} rows, declared ${rows}`);
      step = steps.next(result);
    }
    const model = svdModel(step.value, k, cols);
    const points = projected ? coordinatesOnComponents(projected.coordinates, rows, projected.basis, projected.width, model.components, k, cols) : null;
    return { model, points };
  } finally {
    await threads?.close();
  }
}

/** {@link truncatedSvdDense} with the Gram products on several threads (see {@link truncatedSvdStreaming}). */
export async function truncatedSvdDenseInWorkers(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
  k: number,
  options: RandomizedOptions = {},
): Promise<SvdModel> {
  checkShape(data, rows, cols);
  return truncatedSvdStreaming(denseRowSource(data, rows, cols), k, options);
}

/** Row coordinates X·V of a streamed dense matrix: `rows × k` float32. */
export async function projectSvdStreaming(model: SvdModel, source: RowSource): Promise<Float32Array> {
  if (source.cols !== model.cols) throw new RangeError(`data has ${source.cols} columns, the SVD model ${model.cols}`);
  const out = new Float32Array(source.rows * model.k);
  const zeros = new Float64Array(model.k);
  let row = 0;
  for await (const block of source.blocks()) {
    projectBlock(block.data, block.rows, model.cols, null, model.components, model.k, zeros, out, row * model.k);
    row += block.rows;
  }
  if (row !== source.rows) throw new RangeError(`row source yielded ${row} rows, declared ${source.rows}`);
  return out;
}

/** Row coordinates U·diag(s) = X·V of a CSR matrix: `rows × k` float32. */
export function projectSvdSparse(model: SvdModel, matrix: CsrMatrix): Float32Array {
  checkCsr(matrix);
  if (matrix.cols !== model.cols) throw new RangeError(`matrix has ${matrix.cols} columns, the SVD model ${model.cols}`);
  const { k, cols, components } = model;
  const out = new Float32Array(matrix.rows * k);
  for (let r = 0; r < matrix.rows; r++) {
    for (let t = 0; t < k; t++) {
      let sum = 0;
      for (let p = matrix.indptr[r]; p < matrix.indptr[r + 1]; p++) sum += matrix.values[p] * components[t * cols + matrix.indices[p]];
      out[r * k + t] = sum;
    }
  }
  return out;
}

/** Row coordinates X·V of a dense matrix: `rows × k` float32. */
export function projectSvdDense(model: SvdModel, data: Float32Array | Float64Array, rows: number, cols: number): Float32Array {
  checkShape(data, rows, cols);
  const out = new Float32Array(rows * model.k);
  projectBlock(data, rows, cols, null, model.components, model.k, new Float64Array(model.k), out, 0);
  return out;
}

function drive(
  steps: SubspaceSteps,
  cols: number,
  k: number,
  pass: (basis: Float64Array, width: number, final: boolean) => Float64Array,
): SvdModel {
  let step = steps.next();
  while (!step.done) step = steps.next(pass(step.value.basis, step.value.width, step.value.final));
  return svdModel(step.value, k, cols);
}

function svdModel(top: TopEigen, k: number, cols: number): SvdModel {
  return { components: top.components, singularValues: top.eigenvalues.map(Math.sqrt), k, cols, passes: top.passes };
}

function checkCsr(matrix: CsrMatrix): void {
  const { rows, cols, indptr, indices, values } = matrix;
  if (indptr.length !== rows + 1) throw new RangeError(`CSR indptr has ${indptr.length} entries, expected rows + 1 = ${rows + 1}`);
  const nnz = indptr[rows];
  if (indices.length < nnz || values.length < nnz) throw new RangeError(`CSR holds ${Math.min(indices.length, values.length)} entries, indptr says ${nnz}`);
  for (let p = 0; p < nnz; p++) {
    if (indices[p] >= cols) throw new RangeError(`CSR column index ${indices[p]} at entry ${p} is outside ${cols} columns`);
  }
}
