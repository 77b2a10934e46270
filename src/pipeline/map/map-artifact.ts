/**
 * map.json: the map of a run, written by the map stage and read back by generate (seed pairs,
 * grid), eval (placement on the map) and the reports. Read only through {@link readMapArtifact}:
 * it checks the fields those readers use, moves older versions forward and refuses newer ones.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { DensityAgreement } from "../../geometry/knn-density.js";
import { ArtifactError, type JsonArtifactFormat, readJsonArtifact, writeJsonArtifact } from "../../store/json-artifact.js";
import { EMBEDDING_MODES, type EmbedderInfo } from "./embed-examples.js";
import type { MapQuality } from "./map-quality.js";
import { type Reducer, REDUCERS } from "./reduce-embeddings.js";

/** File name of the map in a run directory. */
export const MAP_FILE = "map.json";

/**
 * Version history:
 * 1. first map.json; `reducer.placement` was added later and is absent in early files.
 * 2. `reducer.placement` always present ("projection" for PCA/SVD, "nearest-neighbours" for UMAP/t-SNE).
 * 3. Seed pairs per sparse window (§3.3's sliding window G), not per merged region: `windows`, each
 *    pair's `window` and `midpointInside`, and `quality` (where the targets fall, warnings).
 */
export const MAP_ARTIFACT_VERSION = 3;

/** A sparse window as stored in map.json (the ones the pairs use, by rank). */
export interface MapWindow {
  rank: number;
  cell: number;
  /** Points in the window. */
  points: number;
  min: number[];
  max: number[];
  /** Rank of the merged region of its centre cell (-1: none). */
  region: number;
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
  /** Rank of the window the pair was picked for (an index into `windows`). */
  window: number;
  /** The midpoint lies inside that window. */
  midpointInside: boolean;
  region: number;
  axis: number;
  midpoint: number[];
  seeds: Array<{ index: number; id: string; question: string; answer: string; side: string; onSide: boolean; point: number[] }>;
}

/** map.json: the map of a run, read by later stages. */
export interface MapArtifact {
  version: typeof MAP_ARTIFACT_VERSION;
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
    /** How new points land on this map: projected with `model`, or by nearest neighbours (UMAP/t-SNE). */
    placement: "projection" | "nearest-neighbours";
    /** UMAP/t-SNE: what the embeddings went through first, the parameters, and why midpoints do not hold. */
    preprocessing?: string;
    parameters?: Record<string, number | string>;
    note?: string;
  };
  grid: { shape: number[]; min: number[]; max: number[]; cellSize: number[]; window: number; sizeRule: string; counts: number[] };
  threshold: { value: number; rule: string; histogram: { binWidth: number; counts: number[] } };
  sparseCells: number[];
  regions: MapRegion[];
  /** The sparse windows, sparsest first, up to the last one a pair uses. */
  windows: MapWindow[];
  pairs: MapSeedPair[];
  /** Where the targets fall and what is wrong with the map, with what to try. */
  quality: MapQuality;
  knn?: { k: number; method: string; description: string; agreement: DensityAgreement };
  ids: string[];
}

const count = z.number().int().nonnegative();
const numbers = z.array(z.number());

const embedderSchema = z
  .object({
    kind: z.enum(["lexical", "student", "precomputed"]),
    label: z.string(),
    studentView: z.boolean(),
    spec: z.string().optional(),
    mode: z.enum(EMBEDDING_MODES).optional(),
    truncated: z.number().int().nonnegative().optional(),
  })
  .passthrough();

const reducerSchema = z
  .object({
    name: z.enum(REDUCERS),
    dims: z.number().int().min(1).max(3),
    explainedVarianceRatio: numbers.optional(),
    model: z.object({ mean: numbers.optional(), components: numbers, cols: count, k: count }).passthrough(),
    placement: z.enum(["projection", "nearest-neighbours"]),
    preprocessing: z.string().optional(),
    parameters: z.record(z.union([z.number(), z.string()])).optional(),
    note: z.string().optional(),
  })
  .passthrough();

