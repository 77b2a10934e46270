import type { Engine } from "../../core/engine.js";
import type { MapArtifact } from "../map/map-dataset.js";
import { placeOnMap } from "../map/place-on-map.js";
import { cellOfPoint, cellsTouch, sparseNeighbourhood } from "../../strategies/embed/map-cells.js";

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
  /** The run directory holding the map (map.json, embeddings.f32, points.f32). */
  mapDir: string;
  /** The dataset's questions, in map order (refits the lexical embedder exactly). */
  questions: readonly string[];
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
  const placed = await placeOnMap(context.mapDir, records.map((record) => record.question), { student: context.student, datasetQuestions: context.questions });
  const { method, notes } = placed;
  const coordinates = placed.points;
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

