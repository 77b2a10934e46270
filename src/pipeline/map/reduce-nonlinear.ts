/**
 * The nonlinear reducers of `gapfill map` (UMAP, Barnes–Hut t-SNE): for smaller sets, with a
 * row limit checked before anything is embedded. Embeddings wider than 50 dimensions are first
 * reduced to 50 by PCA (the usual practice: it removes noise and makes the kNN search cheap).
 * Neither map is linear: the midpoint of two seeds' embeddings does not land on the midpoint of
 * their points, and new points are placed by nearest neighbours in the embedding space.
 */
import { OptionError } from "../../core/errors.js";
import { type ProgressListener, progress } from "../../core/events.js";
import type { RowSource } from "../../geometry/matrix.js";
import { pcaFitTransform } from "../../geometry/pca.js";
import { tsne } from "../../geometry/tsne.js";
import { umap } from "../../geometry/umap.js";

export const NONLINEAR_REDUCERS = ["umap", "tsne"] as const;
export type NonlinearReducer = (typeof NONLINEAR_REDUCERS)[number];

/**
 * Most rows each nonlinear reducer accepts. Measured here (`npm run bench -- map-nonlinear`,
 * 50 dims, 2 cores, quiet): t-SNE 5K in 42 s, 20K in 199 s (exact kNN is O(n²), Barnes–Hut
 * O(n log n) per step), so 20K is where it stops being a reasonable wait; UMAP (umap-js) 20K in
 * 52 s, 50K in 173 s with a peak RSS of 2.7 GB, about the same wait, so 50K. (The limit was
 * 100K when an earlier WASM UMAP took 49 s at 50K.)
 */
export const NONLINEAR_ROW_LIMITS: Record<NonlinearReducer, number> = { umap: 50_000, tsne: 20_000 };

/** Width the embeddings are reduced to by PCA before UMAP/t-SNE. */
export const NONLINEAR_INPUT_DIMS = 50;

/** Said in map.json and the report for every nonlinear map. */
export const NONLINEAR_NOTE =
  "nonlinear map: the midpoint of two seeds' embeddings does not map to the midpoint of their points (the §3.5 property holds only for PCA/SVD); seed midpoints are still drawn, and new points are placed at the mean position of their nearest training embeddings";

export function isNonlinearReducer(name: string): name is NonlinearReducer {
  return (NONLINEAR_REDUCERS as readonly string[]).includes(name);
}

/** Throws an OptionError naming the reducer option when the set is over the reducer's row limit. */
export function checkNonlinearRows(reducer: NonlinearReducer, rows: number): void {
  const limit = NONLINEAR_ROW_LIMITS[reducer];
  if (rows > limit) {
    throw new OptionError(
      "reducer",
      `${reducer} is for sets of at most ${limit.toLocaleString("en-US")} rows, this one has ${rows.toLocaleString("en-US")}: use reducer pca (linear, streams any size)`,
      { code: "reducer-too-many-rows", relatedOptions: ["reducer"] },
    );
  }
}

/** Reduces to `dims` with UMAP or t-SNE; what to store in map.json comes back in `describe`. */
export async function reduceNonlinear(source: RowSource & { inMemory?: Float32Array }, reducer: NonlinearReducer, dims: 2 | 3, seed: number, onEvent: ProgressListener) {
  checkNonlinearRows(reducer, source.rows);
  const { rows, cols } = source;
  let input: Float32Array;
  let inputDims = cols;
  let preprocessing = "none";
  if (cols > NONLINEAR_INPUT_DIMS && rows > NONLINEAR_INPUT_DIMS) {
    // Fit and coordinates in the same passes, on the Gram threads when big enough.
    input = (await pcaFitTransform(source, NONLINEAR_INPUT_DIMS, { seed })).points;
    inputDims = NONLINEAR_INPUT_DIMS;
    preprocessing = `PCA ${cols} → ${NONLINEAR_INPUT_DIMS} dims`;
  } else {
    input = source.inMemory ?? (await gather(source));
  }
  const started = performance.now();
  onEvent(progress.start("reduce", 100, "%"));
  let points: Float32Array;
  let parameters: Record<string, number | string>;
  if (reducer === "umap") {
    const result = await umap(input, rows, inputDims, dims, { seed, onProgress: (share) => onEvent(progress.tick("reduce", Math.round(100 * share), 100, "UMAP")) });
    points = result.points;
    parameters = { neighbours: result.neighbours, minDistance: result.minDistance, epochs: result.epochs, library: result.library };
  } else {
    const result = tsne(input, rows, inputDims, dims, { seed, onIteration: (done, total) => onEvent(progress.tick("reduce", Math.round((100 * done) / total), 100, "t-SNE")) });
    points = result.points;
    parameters = { perplexity: result.perplexity, neighbours: result.neighbours, iterations: result.iterations, theta: 0.5, klDivergence: result.klDivergence, init: "pca" };
  }
  onEvent(progress.end("reduce", 100, (performance.now() - started) / 1000));
  return {
    points,
    describe: {
      // No projection exists for a nonlinear map: placement of new points uses nearest neighbours.
      model: { components: [] as number[], cols, k: dims },
      placement: "nearest-neighbours" as const,
      preprocessing,
      parameters,
      note: NONLINEAR_NOTE,
    },
  };
}

async function gather(source: RowSource): Promise<Float32Array> {
  const out = new Float32Array(source.rows * source.cols);
  let offset = 0;
  for await (const block of source.blocks()) {
    out.set(block.data.subarray(0, block.rows * source.cols), offset);
    offset += block.rows * source.cols;
  }
  return out;
}
