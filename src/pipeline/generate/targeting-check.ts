import type { Engine } from "../../core/engine.js";
import { fitLexicalModel, transformLexical } from "../../geometry/lexical-transform.js";
import { readFloat32Rows } from "../../store/float32-matrix.js";
import { weightedMean, type EmbeddingMode } from "../map/embed-examples.js";
import type { MapArtifact } from "../map/map-dataset.js";
import { NEAREST_PLACEMENT_K, needsNearestPlacement, placeOnNonlinearMap } from "../map/place-nonlinear.js";
import { dirname } from "node:path";
import { cellOfPoint, cellsTouch, sparseNeighbourhood } from "./map-cells.js";

/** A generated example placed on the map. */
export interface Placement {
  id: string;
  x: number;
  y: number;
  cell: number;
  /** The cell it was written for (embed only). */
  targetCell?: number;
  /** In or next to its target cell (embed only). */
  hitTarget?: boolean;
  /** In or next to any sparse cell. */
  nearSparse: boolean;
}

/** Did the generated examples land where the data was thin? */
export interface TargetingCheck {
  /** How the texts were embedded and placed. */
  method: string;
  placed: number;
  /** Share in or next to their own target cell (embed only; null for random). */
  targetHitRate: number | null;
  /** Share in or next to any sparse cell. */
  sparseHitRate: number;
  /** The same share for the dataset's own points: what a draw like the data would give. */
  datasetSparseShare: number;
  sparseCells: { cells: number; pointsBefore: number; pointsAdded: number; risePercent: number; liftedToT: number };
  points: Placement[];
  notes: string[];
}

/** What the check needs to embed new texts the way the map embedded the dataset. */
export interface PlacementContext {
  /** The dataset's questions, in map order (refits the lexical embedder exactly). */
  questions: readonly string[];
  /** Seed the map's embed stage used. */
  seed: number;
  /** The map's `embeddings.f32`, to confirm the refit reproduces it. */
  embeddingsPath: string;
  /** The student, when the map was made with one (same spec). */
  student?: Engine;
}

/**
 * Embeds accepted questions with the map's embedder (the lexical model is refit on the dataset,
 * never on the new texts, and checked against the stored embeddings; a student embeds them the
 * same way it embedded the set), projects them with the map's fitted PCA/SVD model, and counts
 * how many land in or next to their target sparse cell and how far the sparse cells' counts rose.
 */
export async function targetingCheck(map: MapArtifact, records: ReadonlyArray<{ id: string; question: string; cell?: number | null }>, context: PlacementContext): Promise<TargetingCheck> {
  const notes: string[] = [];
  const { vectors, method } = await embedNew(map, records.map((record) => record.question), context, notes);
  // UMAP/t-SNE maps have no projection: nearest training embeddings (same run directory) place them.
  const coordinates = needsNearestPlacement(map) ? await placeOnNonlinearMap(dirname(context.embeddingsPath), map, vectors, records.length) : project(map, vectors, records.length);
  const dims = map.reducer.dims;
  const near = sparseNeighbourhood(map.grid, map.sparseCells);
  const sparse = new Set(map.sparseCells);
  const added = new Map<number, number>();
  const points = records.map((record, i): Placement => {
    const point = coordinates.subarray(i * dims, (i + 1) * dims);
    const cell = cellOfPoint(map.grid, point);
    if (sparse.has(cell)) added.set(cell, (added.get(cell) ?? 0) + 1);
    const placement: Placement = { id: record.id, x: point[0], y: point[1], cell, nearSparse: near.has(cell) };
    if (typeof record.cell === "number") {
      placement.targetCell = record.cell;
      placement.hitTarget = cellsTouch(map.grid, cell, record.cell);
    }
    return placement;
  });
  const targeted = points.filter((point) => point.targetCell !== undefined);
  const pointsBefore = map.sparseCells.reduce((sum, cell) => sum + map.grid.counts[cell], 0);
  const pointsAdded = [...added.values()].reduce((a, b) => a + b, 0);
  let datasetNear = 0;
  for (const cell of near) datasetNear += map.grid.counts[cell];
  return {
    method,
    placed: points.length,
    targetHitRate: targeted.length === 0 ? null : targeted.filter((point) => point.hitTarget).length / targeted.length,
    sparseHitRate: points.length === 0 ? 0 : points.filter((point) => point.nearSparse).length / points.length,
    datasetSparseShare: map.rows === 0 ? 0 : datasetNear / map.rows,
    sparseCells: {
      cells: map.sparseCells.length,
      pointsBefore,
      pointsAdded,
      risePercent: pointsBefore === 0 ? 0 : (100 * pointsAdded) / pointsBefore,
      liftedToT: [...added].filter(([cell, count]) => map.grid.counts[cell] + count >= map.threshold.value).length,
    },
    points,
    notes,
  };
}

