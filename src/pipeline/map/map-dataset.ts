import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { type ProgressListener, silent } from "../../core/events.js";
import { readAll, type ReadOptions } from "../../data/read-dataset.js";
import { type DensityGrid, densityGrid } from "../../geometry/grid-density.js";
import { compareDensities, type DensityAgreement, knnDensity, knnDensityStreaming } from "../../geometry/knn-density.js";
import type { RowSource } from "../../geometry/matrix.js";
import { pca, pcaStreaming, projectPca, projectPcaStreaming } from "../../geometry/pca.js";
import { type SeedPair, selectSeedPairs } from "../../geometry/seed-pairs.js";
import { findSparseRegions, type SparseMap } from "../../geometry/sparse-regions.js";
import { chooseThreshold, type ThresholdChoice } from "../../geometry/threshold.js";
import { projectSvdDense, truncatedSvdDense } from "../../geometry/truncated-svd.js";
import { datasetDigest } from "../../store/digest.js";
import { beginStage, finishStage } from "../../store/stage-state.js";
import { atomicWriteFile } from "../../store/atomic-write.js";
import { float32MatrixShape, float32RowBlocks, readFloat32Matrix, writeFloat32Matrix } from "../../store/float32-matrix.js";
import type { Run } from "../../store/run.js";
import { describeEmbedder, embedExamples, type EmbedderInfo, type EmbeddingMode } from "./embed-examples.js";
import { checkNonlinearRows, isNonlinearReducer, reduceNonlinear } from "./reduce-nonlinear.js";

/** pca and svd are linear (§3.5 midpoints hold, any size); umap and tsne are for smaller sets. */
export const REDUCERS = ["pca", "svd", "umap", "tsne"] as const;
export type Reducer = (typeof REDUCERS)[number];

export interface MapOptions extends ReadOptions {
  /** The student; without one the lexical embedder is used (and every artifact says so). */
  student?: Engine;
  embedding?: EmbeddingMode;
  dims?: 2 | 3;
  reducer?: Reducer;
  /** Cells per axis; omitted: chosen from the data. */
  grid?: number[];
  /** Fixed T; omitted: chosen from the histogram. */
  threshold?: number;
  /** Sliding window side in cells (odd; 1 = none). */
  window?: number;
  /** Seed pairs to pick (spread over regions from the sparsest). */
  pairs?: number;
  seed?: number;
  /** Neighbour rank of the kNN density (0 turns it off). */
  knn?: number;
  onEvent?: ProgressListener;
}

/** A sparse region as stored in map.json. */
export interface MapRegion {
  rank: number;
  cells: number[];
  points: number;
  meanDensity: number;
  min: number[];
  max: number[];
  centroid: number[];
}

/** One seed pair as stored in map.json: what the generate stage needs, texts included. */
export interface MapSeedPair {
  region: number;
  axis: number;
  midpoint: number[];
  seeds: Array<{ index: number; id: string; question: string; answer: string; side: string; onSide: boolean; point: number[] }>;
}

/** map.json: the map of a run, read by later stages. */
export interface MapArtifact {
  version: 1;
  dataset: string;
  datasetDigest: string;
  rows: number;
  embedder: EmbedderInfo;
  embeddingDims: number;
  reducer: {
    name: Reducer;
    dims: number;
    explainedVarianceRatio?: number[];
    /** PCA/SVD: the fitted projection. UMAP/t-SNE: no components (nothing to project with). */
    model: { mean?: number[]; components: number[]; cols: number; k: number };
    /** How new points land on this map: "nearest-neighbours" for UMAP/t-SNE (absent: project with `model`). */
    placement?: "projection" | "nearest-neighbours";
    /** UMAP/t-SNE: what the embeddings went through first, the parameters, and why midpoints do not hold. */
    preprocessing?: string;
    parameters?: Record<string, number | string>;
    note?: string;
  };
  grid: { shape: number[]; min: number[]; max: number[]; cellSize: number[]; window: number; sizeRule: string; counts: number[] };
  threshold: { value: number; rule: string; histogram: { binWidth: number; counts: number[] } };
  sparseCells: number[];
  regions: MapRegion[];
  pairs: MapSeedPair[];
  knn?: { k: number; method: string; description: string; agreement: DensityAgreement };
  ids: string[];
}

export interface MapResult {
  artifact: MapArtifact;
  /** Map coordinates, `rows × dims`. */
  points: Float32Array;
  examples: Example[];
  grid: DensityGrid;
  seconds: Record<string, number>;
}

/** Bigger embedding matrices are streamed from disk in blocks instead of loaded. */
const IN_MEMORY_LIMIT_BYTES = 1 << 30;

/**
 * §3.2–§3.5 of the EmbedSDG paper: embed the questions (student or lexical), reduce to 2-D/3-D,
 * count a grid, choose T, find sparse regions, pick seed pairs from opposing sides and their
 * midpoints. The embeddings are the expensive part: they are kept in the run and resumed; the
 * geometry after them is recomputed on every call (seconds) and written atomically.
 */
