/**
 * Small dense linear algebra for the randomized solvers: orthonormalising a tall,
 * thin basis and diagonalising a small symmetric matrix. Sizes here are at most a
 * few thousand × a hundred, so clarity beats blocking.
 */
import type { Random } from "./random.js";
import { createGaussian } from "./random.js";

/**
 * Orthonormalises the columns of a row-major `rows × cols` matrix in place by modified
 * Gram–Schmidt, run twice ("twice is enough") so the basis stays orthogonal to
 * machine precision. A column that collapses (the data has lower rank than the
 * basis) is replaced by a fresh random direction orthogonal to the others, so the
 * result is always a full orthonormal basis.
 */
export function orthonormalizeColumns(basis: Float64Array, rows: number, cols: number, random: Random): void {
  // Work on the transpose so each column is contiguous: strided column walks over a
  // basis of a few MB miss the cache on every element.
  const columns = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) columns[j * rows + r] = basis[r * cols + j];
  const gaussian = createGaussian(random);
  for (let j = 0; j < cols; j++) {
    const current = columns.subarray(j * rows, (j + 1) * rows);
    const original = norm(current);
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          const previous = columns.subarray(i * rows, (i + 1) * rows);
          let dot = 0;
          for (let r = 0; r < rows; r++) dot += previous[r] * current[r];
          for (let r = 0; r < rows; r++) current[r] -= dot * previous[r];
        }
      }
      const length = norm(current);
      // A remainder this small relative to the start is numerical noise, not a direction.
      if (length > 1e-10 * Math.max(original, 1e-300) && length > 1e-300) {
        for (let r = 0; r < rows; r++) current[r] /= length;
        break;
      }
      if (attempt > 5 || j >= rows) {
        throw new RangeError(`cannot build ${cols} orthonormal columns in ${rows} dimensions`);
      }
      for (let r = 0; r < rows; r++) current[r] = gaussian();
    }
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) basis[r * cols + j] = columns[j * rows + r];
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (let r = 0; r < vector.length; r++) sum += vector[r] * vector[r];
  return Math.sqrt(sum);
}

/** Eigenvalues (descending) and eigenvectors (as columns of a row-major n × n matrix). */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Cyclic Jacobi eigendecomposition of a symmetric `n × n` matrix (row-major; not
 * modified). Accurate to machine precision for the small problems it is used on.
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diagonal = 0;
    for (let p = 0; p < n; p++) {
      diagonal += a[p * n + p] ** 2;
      for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    }
    if (off <= 1e-30 * Math.max(diagonal, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = a[from * n + from];
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values, vectors };
}
