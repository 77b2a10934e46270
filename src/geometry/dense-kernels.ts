/**
 * Hot loops over dense row blocks. Plain indexed loops over typed arrays, no
 * allocation per row: these run n × cols × width times per pass.
 *
 * {@link accumulateCenteredGram} and {@link projectBlock} run the WebAssembly SIMD kernels
 * (wasm/simd-kernels.ts) where the runtime has them, and their JavaScript float64 versions
 * otherwise or when `setSimdKernels(false)`.
 */
import { accumulateCenteredGramSimd, accumulateColumnMomentsSimd, projectBlockSimd, simdKernels } from "./wasm/simd-kernels.js";

/** sums[c] += Σ_rows block[r, c]. */
export function accumulateColumnSums(block: Float32Array | Float64Array, rows: number, cols: number, sums: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += block[base + c];
  }
}

/**
 * sums[c] += Σ_rows block[r, c] and returns Σ‖x‖² over the block, both in float64 (a pass's
 * mean and total variance together; Σ‖x‖² − n‖μ‖² cancels, so no float32 sums here). The
 * SIMD path gives the column sums to the same bits and Σ‖x‖² summed in another order.
 */
export function accumulateColumnMoments(block: Float32Array | Float64Array, rows: number, cols: number, sums: Float64Array): number {
  const simd = simdKernels();
  if (simd && block instanceof Float32Array) return accumulateColumnMomentsSimd(simd, block, rows, cols, sums);
  return accumulateColumnMomentsJs(block, rows, cols, sums);
}

/** {@link accumulateColumnMoments} in plain JavaScript. */
export function accumulateColumnMomentsJs(block: Float32Array | Float64Array, rows: number, cols: number, sums: Float64Array): number {
  let squares = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const x = block[base + c];
      sums[c] += x;
      squares += x * x;
    }
  }
  return squares;
}

/**
 * Rows handled together so the Z and W panels are reused from cache. Exported because the
 * Gram worker threads (gram-workers.ts) run {@link accumulateCenteredGramJs}'s source text and
 * must define the same constant.
 */
export const PANEL_ROWS = 32;

/**
 * One block of the centered Gram product W += (X−1μᵀ)ᵀ(X−1μᵀ)Z without forming X−1μᵀ:
 * per row, t = x·Z − μ·Z, then W += x tᵀ; the caller subtracts μ(Σt)ᵀ once at the end
 * (`centeringSums` collects Σt). `meanBasis` is μᵀZ. Pass a zero mean for an uncentered
 * Gram product. `scratch` needs PANEL_ROWS × width entries (see {@link gramScratch}).
 * Returns Σ‖x−μ‖² over the block when `wantSquares`. With `smallGram` (width × width)
 * it accumulates Σ t tᵀ = ZᵀGZ instead of W and skips the second half of the work.
 *
 * Runs the WebAssembly SIMD kernel where it is on (float32 products, rows centered first,
 * float64 sums across rows; `meanBasis` and `scratch` unused there), else
 * {@link accumulateCenteredGramJs}.
 */
export function accumulateCenteredGram(
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array,
  basis: Float64Array,
  width: number,
  meanBasis: Float64Array,
  product: Float64Array,
  centeringSums: Float64Array,
  scratch: Float64Array,
  wantSquares: boolean,
  smallGram: Float64Array | null = null,
): number {
  const simd = simdKernels();
  if (simd) return accumulateCenteredGramSimd(simd, block, rows, cols, mean, basis, width, product, centeringSums, wantSquares, smallGram);
  return accumulateCenteredGramJs(block, rows, cols, mean, basis, width, meanBasis, product, centeringSums, scratch, wantSquares, smallGram);
}

/**
 * {@link accumulateCenteredGram} in plain JavaScript, float64 throughout. Import-free: the Gram
 * worker threads run its source text when SIMD is off.
 *
 * Speed: the width dimension is walked in chunks of 4 held in local variables, so each
 * multiply-add costs about one memory load instead of a load, a load and a store.
 */
