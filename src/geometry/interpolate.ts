/**
 * Interpolation of two seeds (§3.5 of the EmbedSDG paper). In the reduced space the
 * target is the midpoint. In the model's input space it is the padded average of the
 * two weighted token-embedding sequences (eq. 4): each sequence is scaled token-wise by
 * its weights, the shorter is padded to the longer, and the two are averaged row by row.
 * Sequences are matrices with one row per token (`tokens × hidden`).
 */
import type { Matrix } from "./matrix.js";
import { checkShape } from "./matrix.js";

/** Midpoint of two points of equal dimension. */
export function midpoint(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new RangeError(`points have ${a.length} and ${b.length} coordinates`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] + b[i]) / 2;
  return out;
}

/** Uniform token weights 1/m: the weighted sum is then the mean token embedding. */
export function uniformWeights(tokens: number): Float64Array {
  return new Float64Array(tokens).fill(tokens > 0 ? 1 / tokens : 0);
}

/** Normalises non-negative weights (e.g. IDF values per token) to sum to 1. */
export function normalizeWeights(weights: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i] >= 0)) throw new RangeError(`token weight ${i} is ${weights[i]}; weights must be non-negative`);
    sum += weights[i];
  }
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = sum > 0 ? weights[i] / sum : 1 / weights.length;
  return out;
}

/** Eq. 2: the weighted sum of a sequence's token embeddings, Σ wᵢ eᵢ (length hidden). */
export function weightedPool(sequence: Matrix, weights: ArrayLike<number>): Float64Array {
  checkSequence(sequence, weights, "sequence");
  const out = new Float64Array(sequence.cols);
  for (let t = 0; t < sequence.rows; t++) {
    const w = weights[t];
    for (let c = 0; c < sequence.cols; c++) out[c] += w * sequence.data[t * sequence.cols + c];
  }
  return out;
}

/** Options of {@link paddedWeightedAverage}. */
export interface PaddedAverageOptions {
  /** Per-token weights of each sequence; default uniform (1/m). */
  weightsA?: ArrayLike<number>;
  weightsB?: ArrayLike<number>;
  /**
   * Row used to pad the shorter sequence (e.g. the model's pad-token embedding).
   * Default zeros, as in the paper; only zero padding keeps the midpoint property exact.
   */
  padRow?: ArrayLike<number>;
}

/**
 * Eq. 4: avg = (pad_m(A·w_A) + pad_m(B·w_B)) / 2 with m = max(m_A, m_B); returns an
 * `m × hidden` float32 matrix ready to be fed to the student as input embeddings.
 * With zero padding, summing its rows (eq. 5, weights 1) gives exactly the midpoint of
 * the two pooled embeddings.
 */
export function paddedWeightedAverage(a: Matrix, b: Matrix, options: PaddedAverageOptions = {}): Matrix<Float32Array> {
  if (a.cols !== b.cols) throw new RangeError(`sequences have hidden sizes ${a.cols} and ${b.cols}`);
  const weightsA = options.weightsA ?? uniformWeights(a.rows);
  const weightsB = options.weightsB ?? uniformWeights(b.rows);
  checkSequence(a, weightsA, "first sequence");
  checkSequence(b, weightsB, "second sequence");
  const hidden = a.cols;
  if (options.padRow && options.padRow.length !== hidden) throw new RangeError(`pad row has ${options.padRow.length} values, hidden size is ${hidden}`);
  const rows = Math.max(a.rows, b.rows);
  const out = new Float32Array(rows * hidden);
  for (const [sequence, weights] of [[a, weightsA], [b, weightsB]] as const) {
    for (let t = 0; t < rows; t++) {
      const o = t * hidden;
      if (t < sequence.rows) {
        const w = weights[t] / 2;
        for (let c = 0; c < hidden; c++) out[o + c] += w * sequence.data[o + c];
      } else if (options.padRow) {
        for (let c = 0; c < hidden; c++) out[o + c] += options.padRow[c] / 2;
      }
    }
  }
  return { data: out, rows, cols: hidden };
}

function checkSequence(sequence: Matrix, weights: ArrayLike<number>, name: string): void {
  checkShape(sequence.data, sequence.rows, sequence.cols);
  if (weights.length !== sequence.rows) throw new RangeError(`${name} has ${sequence.rows} tokens but ${weights.length} weights`);
}
