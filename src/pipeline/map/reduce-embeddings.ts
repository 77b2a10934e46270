/**
 * The reduce phase of the map (§3.2 of the EmbedSDG paper: student embeddings down to K = 2 or 3).
 * PCA and truncated SVD are linear, so a midpoint of embeddings lands on the midpoint of their
 * points (§3.5), and they stream any size; UMAP and t-SNE are in reduce-nonlinear.ts.
 */
import type { ProgressListener } from "../../core/events.js";
import { pcaFitTransform } from "../../geometry/pca.js";
import { truncatedSvdFitTransform } from "../../geometry/truncated-svd.js";
import type { EmbeddingSource } from "./embedding-source.js";
import type { MapArtifact } from "./map-artifact.js";
import { isNonlinearReducer, reduceNonlinear } from "./reduce-nonlinear.js";

/** pca and svd are linear (§3.5 midpoints hold, any size); umap and tsne are for smaller sets. */
export const REDUCERS = ["pca", "svd", "umap", "tsne"] as const;
export type Reducer = (typeof REDUCERS)[number];

/** Map coordinates (`rows × dims`) and what map.json records about the reducer beyond its name and dims. */
export interface ReducedMap {
  points: Float32Array;
  describe: Omit<MapArtifact["reducer"], "name" | "dims">;
}

/** Reduces the embeddings to `dims` with `reducer`, in memory or streamed as the source allows. */
export async function reduceEmbeddings(
  source: EmbeddingSource,
  options: { reducer: Reducer; dims: 2 | 3; seed: number; onEvent: ProgressListener },
): Promise<ReducedMap> {
  const { reducer, dims, seed } = options;
  if (isNonlinearReducer(reducer)) return reduceNonlinear(source, reducer, dims, seed, options.onEvent);
  return reducer === "svd" ? reduceSvd(source, dims, seed) : reducePca(source, dims, seed);
}

async function reducePca(source: EmbeddingSource, dims: number, seed: number): Promise<ReducedMap> {
  // In memory or streamed, the same passes: the fit's final pass also projects the rows.
  const { model, points } = await pcaFitTransform(source, dims, { seed });
  return {
    points,
    describe: {
      explainedVarianceRatio: [...model.explainedVarianceRatio],
      model: { mean: [...model.mean], components: [...model.components], cols: model.cols, k: model.k },
      placement: "projection",
    },
  };
}

/** Truncated SVD (no centering): for sparse-like, already normalised embeddings. */
async function reduceSvd(source: EmbeddingSource, dims: number, seed: number): Promise<ReducedMap> {
  const { model, points } = await truncatedSvdFitTransform(source, dims, { seed });
  return { points, describe: { model: { components: [...model.components], cols: model.cols, k: model.k }, placement: "projection" } };
}
