import { z } from "zod";
import type { Engine } from "../../core/engine.js";
import type { ProgressListener } from "../../core/events.js";
import { type JsonArtifactFormat, writeJsonArtifact } from "../../store/json-artifact.js";
import type { Run } from "../../store/run.js";
import { type MapPlacement, placeOnMap } from "../map/place-on-map.js";
import { type DensityAccuracy, densityAccuracy } from "./density-accuracy.js";

/** Benchmark items placed on a training map, and training density related to their accuracy. */
export interface DensityOnMap {
  placement: MapPlacement;
  analysis: DensityAccuracy;
}

/** The file the analysis is kept in, inside the evaluation's run directory. */
export const DENSITY_ACCURACY_FILE = "density-accuracy.json";

const correlation = z.object({ coefficient: z.number().nullable(), p: z.number().nullable() }).passthrough();

/** density-accuracy.json: the map it was measured on, how items were placed, and the analysis. */
export const DENSITY_ACCURACY_ARTIFACT: JsonArtifactFormat<{ map: string; method: string; notes: string[] } & Record<string, unknown>> = {
  name: "density–accuracy analysis",
  version: 1,
  schema: z
    .object({
      map: z.string(),
      method: z.string(),
      notes: z.array(z.string()),
      regions: z.array(z.object({ id: z.number(), items: z.number(), correct: z.number(), density: z.number() }).passthrough()),
      pearson: correlation,
      spearman: correlation,
    })
    .passthrough(),
};

/**
 * Places the benchmark questions on the training map in `mapDir` (with the map's own embedder
 * and reducer), groups grid cells into regions of at least `minPerRegion` items, relates each
 * region's training density to the student's accuracy there (§4.4 of the EmbedSDG paper), and
 * keeps the result in the run as {@link DENSITY_ACCURACY_FILE}. The questions' student
 * embeddings are kept in the run too, so a rerun does not embed them again.
 */
export async function densityOnMap(
  mapDir: string,
  questions: readonly string[],
  correct: readonly boolean[],
  run: Run,
  options: { student?: Engine; minPerRegion?: number; onEvent?: ProgressListener } = {},
): Promise<DensityOnMap> {
  const placement = await placeOnMap(mapDir, questions, { student: options.student, embeddingsPath: run.path("benchmark-embeddings.f32"), onEvent: options.onEvent });
  const analysis = densityAccuracy(placement.map.grid, placement.points, correct, { minPerRegion: options.minPerRegion });
  await writeJsonArtifact(run.path(DENSITY_ACCURACY_FILE), DENSITY_ACCURACY_ARTIFACT, { map: mapDir, method: placement.method, notes: placement.notes, ...analysis });
  return { placement, analysis };
}