const seedSchema = z
  .object({ index: count, id: z.string(), question: z.string(), answer: z.string(), side: z.string(), onSide: z.boolean(), point: numbers })
  .passthrough();

const mapArtifactSchema = z
  .object({
    version: z.literal(MAP_ARTIFACT_VERSION),
    dataset: z.string(),
    datasetDigest: z.string().regex(/^[0-9a-f]{16}$/, "expected 16 hex digits"),
    rows: count,
    embedder: embedderSchema,
    embeddingDims: z.number().int().positive(),
    reducer: reducerSchema,
    grid: z
      .object({ shape: z.array(z.number().int().positive()).min(1), min: numbers, max: numbers, cellSize: numbers, window: z.number().int().positive(), sizeRule: z.string(), counts: z.array(count) })
      .passthrough(),
    threshold: z.object({ value: z.number(), rule: z.string(), histogram: z.object({ binWidth: z.number(), counts: z.array(count) }).passthrough() }).passthrough(),
    sparseCells: z.array(count),
    regions: z
      .array(z.object({ rank: count, cells: z.array(count), points: count, meanDensity: z.number(), min: numbers, max: numbers, centroid: numbers }).passthrough()),
    windows: z.array(z.object({ rank: count, cell: count, points: z.number(), min: numbers, max: numbers, region: z.number().int() }).passthrough()),
    pairs: z.array(
      z.object({ window: count, midpointInside: z.boolean(), region: z.number().int(), axis: count, midpoint: numbers, seeds: z.array(seedSchema).length(2) }).passthrough(),
    ),
    quality: z
      .object({
        targets: z.object({ pairs: count, insideWindow: count, inSparseCell: count, placedInsideWindow: count.optional() }).passthrough(),
        warnings: z.array(z.object({ code: z.string(), message: z.string(), try: z.array(z.object({ option: z.string(), value: z.union([z.string(), z.number()]) })) }).passthrough()),
      })
      .passthrough(),
    knn: z
      // The agreement is only shown, never computed with, and duplicate rows make its cutoff infinite (null in JSON): not checked further.
      .object({ k: count, method: z.string(), description: z.string(), agreement: z.object({}).passthrough() })
      .passthrough()
      .optional(),
    ids: z.array(z.string()),
  })
  .passthrough()
  // The shapes that tie fields together: a map whose parts disagree would place points wrongly, silently.
  .superRefine((map, context) => {
    const issue = (path: Array<string | number>, message: string) => context.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (map.ids.length !== map.rows) issue(["ids"], `expected ${map.rows} ids (rows), got ${map.ids.length}`);
    map.pairs.forEach((pair, i) => {
      if (map.windows[pair.window]?.rank !== pair.window) issue(["pairs", i, "window"], `window ${pair.window} is not in windows (${map.windows.length} stored)`);
    });
    if (map.grid.shape.length !== map.reducer.dims) issue(["grid", "shape"], `expected ${map.reducer.dims} axes (reducer.dims), got ${map.grid.shape.length}`);
    const cells = map.grid.shape.reduce((product, side) => product * side, 1);
    if (map.grid.counts.length !== cells) issue(["grid", "counts"], `expected ${cells} cells (the product of grid.shape), got ${map.grid.counts.length}`);
    const { model } = map.reducer;
    if (model.k !== map.reducer.dims) issue(["reducer", "model", "k"], `expected ${map.reducer.dims} (reducer.dims), got ${model.k}`);
    if (map.reducer.placement === "projection") {
      if (model.cols !== map.embeddingDims) issue(["reducer", "model", "cols"], `expected ${map.embeddingDims} (embeddingDims), got ${model.cols}`);
      if (model.components.length !== model.k * model.cols) issue(["reducer", "model", "components"], `expected ${model.k * model.cols} numbers (k × cols), got ${model.components.length}`);
      if (model.mean !== undefined && model.mean.length !== model.cols) issue(["reducer", "model", "mean"], `expected ${model.cols} numbers (cols), got ${model.mean.length}`);
    }
  }) as z.ZodType<MapArtifact, z.ZodTypeDef, unknown>;

