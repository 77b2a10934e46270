/**
 * Where a seed pair's interpolation lands on a nonlinear map (UMAP, t-SNE). §3.5 guarantees the
 * midpoint only for a linear reduction; on these maps the interpolated embedding — the mean of the
 * two seeds' embeddings, the pooled form of eq. 4–5 — is placed like any new example, by its nearest
 * training embeddings, and the map reports how many land inside their window.
 */
import type { SeedPair } from "../../geometry/seed-pairs.js";
import { placeByNearestNeighbours } from "../../geometry/nearest-placement.js";
import type { EmbeddingSource } from "./embedding-source.js";
import { NEAREST_PLACEMENT_K } from "./place-nonlinear.js";

/** Map positions (`pairs × dims`) of the pairs' interpolated embeddings. */
export async function placeInterpolatedPairs(source: EmbeddingSource, points: Float32Array, dims: number, pairs: readonly SeedPair[]): Promise<Float64Array> {
  const { rows, cols } = source;
  const train = source.inMemory ?? (await loadAll(source));
  const blended = new Float32Array(pairs.length * cols);
  pairs.forEach((pair, i) => {
    for (let c = 0; c < cols; c++) blended[i * cols + c] = (train[pair.first * cols + c] + train[pair.second * cols + c]) / 2;
  });
  return placeByNearestNeighbours({ data: train, rows, cols }, { data: points, rows, cols: dims }, { data: blended, rows: pairs.length, cols }, NEAREST_PLACEMENT_K);
}

/** Nonlinear maps are capped at sizes that fit in memory (checkNonlinearRows), so reading them whole is safe. */
async function loadAll(source: EmbeddingSource): Promise<Float32Array> {
  const out = new Float32Array(source.rows * source.cols);
  let row = 0;
  for await (const block of source.blocks()) {
    out.set(block.data.subarray(0, block.rows * source.cols), row * source.cols);
    row += block.rows;
  }
  return out;
}
