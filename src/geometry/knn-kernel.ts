/**
 * The kNN distance kernel. {@link kthNeighbourRange} runs the WebAssembly SIMD kernel
 * (wasm/simd-kernels.ts) where the runtime has it, {@link kthNeighbourRangeJs} otherwise. The
 * JavaScript version has no imports and no inner functions: the worker threads run its source
 * text (see knn-workers.ts), so the main thread and the workers run the very same arithmetic and
 * agree to the bit.
 */
import { kthNeighbourRangeSimd, simdKernels } from "./wasm/simd-kernels.js";

/**
 * For query rows `first` ≤ i < `last`, the distance to the k-th nearest neighbour among the
 * `reference` rows (itself excluded), written to `out[i]`. `norms` are the rows' squared norms
 * (the JavaScript path computes ‖x‖² + ‖y‖² − 2x·y; the SIMD path Σ (x − y)² and ignores them).
 * Queries go in blocks of 64 against each reference row, for cache reuse, and the k smallest are
 * kept per query in a sorted list (k is small).
 */
export function kthNeighbourRange(
  data: Float32Array | Float64Array,
  cols: number,
  norms: Float64Array,
  reference: Uint32Array,
  k: number,
  first: number,
  last: number,
  out: Float64Array,
): void {
  const simd = simdKernels();
  if (simd) kthNeighbourRangeSimd(simd, data, cols, reference, k, first, last, out);
  else kthNeighbourRangeJs(data, cols, norms, reference, k, first, last, out);
}

/**
 * {@link kthNeighbourRange} in plain JavaScript: distances ‖x‖² + ‖y‖² − 2x·y in float64 with the
 * squared norms given.
 */
export function kthNeighbourRangeJs(
  data: Float32Array | Float64Array,
  cols: number,
  norms: Float64Array,
  reference: Uint32Array,
  k: number,
  first: number,
  last: number,
  out: Float64Array,
): void {
  const block = 64;
  const best = new Float64Array(block * k);
  for (let start = first; start < last; start += block) {
    const count = Math.min(block, last - start);
    best.fill(Infinity);
    for (let r = 0; r < reference.length; r++) {
      const j = reference[r];
      const jBase = j * cols;
      const jNorm = norms[j];
      for (let q = 0; q < count; q++) {
        const i = start + q;
        if (i === j) continue;
        const iBase = i * cols;
        // Four accumulators: independent adds V8 can overlap.
        let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0;
        let c = 0;
        for (; c + 3 < cols; c += 4) {
          dot0 += data[iBase + c] * data[jBase + c];
          dot1 += data[iBase + c + 1] * data[jBase + c + 1];
          dot2 += data[iBase + c + 2] * data[jBase + c + 2];
          dot3 += data[iBase + c + 3] * data[jBase + c + 3];
        }
        for (; c < cols; c++) dot0 += data[iBase + c] * data[jBase + c];
        const distance = norms[i] + jNorm - 2 * (dot0 + dot1 + dot2 + dot3);
        const o = q * k;
        if (distance >= best[o + k - 1]) continue;
        let p = k - 1;
        while (p > 0 && best[o + p - 1] > distance) {
          best[o + p] = best[o + p - 1];
          p--;
        }
        best[o + p] = distance;
      }
    }
    for (let q = 0; q < count; q++) out[start + q] = Math.sqrt(Math.max(0, best[q * k + k - 1]));
  }
}
