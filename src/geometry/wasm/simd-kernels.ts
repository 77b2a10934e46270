/**
 * The WebAssembly SIMD kernels (kernels.wat) behind the plain geometry functions: memory layout,
 * copies in and out, and the float64 bookkeeping around the float32 SIMD loops.
 *
 * The functions that take a {@link SimdInstance} use no imports and no module-level names: the
 * worker threads (gram-workers.ts, knn-workers.ts) run their source text ({@link SIMD_GLUE_SOURCE}),
 * so a worker and the calling thread run the very same code. Each thread has its own instance and
 * memory; rows are copied into it a panel at a time (a panel stays in cache for both phases).
 *
 * Precision: products and sums along a row are float32, sums across rows float64 (each panel's
 * float32 partial sums are added into float64), and rows are centered in float32 before any
 * product, so no large mean cancels. Against the float64 JavaScript kernels the results agree to
 * about 1e-6 relative.
 */
import { KERNELS_WASM_BASE64 } from "./kernels-bytes.js";

/** One thread's instance of the kernels: its memory and exports (see kernels.wat). */
export interface SimdInstance {
  memory: WebAssembly.Memory;
  center(x: number, rows: number, ld: number, mu: number): void;
  sumsq(x: number, rows: number, ld: number): number;
  dots(x: number, rows: number, ld: number, z: number, wp: number, t: number): void;
  outer(x: number, rows: number, ld: number, t: number, wp: number, w: number): void;
  moments(x: number, rows: number, ld: number, sums: number): number;
  knn(r: number, refIndex: number, refs: number, cols: number, q: number, qIndex: number, tiles: number, best: number, worst: number, k: number, scratch: number): void;
  /** Rows copied in and worked on together (a multiple of 4). */
  panelRows: number;
}

let compiled: WebAssembly.Module | null | undefined;
let enabled = true;
let mainInstance: SimdInstance | null = null;

/** The compiled kernels, or null where this runtime has no WebAssembly SIMD. */
export function simdKernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, "base64");
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/**
 * Turns the SIMD kernels on or off for this process (on by default where WebAssembly SIMD
 * exists); off, the geometry functions run their JavaScript float64 kernels. Worker threads
 * started afterwards follow. Returns the previous setting, so a caller can restore it.
 */
export function setSimdKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** The calling thread's instance, or null when the kernels are off or unsupported. */
export function simdKernels(): SimdInstance | null {
  if (!enabled) return null;
  const module = simdKernelsModule();
  if (!module) return null;
  mainInstance ??= instantiateSimdKernels(module);
  return mainInstance;
}

/** A fresh instance (own memory) of the compiled kernels. */
export function instantiateSimdKernels(module: WebAssembly.Module): SimdInstance {
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Omit<SimdInstance, "panelRows">;
  return {
    memory: exports.memory,
    center: exports.center,
    sumsq: exports.sumsq,
    dots: exports.dots,
    outer: exports.outer,
    moments: exports.moments,
    knn: exports.knn,
    panelRows: 32,
  };
}

/** Grows the instance's memory to at least `bytes`; returns its (possibly new) buffer. */
export function reserveSimdMemory(simd: SimdInstance, bytes: number): ArrayBuffer {
  const missing = bytes - simd.memory.buffer.byteLength;
  if (missing > 0) simd.memory.grow(Math.ceil(missing / 65536));
  return simd.memory.buffer;
}

/**
 * {@link accumulateCenteredGram} (dense-kernels.ts) on the SIMD kernels, same contract: `product`
 * gets Σ x tᵀ and `centeringSums` Σ t, with t = (x − μ)ᵀZ, so the caller's −μ(Σt)ᵀ correction
 * holds. Rows are centered in float32 first; `meanBasis` (μᵀZ) is then not needed.
 */