/** How map.json is versioned, checked and migrated. */
export const mapArtifactFormat: JsonArtifactFormat<MapArtifact> = {
  name: MAP_FILE,
  version: MAP_ARTIFACT_VERSION,
  schema: mapArtifactSchema,
  migrations: {
    // Version 1 files made before UMAP/t-SNE have no placement: they were all projections.
    1: (document) => {
      const reducer = (document.reducer ?? {}) as Record<string, unknown>;
      const nonlinear = reducer.name === "umap" || reducer.name === "tsne";
      return { ...document, reducer: { ...reducer, placement: reducer.placement ?? (nonlinear ? "nearest-neighbours" : "projection") } };
    },
    // Version 2 picked pairs per merged region: each pair's window becomes the cell its midpoint is in.
    2: migratePairsToWindows,
  },
};

/**
 * Version 2 → 3. A version-2 pair aimed at a region's bounding box; the nearest equivalent of a
 * window is the one cell its midpoint falls in. `quality` is recounted from that; no warnings are
 * invented for a map this gapfill did not check.
 */
function migratePairsToWindows(document: Record<string, unknown>): Record<string, unknown> {
  const grid = document.grid as { shape?: number[]; min?: number[]; cellSize?: number[]; counts?: number[] } | undefined;
  const pairs = (Array.isArray(document.pairs) ? document.pairs : []) as Array<Record<string, unknown>>;
  const sparse = new Set((document.sparseCells as number[] | undefined) ?? []);
  if (!grid?.shape || !grid.min || !grid.cellSize) return { ...document, windows: [], quality: { targets: { pairs: 0, insideWindow: 0, inSparseCell: 0 }, warnings: [] } };
  const { shape, min, cellSize } = grid;
  const windows: Array<Record<string, unknown>> = [];
  const rankOfCell = new Map<number, number>();
  const migrated = pairs.map((pair) => {
    const midpoint = (pair.midpoint as number[] | undefined) ?? [];
    const coordinates = shape.map((n, d) => Math.min(n - 1, Math.max(0, Math.floor((midpoint[d] - min[d]) / cellSize[d]))));
    let cell = 0;
    for (let d = shape.length - 1; d >= 0; d--) cell = cell * shape[d] + coordinates[d];
    let rank = rankOfCell.get(cell);
    if (rank === undefined) {
      rank = windows.length;
      rankOfCell.set(cell, rank);
      windows.push({
        rank,
        cell,
        points: grid.counts?.[cell] ?? 0,
        min: coordinates.map((c, d) => min[d] + c * cellSize[d]),
        max: coordinates.map((c, d) => min[d] + (c + 1) * cellSize[d]),
        region: typeof pair.region === "number" ? pair.region : -1,
      });
    }
    return { ...pair, window: rank, midpointInside: true, _sparse: sparse.has(cell) };
  });
  const inSparseCell = migrated.filter((pair) => pair._sparse).length;
  return {
    ...document,
    windows,
    pairs: migrated.map(({ _sparse, ...pair }) => pair),
    quality: { targets: { pairs: migrated.length, insideWindow: migrated.length, inSparseCell }, warnings: [] },
  };
}

/**
 * Reads and checks the map at `path`: a run directory (its map.json) or the file itself. A missing
 * map, a malformed field, a version this gapfill cannot read: an {@link ArtifactError} naming the
 * file (and the field).
 */
export function readMapArtifact(path: string): MapArtifact {
  const file = isDirectory(path) ? join(path, MAP_FILE) : path;
  if (!isFile(file)) {
    throw new ArtifactError("map-missing", `${path}: no ${MAP_FILE} there (map a dataset into that run directory first)`, { file });
  }
  return readJsonArtifact(file, mapArtifactFormat);
}

/** Writes `artifact` as the map of run directory `runDir`, atomically. */
export async function writeMapArtifact(runDir: string, artifact: MapArtifact): Promise<void> {
  await writeJsonArtifact(join(runDir, MAP_FILE), mapArtifactFormat, artifact);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
