/**
 * The input affinities P of t-SNE on a sparse kNN graph (van der Maaten 2014, "Accelerating
 * t-SNE using tree-based algorithms"): each point's Gaussian bandwidth is found by binary
 * search so the entropy of its conditional distribution over its 3·perplexity nearest
 * neighbours equals log(perplexity); then P = (P_j|i + P_i|j) / 2N, stored as CSR.
 */
import type { NeighbourLists } from "./tsne-neighbours.js";

/** Symmetric joint probabilities in compressed sparse row form; all values sum to 1. */
export interface SparseAffinities {
  rows: number;
  /** Row i's entries are `columns[rowStart[i] .. rowStart[i + 1])`. */
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

const ENTROPY_TOLERANCE = 1e-5;
const MAX_STEPS = 200;

/**
 * Conditional probabilities P_j|i over each row's neighbours, with the bandwidth of row i set
 * by bisection on β = 1/(2σ²) so that H(P_·|i) = log(perplexity) (natural log).
 */
export function conditionalAffinities(neighbours: NeighbourLists, rows: number, perplexity: number): Float64Array {
  const { k, squaredDistances } = neighbours;
  if (!(perplexity > 0) || perplexity >= k + 1) throw new RangeError(`perplexity must be in (0, ${k + 1}) for ${k} neighbours, got ${perplexity}`);
  const target = Math.log(perplexity);
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const o = i * k;
    // Distances relative to the nearest keep exp() from underflowing for far-apart rows.
    const nearest = squaredDistances[o];
    let beta = 1;
    let low = 0;
    let high = Infinity;
    for (let step = 0; step < MAX_STEPS; step++) {
      let sum = 0;
      let weighted = 0;
      for (let n = 0; n < k; n++) {
        const d = squaredDistances[o + n] - nearest;
        const p = Math.exp(-beta * d);
        out[o + n] = p;
        sum += p;
        weighted += d * p;
      }
      // H = log(sum) + β · E[d] for p ∝ exp(−β d).
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let n = 0; n < k; n++) out[o + n] /= sum;
      const difference = entropy - target;
      if (Math.abs(difference) < ENTROPY_TOLERANCE) break;
      if (difference > 0) {
        low = beta;
        beta = high === Infinity ? beta * 2 : (beta + high) / 2;
      } else {
        high = beta;
        beta = (beta + low) / 2;
      }
    }
  }
  return out;
}

/** Symmetrises conditional kNN affinities into a joint distribution: P_ij = (P_j|i + P_i|j) / 2N. */
export function symmetrize(neighbours: NeighbourLists, conditional: Float64Array, rows: number): SparseAffinities {
  const { k, indices } = neighbours;
  // Every directed edge i→j contributes to both (i, j) and (j, i).
  const degree = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    for (let n = 0; n < k; n++) {
      degree[i + 1]++;
      degree[indices[i * k + n] + 1]++;
    }
  }
  for (let i = 0; i < rows; i++) degree[i + 1] += degree[i];
  const fill = degree.slice(0, rows);
  const rawColumns = new Int32Array(degree[rows]);
  const rawValues = new Float64Array(degree[rows]);
  const scale = 1 / (2 * rows);
  for (let i = 0; i < rows; i++) {
    for (let n = 0; n < k; n++) {
      const j = indices[i * k + n];
      const value = conditional[i * k + n] * scale;
      rawColumns[fill[i]] = j;
      rawValues[fill[i]++] = value;
      rawColumns[fill[j]] = i;
      rawValues[fill[j]++] = value;
    }
  }
  // Merge the duplicates (mutual neighbours appear twice in a row).
  const rowStart = new Int32Array(rows + 1);
  const columns = new Int32Array(degree[rows]);
  const values = new Float64Array(degree[rows]);
  let written = 0;
  const order: number[] = [];
  for (let i = 0; i < rows; i++) {
    rowStart[i] = written;
    order.length = 0;
    for (let e = degree[i]; e < degree[i + 1]; e++) order.push(e);
    order.sort((a, b) => rawColumns[a] - rawColumns[b]);
    for (const e of order) {
      if (written > rowStart[i] && columns[written - 1] === rawColumns[e]) values[written - 1] += rawValues[e];
      else {
        columns[written] = rawColumns[e];
        values[written++] = rawValues[e];
      }
    }
  }
  rowStart[rows] = written;
  return { rows, rowStart, columns: columns.slice(0, written), values: values.slice(0, written) };
}
