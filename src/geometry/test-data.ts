/**
 * Generators of point sets with a known answer, shared by the geometry tests and the
 * map benchmark. Deterministic from a seed.
 */
import { createGaussian, createRandom } from "./random.js";

/**
 * `rows × cols` Gaussian noise (σ = noise) plus a strong planted direction: row i is
 * noise + a_i·u with a_i ~ N(0, signal²). Returns the data and the unit vector u.
 */
export function plantedDirection(rows: number, cols: number, options: { signal?: number; noise?: number; seed?: number; offset?: number } = {}): {
  data: Float32Array;
  direction: Float64Array;
} {
  const gaussian = createGaussian(createRandom(options.seed ?? 1));
  const direction = new Float64Array(cols);
  let norm = 0;
  for (let c = 0; c < cols; c++) {
    direction[c] = gaussian();
    norm += direction[c] ** 2;
  }
  for (let c = 0; c < cols; c++) direction[c] /= Math.sqrt(norm);
  const data = new Float32Array(rows * cols);
  const signal = options.signal ?? 5;
  const noise = options.noise ?? 0.5;
  const offset = options.offset ?? 0;
  for (let r = 0; r < rows; r++) {
    const a = signal * gaussian();
    for (let c = 0; c < cols; c++) data[r * cols + c] = offset + a * direction[c] + noise * gaussian();
  }
  return { data, direction };
}

/**
 * Two dense clusters joined by a thin bridge, in `dims` (2 or 3) dimensions: points
 * uniform in two boxes [0,6]×[2,8](×[2,8]) and [14,20]×[2,8](×[2,8]), and a bridge
 * uniform in [6,14]×[4,5](×[4,5]). With a 20 × 10 (× 10) grid over [0,20]×[0,10](×[0,10])
 * the bridge is exactly the cells x∈[6,14), y=4 (z=4), and the rows y<2 and y≥8 are empty.
 */
export function blobsWithBridge(dims: 2 | 3, options: { perBlob?: number; bridge?: number; seed?: number } = {}): {
  points: Float64Array;
  count: number;
  bridgeStart: number;
} {
  const random = createRandom(options.seed ?? 7);
  const perBlob = options.perBlob ?? 3600;
  const bridge = options.bridge ?? 24;
  const count = 2 * perBlob + bridge;
  const points = new Float64Array(count * dims);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  for (let i = 0; i < count; i++) {
    const o = i * dims;
    if (i < 2 * perBlob) {
      points[o] = i < perBlob ? uniform(0, 6) : uniform(14, 20);
      for (let d = 1; d < dims; d++) points[o + d] = uniform(2, 8);
    } else {
      // Stratified along the bridge so every bridge cell gets its share of points.
      const j = i - 2 * perBlob;
      points[o] = 6 + (8 * (j + random())) / bridge;
      for (let d = 1; d < dims; d++) points[o + d] = uniform(4, 5);
    }
  }
  return { points, count, bridgeStart: 2 * perBlob };
}

/** Cosine of the angle between two vectors (tests compare components up to sign with its absolute value). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return dot / Math.sqrt(na * nb);
}
