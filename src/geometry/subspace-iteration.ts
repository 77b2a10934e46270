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
 * needs the small `l × l` matrix M, so it costs half a full pass (and a caller that also wants
 * the rows' coordinates gets M from them: T = X·Z, M = TᵀT, coordinates T·V).
 *
 * Passes: at most `iterations` power iterations (7 by default, what sklearn's randomized PCA
 * runs for a few components), fewer when the top-k Ritz values (eigenvalues of ZᵀGZ, read off
 * each product for free) change by less than `tolerance` across an iteration: a converged
 * subspace gains nothing from more passes over the data.
 */
import { orthonormalizeColumns, symmetricEigen } from "./linear-algebra.js";
import { createGaussian, createRandom } from "./random.js";

/** Options of the randomized solvers. */
export interface RandomizedOptions {
  /** Extra basis vectors beyond k; more makes the top-k more accurate. Default 6. */
  oversample?: number;
  /** Most power iterations (each costs one pass over the data). Default 7, sklearn's for few components. */
  iterations?: number;
  /**
   * Stop the power iterations once every top-k Ritz value changed by less than this share of the
   * largest across one iteration (after at least two). Default 1e-6; 0 always runs `iterations`.
   */
  tolerance?: number;
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
  const iterations = Math.max(0, options.iterations ?? 7);
  const tolerance = Math.max(0, options.tolerance ?? 1e-6);
  const random = createRandom(options.seed ?? 0);
  const gaussian = createGaussian(random);
  let basis: Float64Array = new Float64Array(cols * width);
  for (let i = 0; i < basis.length; i++) basis[i] = gaussian();
  orthonormalizeColumns(basis, cols, width, random);
  let passes = 0;
  let previous: Float64Array | null = null;
  let converged = false;
  for (let iteration = 0; ; iteration++) {
    const final = iteration === iterations || converged;
    const product = yield { basis, width, final };
    passes++;
    if (final) return rayleighRitz(basis, product, cols, width, k, passes);
    if (tolerance > 0) {
      const ritz = topRitzValues(basis, product, cols, width, k);
      converged = previous !== null && ritzChange(previous, ritz) < tolerance;
      previous = ritz;
    }
    basis = product;
    orthonormalizeColumns(basis, cols, width, random);
  }
}

/** The top-k eigenvalues of ZᵀW = ZᵀGZ: what the subspace captures of G so far. */
function topRitzValues(basis: Float64Array, product: Float64Array, cols: number, width: number, k: number): Float64Array {
  const small = new Float64Array(width * width);
  for (let c = 0; c < cols; c++) {
    const row = c * width;
    for (let a = 0; a < width; a++) {
      const z = basis[row + a];
      for (let b = 0; b < width; b++) small[a * width + b] += z * product[row + b];
    }
  }
  symmetrise(small, width);
  return symmetricEigen(small, width).values.slice(0, k);
}

/** Largest change of a Ritz value, relative to the largest one. */
function ritzChange(before: Float64Array, after: Float64Array): number {
  const scale = Math.max(Math.abs(after[0]), Number.MIN_VALUE);
  let change = 0;
  for (let i = 0; i < after.length; i++) change = Math.max(change, Math.abs(after[i] - before[i]) / scale);
  return change;
}

/** Rounding makes ZᵀGZ very slightly asymmetric: average it with its transpose. */
function symmetrise(small: Float64Array, width: number): void {
  for (let i = 0; i < width; i++) {
    for (let j = i + 1; j < width; j++) {
      const mean = (small[i * width + j] + small[j * width + i]) / 2;
      small[i * width + j] = mean;
      small[j * width + i] = mean;
    }
  }
}

function rayleighRitz(basis: Float64Array, projectedGram: Float64Array, cols: number, width: number, k: number, passes: number): TopEigen {
  const small = Float64Array.from(projectedGram);
  symmetrise(small, width);
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

/** `cols × width` → `width × cols` (row-major both). */
export function transpose(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = matrix[r * cols + c];
  return out;
}

/** TᵀT of a `rows × width` matrix. */
export function gramOfRows(t: Float64Array, rows: number, width: number): Float64Array {
  const out = new Float64Array(width * width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    for (let a = 0; a < width; a++) {
      const ta = t[base + a];
      for (let b = a; b < width; b++) out[a * width + b] += ta * t[base + b];
    }
  }
  for (let a = 0; a < width; a++) for (let b = 0; b < a; b++) out[a * width + b] = out[b * width + a];
  return out;
}

/**
 * Coordinates on the components from the rows' coordinates T in the basis Z: components are
 * Z·V with Z orthonormal, so V = Zᵀ·componentsᵀ and the coordinates are T·V.
 */
export function coordinatesOnComponents(
  t: Float64Array,
  rows: number,
  basis: Float64Array,
  width: number,
  components: Float64Array,
  k: number,
  cols: number,
): Float32Array {
  const v = new Float64Array(width * k);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < width; i++) {
      const z = basis[c * width + i];
      for (let j = 0; j < k; j++) v[i * k + j] += z * components[j * cols + c];
    }
  }
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let i = 0; i < width; i++) sum += t[r * width + i] * v[i * k + j];
      out[r * k + j] = sum;
    }
  }
  return out;
}
