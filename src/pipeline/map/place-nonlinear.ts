/**
 * Places new embeddings on a UMAP/t-SNE map, which has no projection: each lands at the mean
 * map position of its nearest training embeddings (the map run's embeddings.f32 and points.f32).
 */
import { join } from "node:path";
import { placeByNearestNeighbours } from "../../geometry/nearest-placement.js";
import { readFloat32Matrix } from "../../store/float32-matrix.js";
import type { MapArtifact } from "./map-artifact.js";

/** Neighbours averaged per placed point: enough to smooth, few enough to stay on one island. */
export const NEAREST_PLACEMENT_K = 5;

/** True when new points must be placed by {@link placeOnNonlinearMap} rather than projected. */
export function needsNearestPlacement(map: MapArtifact): boolean {
  return map.reducer.placement === "nearest-neighbours";
}

/** Map positions (`rows × map dims`) of `vectors` (`rows × map.embeddingDims`) on the map stored in `mapDir`. */
export async function placeOnNonlinearMap(mapDir: string, map: MapArtifact, vectors: Float32Array, rows: number): Promise<Float64Array> {
  const [train, points] = await Promise.all([readFloat32Matrix(join(mapDir, "embeddings.f32")), readFloat32Matrix(join(mapDir, "points.f32"))]);
  return placeByNearestNeighbours(train, points, { data: vectors, rows, cols: map.embeddingDims }, NEAREST_PLACEMENT_K);
}
