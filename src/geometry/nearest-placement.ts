/**
 * Placement of new points on a nonlinear map (UMAP, t-SNE), which has no projection to apply
 * to new vectors: a new embedding lands at the mean map position of its k nearest training
 * embeddings (Euclidean, in the embedding space). For PCA/SVD maps, project instead.
 */
import { checkShape, type Matrix } from "./matrix.js";
import { OptionError, TooFewRowsError } from "../core/errors.js";

/**
 * Map positions (`newEmbeddings.rows × trainPoints.cols`, row-major) of new embeddings as the
 * mean of the map positions (`trainPoints`) of their k nearest `trainEmbeddings` rows.
 * Brute force: cost new rows × training rows × cols.
 */
export function placeByNearestNeighbours(trainEmbeddings: Matrix, trainPoints: Matrix, newEmbeddings: Matrix, k: number): Float64Array {
  const cols = trainEmbeddings.cols;
  const dims = trainPoints.cols;
  const trainRows = trainEmbeddings.rows;
  const newRows = newEmbeddings.rows;
  checkShape(trainEmbeddings.data, trainRows, cols);
  checkShape(trainPoints.data, trainPoints.rows, dims);
  checkShape(newEmbeddings.data, newRows, newEmbeddings.cols);
  if (trainPoints.rows !== trainRows) throw new RangeError(`${trainRows} training embeddings but ${trainPoints.rows} map points`);
  if (newEmbeddings.cols !== cols) throw new RangeError(`new embeddings have ${newEmbeddings.cols} dims, the training ones ${cols}`);
  if (!Number.isInteger(k) || k < 1) throw new OptionError("k", `must be a positive integer, got ${k}`);
  const neighbours = Math.min(k, trainRows);
  const out = new Float64Array(newRows * dims);
  if (trainRows === 0) {
    if (newRows > 0) throw new TooFewRowsError("placing points on a map", 0, 1, "the map has no points");
    return out;
  }
  const bestIndex = new Int32Array(neighbours);
  const bestDistance = new Float64Array(neighbours);
  for (let r = 0; r < newRows; r++) {
    bestDistance.fill(Infinity);
    bestIndex.fill(-1);
    const rBase = r * cols;
    const query = newEmbeddings.data;
    const reference = trainEmbeddings.data;
    for (let t = 0; t < trainRows; t++) {
      const tBase = t * cols;
      let distance = 0;
      for (let c = 0; c < cols; c++) {
        const d = query[rBase + c] - reference[tBase + c];
        distance += d * d;
      }
      if (distance >= bestDistance[neighbours - 1]) continue;
      let p = neighbours - 1;
      while (p > 0 && bestDistance[p - 1] > distance) {
        bestDistance[p] = bestDistance[p - 1];
        bestIndex[p] = bestIndex[p - 1];
        p--;
      }
      bestDistance[p] = distance;
      bestIndex[p] = t;
    }
    for (let n = 0; n < neighbours; n++) {
      for (let a = 0; a < dims; a++) out[r * dims + a] += trainPoints.data[bestIndex[n] * dims + a] / neighbours;
    }
  }
  return out;
}