export async function mapDataset(datasetPath: string, run: Run, options: MapOptions = {}): Promise<MapResult> {
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

  const { examples } = await timed("read", () => readAll(datasetPath, options));
  const digest = datasetDigest(examples);
  const embedder = describeEmbedder(options.student, mode);
  // Before the (expensive) embedding: a set too big for UMAP/t-SNE fails now, not after it.
  if (options.reducer && isNonlinearReducer(options.reducer)) checkNonlinearRows(options.reducer, examples.length);

  const embeddingsPath = run.path("embeddings.f32");
  const embedParams = { datasetDigest: digest, embedder: embedder.spec ?? "lexical", mode: embedder.kind === "student" ? mode : null, seed };
  if (beginStage(run.db, "embed", embedParams, run.dir) !== "done") {
    await timed("embed", () => embedExamples(examples, embeddingsPath, { engine: options.student, mode, onEvent, seed }));
    finishStage(run.db, "embed");
    run.event("embed-done", { rows: examples.length });
  }
  const shape = await float32MatrixShape(embeddingsPath);
  const source = await embeddingSource(embeddingsPath, shape.rows, shape.cols);

  const reducer = options.reducer ?? "pca";
  const reduced = await timed<ReducedMap>("reduce", () => (isNonlinearReducer(reducer) ? reduceNonlinear(source, reducer, dims, seed, onEvent) : reduce(source, reducer, dims, seed)));
  onEvent({ type: "notice", stage: "reduce", message: `reduced ${shape.rows} × ${shape.cols} to ${dims}-D by ${reducer} in ${seconds.reduce.toFixed(1)} s` });
  const points = reduced.points;
  const rows = shape.rows;

  const started = performance.now();
  const grid = densityGrid(points, rows, dims, { shape: options.grid, window: options.window ?? 1 });
  const threshold = chooseThreshold(grid.density, grid.counts, { fixed: options.threshold });
  const sparse = findSparseRegions(grid, threshold.threshold);
  const pairs = selectSeedPairs(points, rows, grid, sparse.regions, options.pairs ?? 20, { seed });
  seconds.density = (performance.now() - started) / 1000;
  onEvent({
    type: "notice",
    stage: "density",
    message: `grid ${grid.shape.join("×")}, T = ${threshold.threshold}: ${sparse.regions.length} sparse regions, ${pairs.length} seed pairs`,
  });

  let knn: MapArtifact["knn"];
  const k = options.knn ?? 10;
  if (k > 0 && rows > k) {
    knn = await timed("knn", async () => {
      const density = source.inMemory ? knnDensity(source.inMemory, rows, shape.cols, { k, seed }) : await knnDensityStreaming(source, { k, seed });
      return { k, method: density.method, description: density.description, agreement: compareDensities(grid.cellOfPoint, sparse.sparse, density) };
    });
  }

  const artifact: MapArtifact = {
    version: 1,
    dataset: datasetPath,
    datasetDigest: digest,
    rows,
    embedder,
    embeddingDims: shape.cols,
    reducer: { name: options.reducer ?? "pca", dims, ...reduced.describe },
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
    pairs: pairs.map((pair) => storedPair(pair, examples, points, dims)),
    knn,
    ids: examples.map((example) => example.id),
  };
  await writeFloat32Matrix(run.path("points.f32"), { data: points, rows, cols: dims });
  await atomicWriteFile(run.path("map.json"), JSON.stringify(artifact));
  run.event("map-done", { rows, sparseCells: artifact.sparseCells.length, regions: artifact.regions.length, pairs: artifact.pairs.length });
  return { artifact, points, examples, grid, seconds };
}

type EmbeddingSource = RowSource & { inMemory?: Float32Array };

async function embeddingSource(path: string, rows: number, cols: number): Promise<EmbeddingSource> {
  if (rows * cols * 4 <= IN_MEMORY_LIMIT_BYTES) {
    const matrix = await readFloat32Matrix(path);
    return {
      rows,
      cols,
      inMemory: matrix.data,
      *blocks() {
        yield { data: matrix.data, rows };
      },
    };
  }
  const blockRows = Math.max(64, Math.floor((64 << 20) / (cols * 4)));
  return {
    rows,
    cols,
    async *blocks() {
      for await (const block of float32RowBlocks(path, blockRows)) yield { data: block.data, rows: block.rows };
    },
  };
}

/** Map coordinates and what map.json records about the reducer (beyond its name and dims). */
type ReducedMap = { points: Float32Array; describe: Omit<MapArtifact["reducer"], "name" | "dims"> };

async function reduce(source: EmbeddingSource, reducer: "pca" | "svd", dims: number, seed: number): Promise<ReducedMap> {
  if (reducer === "svd") {
    // Truncated SVD (no centering) runs in memory: meant for sparse-like, already normalised embeddings.
    const data = source.inMemory ?? (await readFloat32Matrix((source as { path?: string }).path ?? "")).data;
    const model = truncatedSvdDense(data, source.rows, source.cols, dims, { seed });
    return {
      points: projectSvdDense(model, data, source.rows, source.cols),
      describe: { model: { components: [...model.components], cols: model.cols, k: model.k } },
    };
  }
  const model = source.inMemory ? pca(source.inMemory, source.rows, source.cols, dims, { seed }) : await pcaStreaming(source, dims, { seed });
  const points = source.inMemory ? projectPca(model, source.inMemory, source.rows, source.cols) : await projectPcaStreaming(model, source);
  return {
    points,
    describe: {
      explainedVarianceRatio: [...model.explainedVarianceRatio],
      model: { mean: [...model.mean], components: [...model.components], cols: model.cols, k: model.k },
    },
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
    region: pair.region,
    axis: pair.axis,
    midpoint: pair.midpoint,
    seeds: [seed(pair.first, pair.firstSide, pair.firstOnSide), seed(pair.second, pair.secondSide, pair.secondOnSide)],
  };
}
