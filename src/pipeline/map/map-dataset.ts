import type { Engine } from "../../core/engine.js";
import { OptionError, RunStateError } from "../../core/errors.js";
import type { Example } from "../../core/example.js";
import { type ProgressListener, silent } from "../../core/events.js";
import { readAll, type ReadOptions } from "../../data/read-dataset.js";
import type { DensityGrid } from "../../geometry/grid-density.js";
import type { SeedPair } from "../../geometry/seed-pairs.js";
import type { SparseMap } from "../../geometry/sparse-regions.js";
import { datasetDigest } from "../../store/digest.js";
import { writeFloat32Matrix } from "../../store/float32-matrix.js";
import type { Run } from "../../store/run.js";
import { beginStage, finishStage } from "../../store/stage-state.js";
import { describeEmbedder, EMBEDDING_MODES, embedExamples, type EmbedderInfo, type EmbeddingMode } from "./embed-examples.js";
import { type EmbeddingSource, openEmbeddingSource } from "./embedding-source.js";
import { MAP_ARTIFACT_VERSION, type MapArtifact, type MapSeedPair, writeMapArtifact } from "./map-artifact.js";
import { knnAgreement, type MapDensity, mapDensity } from "./map-density.js";
import { mapQuality, type MapQuality, targetCheck } from "./map-quality.js";
import { placeInterpolatedPairs } from "./place-interpolated-pairs.js";
import { precomputedEmbeddings } from "./precomputed-embeddings.js";
import { type ReducedMap, reduceEmbeddings, type Reducer, REDUCERS } from "./reduce-embeddings.js";
import { checkNonlinearRows, isNonlinearReducer } from "./reduce-nonlinear.js";

export type { MapArtifact, MapRegion, MapSeedPair, MapWindow } from "./map-artifact.js";
export type { MapQuality, MapWarning } from "./map-quality.js";
export { REDUCERS, type Reducer } from "./reduce-embeddings.js";

export interface MapOptions extends ReadOptions {
  /** The student; without one the lexical embedder is used (and every artifact says so). Not used to embed when `embeddings` is given. */
  student?: Engine;
  embedding?: EmbeddingMode;
  /**
   * Vectors made elsewhere, one per dataset row in the dataset's order, instead of embedding here:
   * a float32 `.npy` (`<f8`/`<f2` are converted), a `.f32` (raw little-endian float32 rows, or a
   * gapfill matrix file) or a `.parquet` with a list-of-float column.
   */
  embeddings?: string;
  /** Whose vectors `embeddings` are (the model that made them): said in every artifact. */
  embedderName?: string;
  /** The vector column of a Parquet `embeddings` file (default: its only list-of-float column). */
  embeddingColumn?: string;
  /** Vector length of `embeddings`: reads a raw .f32 by it, checks the other formats. Without it a raw .f32 has one row per dataset row. */
  embeddingDims?: number;
  dims?: 2 | 3;
  reducer?: Reducer;
  /** Cells per axis; omitted: chosen from the data. */
  grid?: number[];
  /** Fixed T; omitted: chosen from the histogram. */
  threshold?: number;
  /** Sliding window side in cells (odd; 1 = none). */
  window?: number;
  /** Seed pairs to pick (spread over sparse windows from the sparsest). */
  pairs?: number;
  seed?: number;
  /** Neighbour rank of the kNN density (0 turns it off). */
  knn?: number;
  /** Embedding matrices bigger than this many bytes are streamed from disk, not loaded (default 1 GiB). */
  inMemoryLimitBytes?: number;
  onEvent?: ProgressListener;
}

export interface MapResult {
  artifact: MapArtifact;
  /** Map coordinates, `rows × dims`. */
  points: Float32Array;
  examples: Example[];
  grid: DensityGrid;
  seconds: Record<string, number>;
}

/**
 * §3.2–§3.5 of the EmbedSDG paper: embed the questions (student or lexical), reduce to 2-D/3-D,
 * count a grid, choose T, find sparse regions, pick seed pairs from opposing sides and their
 * midpoints. The embeddings are the expensive part: they are kept in the run and resumed; the
 * geometry after them is recomputed on every call (seconds) and written atomically.
 */
