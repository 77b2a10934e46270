import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readGenerateSummary, generateSummaryPath } from "../../pipeline/generate/generate-summary-file.js";
import { MAP_FILE, readMapArtifact, type MapArtifact } from "../../pipeline/map/map-artifact.js";
import { listStrategies } from "../../strategies/registry.js";
import { readFloat32Matrix } from "../../store/float32-matrix.js";

/** A generated example as the map shows it: where it landed and what it was written from. */
export interface MapViewGenerated {
  id: string;
  strategy: string;
  /** `source` of the record (the strategy, or what the loop says it came from). */
  source: string;
  round: number | null;
  /** Dataset rows of its seeds (-1: a seed id not on this map). */
  seeds: number[];
  /** Where its seeds are on the map (null: not on it). */
  seedPoints: Array<[number, number] | null>;
  window: number | null;
  cell: number | null;
  /** The target it was written for (embed: the pair's midpoint). */
  midpoint: [number, number] | null;
  partial: string | null;
  question: string;
  answer: string;
  /** Its position in the point buffer, or -1 when the run never placed it on the map. */
  point: number;
}

/** Everything about a run's map except the per-point arrays and the dataset's texts. */
export interface MapViewMeta {
  title: string;
  dataset: string;
  embedder: { label: string; studentView: boolean };
  reducer: string;
  /** Dataset rows: points `[0, rows)` of the buffer; generated examples follow. */
  rows: number;
  /** Points in the buffer (rows + placed generated examples). */
  points: number;
  grid: { nx: number; ny: number; x0: number; y0: number; cellWidth: number; cellHeight: number; counts: number[]; threshold: number };
  /** Sparse cells as 2-D columns `ix + nx * iy` (a 3-D map is shown from above). */
  sparseCells: number[];
  windows: Array<{ rank: number; min: [number, number]; max: [number, number]; points: number }>;
  /** Seed pairs: their rows, where the two seeds are, and the midpoint target between them. */
  pairs: Array<{ window: number | null; seeds: [number, number]; ends: [[number, number], [number, number]]; midpoint: [number, number] }>;
  generated: MapViewGenerated[];
  /** Fields the points can be coloured by (filled by {@link colorFields}). */
  fields: Array<{ name: string; label: string }>;
  notes: string[];
}

/** A run's map, loaded for the view: the meta plus the points `[x0, y0, x1, y1, …]`. */
export interface MapViewModel {
  meta: MapViewMeta;
  /** Interleaved x/y of every point in the buffer, dataset rows first. */
  xy: Float32Array;
  map: MapArtifact;
  runDir: string;
}

/**
 * Reads a run's map.json, points.f32, generated examples and their placements into the view's
 * model. `known` is map.json's artifact when the caller has just written it (the map command):
 * not read and checked again.
 */