export function accumulateCenteredGramSimd(
  simd: SimdInstance,
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array,
  basis: Float64Array,
  width: number,
  product: Float64Array,
  centeringSums: Float64Array,
  wantSquares: boolean,
  smallGram: Float64Array | null,
): number {
  const ld = (cols + 3) & ~3;
  const wp = (width + 3) & ~3;
  const panel = simd.panelRows;
  const muAt = 0;
  const zAt = muAt + ld * 4;
  const xAt = zAt + ld * wp * 4;
  const tAt = xAt + panel * ld * 4;
  const wAt = tAt + panel * wp * 4;
  const end = wAt + (smallGram ? 0 : wp * ld * 8);
  const buffer = reserveSimdMemory(simd, end);
  const f32 = new Float32Array(buffer);
  const f64 = new Float64Array(buffer);
  let centered = false;
  f32.fill(0, muAt / 4, zAt / 4);
  for (let c = 0; c < cols; c++) {
    f32[muAt / 4 + c] = mean[c];
    if (mean[c] !== 0) centered = true;
  }
  f32.fill(0, zAt / 4, xAt / 4);
  for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) f32[zAt / 4 + c * wp + j] = basis[c * width + j];
  if (!smallGram) f64.fill(0, wAt / 8, end / 8);
  const x0 = xAt / 4;
  const t0 = tAt / 4;
  const sums = new Float64Array(width);
  let squares = 0;
  for (let first = 0; first < rows; first += panel) {
    const n = Math.min(panel, rows - first);
    const n4 = (n + 3) & ~3;
    if (ld === cols) {
      f32.set(block.subarray(first * cols, (first + n) * cols), x0);
      f32.fill(0, x0 + n * ld, x0 + n4 * ld);
    } else {
      f32.fill(0, x0, x0 + n4 * ld);
      for (let r = 0; r < n; r++) f32.set(block.subarray((first + r) * cols, (first + r + 1) * cols), x0 + r * ld);
    }
    if (centered) simd.center(xAt, n, ld, muAt);
    if (wantSquares) squares += simd.sumsq(xAt, n, ld);
    simd.dots(xAt, n4, ld, zAt, wp, tAt);
    for (let r = 0; r < n; r++) {
      const tBase = t0 + r * wp;
      for (let j = 0; j < width; j++) sums[j] += f32[tBase + j];
      if (smallGram) {
        for (let a = 0; a < width; a++) {
          const ta = f32[tBase + a];
          for (let b = 0; b < width; b++) smallGram[a * width + b] += ta * f32[tBase + b];
        }
      }
    }
    if (!smallGram) simd.outer(xAt, n, ld, tAt, wp, wAt);
  }
  for (let j = 0; j < width; j++) centeringSums[j] += sums[j];
  if (!smallGram) {
    const w0 = wAt / 8;
    for (let c = 0; c < cols; c++) {
      for (let j = 0; j < width; j++) product[c * width + j] += f64[w0 + j * ld + c] + mean[c] * sums[j];
    }
  }
  return squares;
}

/**
 * {@link accumulateColumnMoments} (dense-kernels.ts) on the SIMD kernels: the column sums to the
 * same bits (float64, row after row), Σ‖x‖² in float64 summed in another order.
 */
export function accumulateColumnMomentsSimd(simd: SimdInstance, block: Float32Array | Float64Array, rows: number, cols: number, sums: Float64Array): number {
  const ld = (cols + 3) & ~3;
  const panel = 64;
  const sumsAt = 0;
  const xAt = ld * 8;
  const buffer = reserveSimdMemory(simd, xAt + panel * ld * 4);
  const f32 = new Float32Array(buffer);
  const f64 = new Float64Array(buffer);
  f64.fill(0, 0, ld);
  f64.set(sums.subarray(0, cols), 0);
  const x0 = xAt / 4;
  let squares = 0;
  for (let first = 0; first < rows; first += panel) {
    const n = Math.min(panel, rows - first);
    if (ld === cols) f32.set(block.subarray(first * cols, (first + n) * cols), x0);
    else {
      f32.fill(0, x0, x0 + n * ld);
      for (let r = 0; r < n; r++) f32.set(block.subarray((first + r) * cols, (first + r + 1) * cols), x0 + r * ld);
    }
    squares += simd.moments(xAt, n, ld, sumsAt);
  }
  sums.set(f64.subarray(0, cols));
  return squares;
}

/**
 * {@link projectBlock} (dense-kernels.ts) on the SIMD kernels: out[r, t] = (x_r − μ)·components[t],
 * rows centered in float32 first (so `meanProjection`, μ·components, is not needed).
 */
