/**
 * The shared core of randomized PCA and truncated SVD (Halko, Martinsson & Tropp 2011,
 * randomized range finder with power iterations), written in the column space: it
 * only ever asks for W = G·Z, where G = XᵀX (or the centered covariance) is the
 * implicit `cols × cols` Gram matrix and Z a thin orthonormal basis. Each such
 * product is one streaming pass over the rows (W += xᵀ(x·Z) per row), so the data is
 * never held whole. The core is a generator: the caller runs the passes (sync or
 * async, dense or sparse) and sends W back; the core does the small dense algebra.
 *
 * Steps: Z₀ = orth(Ω) with Ω Gaussian (`cols × l`, l = k + oversample);
 * Zᵢ₊₁ = orth(G·Zᵢ) for each power iteration; a final Rayleigh–Ritz step in span(Z)
 * (M = Zᵀ·G·Z = Σ (xZ)ᵀ(xZ), eigendecomposed by Jacobi) gives the top-k eigenvectors
 * of G, which are the right singular vectors / principal axes. The final pass only
 * needs the small `l × l` matrix M, so it costs half a full pass.
 */
import { orthonormalizeColumns, symmetricEigen } from "./linear-algebra.js";
import { createGaussian, createRandom } from "./random.js";

/** Options of the randomized solvers. */
export interface RandomizedOptions {
  /** Extra basis vectors beyond k; more makes the top-k more accurate. Default 6. */
  oversample?: number;
  /** Power iterations (each costs one pass over the data). Default 4. */
  iterations?: number;
  /** Seed of the random start. Default 0. */
  seed?: number;
  /**
   * Threads for the Gram products of the async (streamed / in-workers) solvers, the calling one
   * included. Default: the machine's available parallelism. The sync solvers use one.
   */
  threads?: number;
  /** Multiply-adds per pass below which the async solvers stay on one thread. Default 2e8. */
  minWork?: number;
}

/** The top-k eigenpairs of the Gram matrix, components as rows. */
export interface TopEigen {
  /** `k × cols`, row-major, each row unit length, signs normalised. */
  components: Float64Array;
  /** Eigenvalues of the Gram matrix, descending. */
  eigenvalues: Float64Array;
  /** Passes over the data that were made. */
  passes: number;
}

/**
 * Generator protocol: yields a basis Z (`cols × width`, row-major) and expects G·Z
 * back (`cols × width`), or, when `final` is set, only ZᵀGZ (`width × width`).
 */
export type SubspaceSteps = Generator<{ basis: Float64Array; width: number; final: boolean }, TopEigen, Float64Array>;

/** Runs the randomized subspace iteration; see the file comment for the protocol. */
export function* subspaceIteration(cols: number, k: number, options: RandomizedOptions = {}): SubspaceSteps {
  if (!Number.isInteger(k) || k < 1 || k > cols) throw new RangeError(`k must be an integer in [1, ${cols}], got ${k}`);
  const width = Math.min(cols, k + Math.max(0, options.oversample ?? 6));
  const iterations = Math.max(0, options.iterations ?? 4);
  const random = createRandom(options.seed ?? 0);
  const gaussian = createGaussian(random);
  let basis: Float64Array = new Float64Array(cols * width);
  for (let i = 0; i < basis.length; i++) basis[i] = gaussian();
  orthonormalizeColumns(basis, cols, width, random);
  let passes = 0;
  for (let iteration = 0; ; iteration++) {
    const final = iteration === iterations;
    const product = yield { basis, width, final };
    passes++;
    if (final) return rayleighRitz(basis, product, cols, width, k, passes);
    basis = product;
    orthonormalizeColumns(basis, cols, width, random);
  }
}

function rayleighRitz(basis: Float64Array, projectedGram: Float64Array, cols: number, width: number, k: number, passes: number): TopEigen {
  const small = Float64Array.from(projectedGram);
  // Symmetrise: rounding makes ZᵀGZ very slightly asymmetric.
  for (let i = 0; i < width; i++) {
    for (let j = i + 1; j < width; j++) {
      const mean = (small[i * width + j] + small[j * width + i]) / 2;
      small[i * width + j] = mean;
      small[j * width + i] = mean;
    }
  }
  const { values, vectors } = symmetricEigen(small, width);
  const components = new Float64Array(k * cols);
  for (let c = 0; c < cols; c++) {
    for (let t = 0; t < k; t++) {
      let sum = 0;
      for (let i = 0; i < width; i++) sum += basis[c * width + i] * vectors[i * width + t];
      components[t * cols + c] = sum;
    }
  }
  normaliseSigns(components, k, cols);
  return { components, eigenvalues: values.slice(0, k).map((v) => Math.max(0, v)), passes };
}

/**
 * Makes each component's largest-magnitude entry positive (ties: the first), so the
 * same data always gives the same orientation whatever the random start.
 */
export function normaliseSigns(components: Float64Array, k: number, cols: number): void {
  for (let t = 0; t < k; t++) {
    let best = 0;
    for (let c = 1; c < cols; c++) {
      if (Math.abs(components[t * cols + c]) > Math.abs(components[t * cols + best]) + 1e-12) best = c;
    }
    if (components[t * cols + best] < 0) {
      for (let c = 0; c < cols; c++) components[t * cols + c] = -components[t * cols + c];
    }
  }
}