export async function loadMapViewModel(runDir: string, known?: MapArtifact): Promise<MapViewModel> {
  const map = known ?? readMapArtifact(runDir);
  const matrix = await readFloat32Matrix(join(runDir, "points.f32"));
  const rows = Math.min(matrix.rows, map.rows);
  const notes: string[] = [];
  if (matrix.rows !== map.rows) notes.push(`points.f32 holds ${matrix.rows} rows, map.json ${map.rows}: showing ${rows}`);
  const [nx, ny] = map.grid.shape;
  const nz = map.reducer.dims === 3 ? map.grid.shape[2] : 1;
  if (nz > 1) notes.push("a 3-D map, shown from above (x, y); density summed over z");
  const counts = new Array<number>(nx * ny).fill(0);
  for (let z = 0; z < nz; z++) for (let i = 0; i < nx * ny; i++) counts[i] += map.grid.counts[z * nx * ny + i];

  const rowOfId = new Map(map.ids.map((id, index) => [id, index] as const));
  const placed = placements(runDir);
  const generated = readSynthetic(join(runDir, "synthetic.jsonl")).map((record): MapViewGenerated => ({
    id: String(record.id),
    strategy: String(record.strategy ?? "generated"),
    source: String(record.source ?? record.strategy ?? "generated"),
    round: typeof record.round === "number" ? record.round : null,
    seeds: Array.isArray(record.seed_ids) ? record.seed_ids.map((id) => rowOfId.get(String(id)) ?? -1) : [],
    seedPoints: [],
    window: typeof record.window === "number" ? record.window : null,
    cell: typeof record.cell === "number" ? record.cell : null,
    midpoint: Array.isArray(record.midpoint) && record.midpoint.length >= 2 ? [Number(record.midpoint[0]), Number(record.midpoint[1])] : null,
    partial: typeof record.decoded_partial === "string" ? record.decoded_partial : null,
    question: String(record.question ?? ""),
    answer: String(record.answer ?? ""),
    point: -1,
  }));
  for (const example of generated) {
    example.seedPoints = example.seeds.map((row) => (row >= 0 && row < rows ? [matrix.data[row * matrix.cols], matrix.data[row * matrix.cols + 1]] : null));
  }
  const placedGenerated = generated.filter((example) => placed.has(example.id));
  const xy = new Float32Array((rows + placedGenerated.length) * 2);
  for (let i = 0; i < rows; i++) {
    xy[2 * i] = matrix.data[i * matrix.cols];
    xy[2 * i + 1] = matrix.data[i * matrix.cols + 1];
  }
  placedGenerated.forEach((example, j) => {
    const at = placed.get(example.id)!;
    example.point = rows + j;
    xy[2 * (rows + j)] = at.x;
    xy[2 * (rows + j) + 1] = at.y;
  });
  if (generated.length > placedGenerated.length) notes.push(`${generated.length - placedGenerated.length} generated examples were never placed on the map: listed, not drawn`);

  return {
    runDir,
    map,
    xy,
    meta: {
      title: `gapfill map: ${map.dataset}`,
      dataset: map.dataset,
      embedder: { label: map.embedder.label, studentView: map.embedder.studentView },
      reducer: map.reducer.name,
      rows,
      points: rows + placedGenerated.length,
      grid: { nx, ny, x0: map.grid.min[0], y0: map.grid.min[1], cellWidth: map.grid.cellSize[0], cellHeight: map.grid.cellSize[1], counts, threshold: map.threshold.value },
      sparseCells: [...new Set(map.sparseCells.map((cell) => cell % (nx * ny)))],
      windows: map.windows.map((window) => ({ rank: window.rank, min: [window.min[0], window.min[1]], max: [window.max[0], window.max[1]], points: window.points })),
      // Another map version may pick pairs differently: only the fields every version has are read.
      pairs: map.pairs.map((pair) => ({
        window: typeof pair.window === "number" ? pair.window : null,
        seeds: [pair.seeds[0].index, pair.seeds[1].index],
        ends: [
          [pair.seeds[0].point[0], pair.seeds[0].point[1]],
          [pair.seeds[1].point[0], pair.seeds[1].point[1]],
        ],
        midpoint: [pair.midpoint[0], pair.midpoint[1]],
      })),
      generated,
      fields: [],
      notes,
    },
  };
}

/** A stamp of the files the model is read from: a model cached under it is stale once any of them changes. */
export function mapVersionStamp(runDir: string): number {
  const files = [MAP_FILE, "points.f32", "synthetic.jsonl"].map((file) => statSync(join(runDir, file), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  return files.reduce((a, b) => a * 31 + b, 0);
}

/** Where each placed generated example landed, by id, from every `generate-<strategy>.json`. */
function placements(runDir: string): Map<string, { x: number; y: number }> {
  const placed = new Map<string, { x: number; y: number }>();
  for (const { name } of listStrategies("generate")) {
    if (!existsSync(generateSummaryPath(runDir, name))) continue;
    const points = readGenerateSummary(runDir, name).targeting?.points ?? [];
    for (const point of points) placed.set(point.id, { x: point.x, y: point.y });
  }
  return placed;
}

type SyntheticRecord = Record<string, unknown> & { seed_ids?: unknown[]; midpoint?: unknown[] };

function readSynthetic(path: string): SyntheticRecord[] {
  if (!existsSync(path)) return [];
  const records: SyntheticRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as SyntheticRecord);
    } catch {
      // A torn last line of a generate still running: it is complete on the next read.
    }
  }
  return records;
}