export async function mapDataset(datasetPath: string, run: Run, options: MapOptions = {}): Promise<MapResult> {
  checkMapOptions(options);
  const onEvent = options.onEvent ?? silent;
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const value = await work();
    seconds[name] = (performance.now() - started) / 1000;
    return value;
  };
  const dims = options.dims ?? 2;
  const mode = options.embedding ?? "pooled";
  const seed = options.seed ?? 0;
  const reducer = options.reducer ?? "pca";

  const { examples } = await timed("read", () => readAll(datasetPath, options));
  const digest = datasetDigest(examples);
  // Before the (expensive) embedding: a set too big for UMAP/t-SNE fails now, not after it.
  if (isNonlinearReducer(reducer)) checkNonlinearRows(reducer, examples.length);

  let source: EmbeddingSource;
  let embedder: EmbedderInfo;
  if (options.embeddings !== undefined) {
    if (options.student) {
      onEvent({ type: "notice", stage: "embed", message: `the map is made from the vectors in ${options.embeddings}; the student ${options.student.spec} does not embed the dataset` });
    }
    ({ source, embedder } = await timed("embed", () =>
      precomputedEmbeddings(run, { path: datasetPath, rows: examples.length, digest }, { ...options, embeddings: options.embeddings as string, onEvent }),
    ));
  } else ({ source, embedder } = await embedHere(run, examples, digest, { ...options, mode, seed, onEvent, timed }));
  const { rows, cols } = source;

  const reduced = await timed("reduce", () => reduceEmbeddings(source, { reducer, dims, seed, onEvent }));
  onEvent({ type: "notice", stage: "reduce", message: `reduced ${rows} × ${cols} to ${dims}-D by ${reducer} in ${seconds.reduce.toFixed(1)} s` });

  const density = await timed("density", () => mapDensity(reduced.points, rows, dims, { grid: options.grid, window: options.window, threshold: options.threshold, pairs: options.pairs, seed }));
  onEvent({
    type: "notice",
    stage: "density",
    message:
      `grid ${density.grid.shape.join("×")}, T = ${density.threshold.threshold}: ${density.sparse.windows.length} sparse windows ` +
      `(${density.sparse.regions.length} regions), ${density.pairs.length} seed pairs`,
  });
  const knn = await timed("knn", () => knnAgreement(source, density, { k: options.knn ?? 10, seed }));
  // A nonlinear map keeps no midpoints: place each pair's interpolation like a new example and count what lands.
  const placed = isNonlinearReducer(reducer) ? await timed("place", () => placeInterpolatedPairs(source, reduced.points, dims, density.pairs)) : undefined;
  const quality = mapQuality({ reducer: { name: reducer, dims, ...reduced.describe }, density, knn, targets: targetCheck(density, placed) });
  const { targets } = quality;
  onEvent({
    type: "notice",
    stage: "density",
    message:
      `targets: ${targets.insideWindow} of ${targets.pairs} midpoints inside their window, ${targets.inSparseCell} in a sparse cell` +
      (targets.placedInsideWindow === undefined ? "" : `; ${targets.placedInsideWindow} placed inside their window on the ${reducer} map`),
  });
  for (const warning of quality.warnings) onEvent({ type: "warning", stage: "density", message: warning.message, try: warning.try });

  const artifact = mapArtifact({ datasetPath, digest, examples, embedder, embeddingDims: cols, reducer, dims, reduced, density, knn, quality });
  await writeFloat32Matrix(run.path("points.f32"), { data: reduced.points, rows, cols: dims });
  await writeMapArtifact(run.dir, artifact);
  run.event("map-done", { rows, sparseCells: artifact.sparseCells.length, regions: artifact.regions.length, pairs: artifact.pairs.length });
  return { artifact, points: reduced.points, examples, grid: density.grid, seconds };
}

/** The student's or the lexical embedder's vectors, made in this run (and resumed) or found done. */
async function embedHere(
  run: Run,
  examples: readonly Example[],
  digest: string,
  options: MapOptions & { mode: EmbeddingMode; seed: number; onEvent: ProgressListener; timed: <T>(name: string, work: () => Promise<T>) => Promise<T> },
): Promise<{ source: EmbeddingSource; embedder: EmbedderInfo }> {
  const { mode, seed, onEvent } = options;
  const embedder = describeEmbedder(options.student, mode);
  const embeddingsPath = run.path("embeddings.f32");
  const embedParams = { datasetDigest: digest, embedder: embedder.spec ?? "lexical", mode: embedder.kind === "student" ? mode : null, seed };
  let truncated: number;
  if (beginStage(run.db, "embed", embedParams, run.dir) !== "done") {
    ({ truncated } = await options.timed("embed", () => embedExamples(examples, embeddingsPath, { engine: options.student, mode, onEvent, seed })));
    finishStage(run.db, "embed");
    run.event("embed-done", { rows: examples.length, truncated });
  } else truncated = truncatedBefore(run);
  const source = await openEmbeddingSource(embeddingsPath, { inMemoryLimitBytes: options.inMemoryLimitBytes });
  if (source.rows !== examples.length) {
    throw new RunStateError("run-state-corrupt", `${embeddingsPath} holds ${source.rows} rows, the dataset ${examples.length}: the run's embeddings are damaged; use a new run directory`);
  }
  return { source, embedder: truncated > 0 ? { ...embedder, truncated } : embedder };
}

