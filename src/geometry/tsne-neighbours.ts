/**
 * Exact k nearest neighbours of every row (self excluded), by blocked brute force over
 * ‖x‖² + ‖y‖² − 2x·y. t-SNE only runs on sets small enough for this (its row limit), and
 * exact neighbours keep its affinities free of approximation noise.
 */
import { rowDot } from "./dense-kernels.js";
import { checkShape } from "./matrix.js";
import { OptionError, TooFewRowsError } from "../core/errors.js";

/** Neighbour lists, row-major `rows × k`, each row sorted by ascending distance. */
export interface NeighbourLists {
  indices: Int32Array;
  /** Squared Euclidean distances, matching `indices`. */
  squaredDistances: Float64Array;
  k: number;
}

/** Queries compared against each candidate row at once, so the query rows stay in cache. */
const QUERY_BLOCK = 32;

/** Exact k nearest neighbours of each row of a row-major `rows × cols` matrix. */
export function exactNeighbours(data: Float32Array | Float64Array, rows: number, cols: number, k: number): NeighbourLists {
  checkShape(data, rows, cols);
  if (!Number.isInteger(k) || k < 1) throw new OptionError("k", `must be a positive integer, got ${k}`);
  if (k >= rows) throw new TooFewRowsError(`${k} nearest neighbours`, rows, k + 1);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += data[i * cols + c] ** 2;
    norms[i] = sum;
  }
  const indices = new Int32Array(rows * k).fill(-1);
  const distances = new Float64Array(rows * k).fill(Infinity);
  for (let first = 0; first < rows; first += QUERY_BLOCK) {
    const count = Math.min(QUERY_BLOCK, rows - first);
    for (let j = 0; j < rows; j++) {
      const jBase = j * cols;
      for (let q = 0; q < count; q++) {
        const i = first + q;
        if (i === j) continue;
        const iBase = i * cols;
        const dot = rowDot(data, iBase, jBase, cols);
        // Rounding can make the expansion slightly negative for near-duplicates.
        const distance = Math.max(0, norms[i] + norms[j] - 2 * dot);
        const o = i * k;
        if (distance >= distances[o + k - 1]) continue;
        let p = k - 1;
        while (p > 0 && distances[o + p - 1] > distance) {
          distances[o + p] = distances[o + p - 1];
          indices[o + p] = indices[o + p - 1];
          p--;
        }
        distances[o + p] = distance;
        indices[o + p] = j;
      }
    }
  }
  return { indices, squaredDistances: distances, k };
}