async function embedNew(map: MapArtifact, texts: string[], context: PlacementContext, notes: string[]): Promise<{ vectors: Float32Array; method: string }> {
  const reducer = needsNearestPlacement(map)
    ? `mean ${map.reducer.name.toUpperCase()} position of the ${NEAREST_PLACEMENT_K} nearest training embeddings`
    : `${map.reducer.name.toUpperCase()} model of the map`;
  if (map.embedder.kind === "lexical") {
    const model = fitLexicalModel(context.questions, { seed: context.seed });
    if (model.dims !== map.embeddingDims) throw new Error(`the lexical embedder refit gives ${model.dims} dims, the map has ${map.embeddingDims}: was the dataset changed?`);
    const check = Math.min(8, context.questions.length);
    const stored = await readFloat32Rows(context.embeddingsPath, 0, check);
    const again = transformLexical(model, context.questions.slice(0, check));
    let worst = 0;
    for (let i = 0; i < stored.length; i++) worst = Math.max(worst, Math.abs(stored[i] - again[i]));
    if (worst > 1e-3) notes.push(`the refit lexical model differs from the map's embeddings by up to ${worst.toExponential(1)}: placements are approximate`);
    return { vectors: texts.length === 0 ? new Float32Array(0) : transformLexical(model, texts), method: `lexical TF-IDF + SVD fitted on the dataset (not on the new texts), then the ${reducer}` };
  }
  const student = context.student;
  if (!student || student.spec !== map.embedder.spec) {
    throw new Error(`the map was made with the student ${map.embedder.spec}; pass the same --student to place generated examples on it`);
  }
  const mode = map.embedder.mode ?? "pooled";
  if (mode === "input-idf") notes.push("input-idf placement uses uniform token weights (the dataset's IDF table is not stored): approximate");
  return { vectors: await embedWithStudent(student, mode, texts, map.embeddingDims), method: `student ${student.spec} (${mode}), then the ${reducer}` };
}

async function embedWithStudent(student: Engine, mode: EmbeddingMode, texts: string[], cols: number): Promise<Float32Array> {
  const out = new Float32Array(texts.length * cols);
  if (mode === "pooled") {
    for (let start = 0; start < texts.length; start += 32) {
      const batch = await student.embed(texts.slice(start, start + 32), { stage: "generate-check" });
      out.set(batch.data, start * cols);
    }
    return out;
  }
  for (let i = 0; i < texts.length; i++) {
    const tokens = mode === "mean" ? await student.tokenEmbed(texts[i], { stage: "generate-check" }) : await student.inputEmbed(texts[i]);
    out.set(weightedMean(tokens), i * cols);
  }
  return out;
}

/** Applies the map's fitted reducer: PCA (x − mean)·Vᵀ, truncated SVD x·Vᵀ. */
function project(map: MapArtifact, vectors: Float32Array, rows: number): Float64Array {
  const { components, cols, k } = map.reducer.model;
  const mean = map.reducer.model.mean;
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += (vectors[r * cols + c] - (mean ? mean[c] : 0)) * components[j * cols + c];
      out[r * k + j] = sum;
    }
  }
  return out;
}