/** Option values the CLI would have refused, refused here too for library callers (by option name). */
function checkMapOptions(options: MapOptions): void {
  if (options.dims !== undefined && options.dims !== 2 && options.dims !== 3) throw new OptionError("dims", `must be 2 or 3, got ${options.dims}`);
  if (options.reducer !== undefined && !(REDUCERS as readonly string[]).includes(options.reducer)) {
    throw new OptionError("reducer", `must be one of ${REDUCERS.join(", ")}, got ${String(options.reducer)}`);
  }
  if (options.embedding !== undefined && !(EMBEDDING_MODES as readonly string[]).includes(options.embedding)) {
    throw new OptionError("embedding", `must be one of ${EMBEDDING_MODES.join(", ")}, got ${String(options.embedding)}`);
  }
  for (const name of ["pairs", "knn", "seed"] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new OptionError(name, `must be a non-negative integer, got ${value}`);
  }
  if (options.embeddings !== undefined && (typeof options.embeddings !== "string" || options.embeddings === "")) throw new OptionError("embeddings", "must be the path of a vector file");
  for (const name of ["embedderName", "embeddingColumn"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) throw new OptionError(name, "must be a non-empty name");
    if (value !== undefined && options.embeddings === undefined) throw new OptionError(name, "applies to vectors read from a file: give embeddings too", { relatedOptions: ["embeddings"] });
  }
  if (options.embedding !== undefined && options.embeddings !== undefined) {
    throw new OptionError("embedding", "chooses how a student embeds the dataset; with embeddings the vectors come from the file", { relatedOptions: ["embeddings"] });
  }
  if (options.embeddingDims !== undefined) {
    if (!Number.isInteger(options.embeddingDims) || options.embeddingDims <= 0) throw new OptionError("embeddingDims", `must be a positive integer, got ${options.embeddingDims}`);
    if (options.embeddings === undefined) throw new OptionError("embeddingDims", "applies to vectors read from a file: give embeddings too", { relatedOptions: ["embeddings"] });
  }
  if (options.threshold !== undefined && !(options.threshold >= 0)) throw new OptionError("threshold", `must be a non-negative number, got ${options.threshold}`);
  if (options.inMemoryLimitBytes !== undefined && !(options.inMemoryLimitBytes >= 0)) {
    throw new OptionError("inMemoryLimitBytes", `must be a non-negative number of bytes, got ${options.inMemoryLimitBytes}`);
  }
}

/** The write phase: everything later stages read about the map, in map.json's shape. */
function mapArtifact(parts: {
  datasetPath: string;
  digest: string;
  examples: readonly Example[];
  embedder: EmbedderInfo;
  embeddingDims: number;
  reducer: Reducer;
  dims: number;
  reduced: ReducedMap;
  density: MapDensity;
  knn: MapArtifact["knn"];
  quality: MapQuality;
}): MapArtifact {
  const { examples, reduced, density, dims } = parts;
  const { grid, threshold, sparse } = density;
  return {
    version: MAP_ARTIFACT_VERSION,
    dataset: parts.datasetPath,
    datasetDigest: parts.digest,
    rows: examples.length,
    embedder: parts.embedder,
    embeddingDims: parts.embeddingDims,
    reducer: { name: parts.reducer, dims, ...reduced.describe },
    grid: {
      shape: grid.shape,
      min: [...grid.min],
      max: [...grid.max],
      cellSize: [...grid.cellSize],
      window: grid.window,
      sizeRule: grid.sizeRule,
      counts: [...grid.counts],
    },
    threshold: { value: threshold.threshold, rule: threshold.rule, histogram: threshold.histogram },
    sparseCells: sparseCellList(sparse),
    regions: sparse.regions.map((region) => ({
      rank: region.rank,
      cells: region.cells,
      points: region.points,
      meanDensity: region.meanDensity,
      min: region.min,
      max: region.max,
      centroid: region.centroid,
    })),
    windows: sparse.windows.slice(0, density.pairs.reduce((last, pair) => Math.max(last, pair.window + 1), 0)).map((window) => ({
      rank: window.rank,
      cell: window.cell,
      points: window.points,
      min: window.min,
      max: window.max,
      region: window.region,
    })),
    pairs: density.pairs.map((pair) => storedPair(pair, examples, reduced.points, dims)),
    quality: parts.quality,
    knn: parts.knn,
    ids: examples.map((example) => example.id),
  };
}

function sparseCellList(sparse: SparseMap): number[] {
  const cells: number[] = [];
  for (let cell = 0; cell < sparse.sparse.length; cell++) if (sparse.sparse[cell]) cells.push(cell);
  return cells;
}

function storedPair(pair: SeedPair, examples: readonly Example[], points: Float32Array, dims: number): MapSeedPair {
  const seed = (index: number, side: string, onSide: boolean) => ({
    index,
    id: examples[index].id,
    question: examples[index].question,
    answer: examples[index].answer,
    side,
    onSide,
    point: [...points.subarray(index * dims, (index + 1) * dims)],
  });
  return {
    window: pair.window,
    midpointInside: pair.midpointInside,
    region: pair.region,
    axis: pair.axis,
    midpoint: pair.midpoint,
    seeds: [seed(pair.first, pair.firstSide, pair.firstOnSide), seed(pair.second, pair.secondSide, pair.secondOnSide)],
  };
}

/** Texts cut to the student's context when the embeddings were made (in an earlier call of this run). */
function truncatedBefore(run: Run): number {
  const payload = run.db.prepare("SELECT payload FROM events WHERE type = 'embed-done' ORDER BY id DESC LIMIT 1").pluck().get() as string | undefined;
  const truncated = payload === undefined ? 0 : (JSON.parse(payload) as { truncated?: unknown }).truncated;
  return typeof truncated === "number" ? truncated : 0;
}