export function projectBlockSimd(
  simd: SimdInstance,
  block: Float32Array | Float64Array,
  rows: number,
  cols: number,
  mean: Float64Array | null,
  components: Float64Array,
  k: number,
  out: Float32Array | Float64Array,
  outOffset: number,
): void {
  const ld = (cols + 3) & ~3;
  const kp = (k + 3) & ~3;
  const panel = simd.panelRows;
  const muAt = 0;
  const zAt = muAt + ld * 4;
  const xAt = zAt + ld * kp * 4;
  const tAt = xAt + panel * ld * 4;
  const buffer = reserveSimdMemory(simd, tAt + panel * kp * 4);
  const f32 = new Float32Array(buffer);
  let centered = false;
  f32.fill(0, muAt / 4, zAt / 4);
  if (mean) {
    for (let c = 0; c < cols; c++) {
      f32[muAt / 4 + c] = mean[c];
      if (mean[c] !== 0) centered = true;
    }
  }
  f32.fill(0, zAt / 4, xAt / 4);
  for (let t = 0; t < k; t++) for (let c = 0; c < cols; c++) f32[zAt / 4 + c * kp + t] = components[t * cols + c];
  const x0 = xAt / 4;
  const t0 = tAt / 4;
  for (let first = 0; first < rows; first += panel) {
    const n = Math.min(panel, rows - first);
    const n4 = (n + 3) & ~3;
    if (ld === cols) {
      f32.set(block.subarray(first * cols, (first + n) * cols), x0);
      f32.fill(0, x0 + n * ld, x0 + n4 * ld);
    } else {
      f32.fill(0, x0, x0 + n4 * ld);
      for (let r = 0; r < n; r++) f32.set(block.subarray((first + r) * cols, (first + r + 1) * cols), x0 + r * ld);
    }
    if (centered) simd.center(xAt, n, ld, muAt);
    simd.dots(xAt, n4, ld, zAt, kp, tAt);
    for (let r = 0; r < n; r++) {
      const o = outOffset + (first + r) * k;
      for (let t = 0; t < k; t++) out[o + t] = f32[t0 + r * kp + t];
    }
  }
}

/**
 * {@link kthNeighbourRange} (knn-kernel.ts) on the SIMD kernels: squared distances Σ (x − y)² in
 * float32 (`norms` is not needed), 16 queries against each reference row at a time.
 */
export function kthNeighbourRangeSimd(
  simd: SimdInstance,
  data: Float32Array | Float64Array,
  cols: number,
  reference: Uint32Array,
  k: number,
  first: number,
  last: number,
  out: Float64Array,
): void {
  const refs = reference.length;
  const block = 64;
  const align = (bytes: number): number => (bytes + 15) & ~15;
  const rAt = 0;
  const refIndexAt = align(rAt + refs * cols * 4);
  const qAt = align(refIndexAt + refs * 4);
  const qIndexAt = qAt + block * cols * 4;
  const bestAt = qIndexAt + block * 4;
  const worstAt = align(bestAt + block * k * 4);
  const scratchAt = worstAt + block * 4;
  const buffer = reserveSimdMemory(simd, scratchAt + 64);
  const f32 = new Float32Array(buffer);
  const u32 = new Uint32Array(buffer);
  for (let r = 0; r < refs; r++) f32.set(data.subarray(reference[r] * cols, (reference[r] + 1) * cols), rAt / 4 + r * cols);
  u32.set(reference, refIndexAt / 4);
  const q0 = qAt / 4;
  for (let start = first; start < last; start += block) {
    const count = Math.min(block, last - start);
    const tiles = Math.ceil(count / 16);
    for (let q = 0; q < tiles * 16; q++) {
      const tileBase = q0 + (q >> 4) * cols * 16 + (q & 15);
      if (q < count) {
        const rowBase = (start + q) * cols;
        for (let d = 0; d < cols; d++) f32[tileBase + d * 16] = data[rowBase + d];
        u32[qIndexAt / 4 + q] = start + q;
      } else {
        for (let d = 0; d < cols; d++) f32[tileBase + d * 16] = 0;
        u32[qIndexAt / 4 + q] = 0xffffffff;
      }
    }
    f32.fill(Infinity, bestAt / 4, bestAt / 4 + tiles * 16 * k);
    f32.fill(Infinity, worstAt / 4, worstAt / 4 + tiles * 16);
    simd.knn(rAt, refIndexAt, refs, cols, qAt, qIndexAt, tiles, bestAt, worstAt, k, scratchAt);
    for (let q = 0; q < count; q++) out[start + q] = Math.sqrt(f32[bestAt / 4 + q * k + k - 1]);
  }
}

/** Source text of the functions above that take an instance, for `eval` worker threads. */
export const SIMD_GLUE_SOURCE = [instantiateSimdKernels, reserveSimdMemory, accumulateCenteredGramSimd, accumulateColumnMomentsSimd, projectBlockSimd, kthNeighbourRangeSimd]
  .map((fn) => fn.toString())
  .join("\n");