export function accumulateCenteredGramJs(
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array,
  basis: Float64Array,
  width: number,
  meanBasis: Float64Array,
  product: Float64Array,
  centeringSums: Float64Array,
  scratch: Float64Array,
  wantSquares: boolean,
  smallGram: Float64Array | null = null,
): number {
  let squares = 0;
  const t = scratch;
  const fullChunks = width - (width % 4);
  for (let first = 0; first < rows; first += PANEL_ROWS) {
    const panel = Math.min(PANEL_ROWS, rows - first);
    // Phase 1: T = X_panel · Z − μᵀZ.
    for (let r = 0; r < panel; r++) {
      const base = (first + r) * cols;
      const tBase = r * width;
      let j = 0;
      for (; j < fullChunks; j += 4) {
        let t0 = -meanBasis[j], t1 = -meanBasis[j + 1], t2 = -meanBasis[j + 2], t3 = -meanBasis[j + 3];
        for (let c = 0, z = j; c < cols; c++, z += width) {
          const x = block[base + c];
          t0 += x * basis[z];
          t1 += x * basis[z + 1];
          t2 += x * basis[z + 2];
          t3 += x * basis[z + 3];
        }
        t[tBase + j] = t0;
        t[tBase + j + 1] = t1;
        t[tBase + j + 2] = t2;
        t[tBase + j + 3] = t3;
      }
      for (; j < width; j++) {
        let t0 = -meanBasis[j];
        for (let c = 0, z = j; c < cols; c++, z += width) t0 += block[base + c] * basis[z];
        t[tBase + j] = t0;
      }
      for (let jj = 0; jj < width; jj++) centeringSums[jj] += t[tBase + jj];
      if (smallGram) {
        for (let a = 0; a < width; a++) {
          const ta = t[tBase + a];
          for (let b = 0; b < width; b++) smallGram[a * width + b] += ta * t[tBase + b];
        }
      }
    }
    if (wantSquares) {
      for (let r = 0; r < panel; r++) {
        const base = (first + r) * cols;
        for (let c = 0; c < cols; c++) {
          const d = block[base + c] - mean[c];
          squares += d * d;
        }
      }
    }
    if (smallGram) continue;
    // Phase 2: W += X_panelᵀ · T, one output row of W at a time.
    const panelBase = first * cols;
    for (let c = 0; c < cols; c++) {
      const w = c * width;
      let j = 0;
      for (; j < fullChunks; j += 4) {
        let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (let r = 0, x = panelBase + c, tr = j; r < panel; r++, x += cols, tr += width) {
          const value = block[x];
          w0 += value * t[tr];
          w1 += value * t[tr + 1];
          w2 += value * t[tr + 2];
          w3 += value * t[tr + 3];
        }
        product[w + j] += w0;
        product[w + j + 1] += w1;
        product[w + j + 2] += w2;
        product[w + j + 3] += w3;
      }
      for (; j < width; j++) {
        let w0 = 0;
        for (let r = 0, x = panelBase + c, tr = j; r < panel; r++, x += cols, tr += width) w0 += block[x] * t[tr];
        product[w + j] += w0;
      }
    }
  }
  return squares;
}

/** Scratch buffer sized for {@link accumulateCenteredGram}. */
export function gramScratch(width: number): Float64Array {
  return new Float64Array(PANEL_ROWS * width);
}

/**
 * out[r, t] = (block[r] − μ)·components[t] for each row of the block; `out` is rows × k.
 * `meanProjection` must be μ·components[t] (the JavaScript path subtracts it; the SIMD path
 * centers the rows instead). Pass a null mean for no centering.
 */
export function projectBlock(
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array | null,
  components: Float64Array,
  k: number,
  meanProjection: Float64Array,
  out: Float32Array | Float64Array,
  outOffset: number,
): void {
  const simd = simdKernels();
  if (simd) projectBlockSimd(simd, block, rows, cols, mean, components, k, out, outOffset);
  else projectBlockJs(block, rows, cols, mean, components, k, meanProjection, out, outOffset);
}

/** {@link projectBlock} in plain JavaScript, float64 sums. */
export function projectBlockJs(
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array | null,
  components: Float64Array,
  k: number,
  meanProjection: Float64Array,
  out: Float32Array | Float64Array,
  outOffset: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let t = 0; t < k; t++) {
      const componentBase = t * cols;
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += block[base + c] * components[componentBase + c];
      out[outOffset + r * k + t] = sum - (mean ? meanProjection[t] : 0);
    }
  }
}

/**
 * Dot product of rows i and j of a row-major matrix (offsets `iBase = i·cols`, `jBase = j·cols`),
 * four accumulators so the loop pipelines: the inner kernel of the brute-force neighbour searches.
 */
export function rowDot(data: Float32Array | Float64Array, iBase: number, jBase: number, cols: number): number {
  let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0;
  let c = 0;
  for (; c + 3 < cols; c += 4) {
    dot0 += data[iBase + c] * data[jBase + c];
    dot1 += data[iBase + c + 1] * data[jBase + c + 1];
    dot2 += data[iBase + c + 2] * data[jBase + c + 2];
    dot3 += data[iBase + c + 3] * data[jBase + c + 3];
  }
  for (; c < cols; c++) dot0 += data[iBase + c] * data[jBase + c];
  return dot0 + dot1 + dot2 + dot3;
}
