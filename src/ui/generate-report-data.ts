import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readGenerateSummary, generateSummaryPath } from "../pipeline/generate/generate-summary-file.js";
import { readMapArtifact } from "../pipeline/map/map-artifact.js";
import { listStrategies } from "../strategies/registry.js";
import { readFloat32Matrix } from "../store/float32-matrix.js";

const MAX_POINTS_DRAWN = 30_000;
const EXAMPLES_SHOWN = 5;

/** One strategy's column of the report. */
export interface StrategyPanel {
  name: string;
  color: string;
  /** The strategy's targets are the map's pair midpoints (drawn on its panel). */
  mapTargets: boolean;
  accepted: number;
  budget: number;
  attempts: number;
  stopped: string;
  rejected: Record<string, number>;
  targetHitRate: number | null;
  sparseHitRate: number | null;
  datasetSparseShare: number | null;
  sparseRise: { cells: number; pointsBefore: number; pointsAdded: number; risePercent: number; liftedToT: number } | null;
  method: string;
  requests: number;
  cached: number;
  tokens: number;
  seconds: number;
  decode: string;
  /** Placed generated points; `hit` = in or next to a sparse cell. */
  x: number[];
  y: number[];
  hit: boolean[];
  examples: Array<{ id: string; question: string; answer: string }>;
}

/** Everything the generate page draws. */
export interface GenerateReportData {
  title: string;
  dataset: string;
  embedder: { label: string; studentView: boolean };
  grid: { nx: number; ny: number; x0: number; y0: number; cellWidth: number; cellHeight: number; counts: number[] };
  sparseCells: Array<{ ix: number; iy: number }>;
  points: { x: number[]; y: number[] };
  /**
   * Seed pair midpoints (the embed strategy's targets), each with its window's box (x0, y0, x1, y1),
   * its two seeds, the student's decoded partial and the example written for it (when accepted).
   */
  targets: Array<{
    x: number;
    y: number;
    window?: number;
    box?: [number, number, number, number];
    seeds?: Array<{ id: string; question: string }>;
    partial?: string | null;
    example?: { id: string; question: string } | null;
  }>;
  /** Per window the pairs aim at: points before, after (every strategy's placed examples added), embed examples aimed there and landed in or next to it. */
  windows?: Array<{ rank: number; before: number; after: number; aimed: number; landed: number }>;
  strategies: StrategyPanel[];
}

/** Reads a run directory's map and every `generate-<strategy>.json` into page data. */
export async function generateReportData(runDir: string): Promise<GenerateReportData> {
  const map = readMapArtifact(runDir);
  const dims = map.reducer.dims;
  const [nx, ny] = map.grid.shape;
  const nz = dims === 3 ? map.grid.shape[2] : 1;
  const counts = new Array<number>(nx * ny).fill(0);
  for (let z = 0; z < nz; z++) for (let i = 0; i < nx * ny; i++) counts[i] += map.grid.counts[z * nx * ny + i];
  const columns = new Set(map.sparseCells.map((cell) => cell % (nx * ny)));

  const matrix = await readFloat32Matrix(join(runDir, "points.f32"));
  const stride = Math.max(1, Math.ceil(matrix.rows / MAX_POINTS_DRAWN));
  const points = { x: [] as number[], y: [] as number[] };
  for (let i = 0; i < matrix.rows; i += stride) {
    points.x.push(matrix.data[i * matrix.cols]);
    points.y.push(matrix.data[i * matrix.cols + 1]);
  }

  const records = readSynthetic(join(runDir, "synthetic.jsonl"));
  const strategies: StrategyPanel[] = [];
  for (const { name, report } of listStrategies("generate")) {
    if (!existsSync(generateSummaryPath(runDir, name))) continue;
    const result = readGenerateSummary(runDir, name);
    const targeting = result.targeting;
    strategies.push({
      name,
      color: report.color,
      mapTargets: report.mapTargets,
      accepted: result.accepted,
      budget: result.budget,
      attempts: result.attempts,
      stopped: result.stopped,
      rejected: result.rejected as Record<string, number>,
      targetHitRate: targeting?.targetHitRate ?? null,
      sparseHitRate: targeting?.sparseHitRate ?? null,
      datasetSparseShare: targeting?.datasetSparseShare ?? null,
      sparseRise: targeting?.sparseCells ?? null,
      method: targeting?.method ?? result.targetingNote ?? "not placed",
      requests: result.teacher.requests,
      cached: result.teacher.cached,
      tokens: result.teacher.promptTokens + result.teacher.completionTokens,
      seconds: result.seconds,
      decode: result.decode.used ? "student decoded each pair's interpolation" : result.decode.note ? `no partials: ${result.decode.note}` : "no partials",
      x: targeting?.points.map((point) => point.x) ?? [],
      y: targeting?.points.map((point) => point.y) ?? [],
      hit: targeting?.points.map((point) => point.nearSparse) ?? [],
      examples: records
        .filter((record) => record.strategy === name)
        .slice(0, EXAMPLES_SHOWN)
        .map((record) => ({ id: record.id, question: record.question, answer: record.answer })),
    });
  }
  const embedRecords = records.filter((record) => record.strategy === "embed");
  const recordOfPair = (ids: readonly string[]) => embedRecords.find((record) => record.seed_ids?.length === ids.length && record.seed_ids.every((id, i) => id === ids[i]));
  const hitById = new Map<string, boolean>();
  const placedPoints: Array<{ x: number; y: number }> = [];
  for (const name of strategies.map((strategy) => strategy.name)) {
    const targeting = readGenerateSummary(runDir, name).targeting;
    for (const point of targeting?.points ?? []) {
      placedPoints.push({ x: point.x, y: point.y });
      if (name === "embed" && point.hitTarget !== undefined) hitById.set(point.id, point.hitTarget);
    }
  }
  const windowOfRecord = (record: SyntheticRecord) =>
    typeof record.window === "number" ? record.window : map.pairs.find((pair) => pair.seeds.every((seed, i) => seed.id === record.seed_ids?.[i]))?.window;
  const usedWindows = map.windows.filter((window) => map.pairs.some((pair) => pair.window === window.rank));
  const windows = usedWindows.map((window) => {
    const inside = (point: { x: number; y: number }) => point.x >= window.min[0] && point.x <= window.max[0] && point.y >= window.min[1] && point.y <= window.max[1];
    const aimed = embedRecords.filter((record) => windowOfRecord(record) === window.rank);
    return {
      rank: window.rank + 1,
      before: window.points,
      after: window.points + placedPoints.filter(inside).length,
      aimed: aimed.length,
      landed: aimed.filter((record) => hitById.get(record.id) === true).length,
    };
  });
  return {
    title: strategies.length > 0 ? `gapfill generate: ${strategies.map((strategy) => strategy.name).join(" vs ")}` : "gapfill generate: no strategy run yet",
    dataset: map.dataset,
    embedder: { label: map.embedder.label, studentView: map.embedder.studentView },
    grid: { nx, ny, x0: map.grid.min[0], y0: map.grid.min[1], cellWidth: map.grid.cellSize[0], cellHeight: map.grid.cellSize[1], counts },
    sparseCells: [...columns].map((column) => ({ ix: column % nx, iy: Math.floor(column / nx) })),
    points,
    targets: map.pairs.map((pair) => {
      const record = recordOfPair(pair.seeds.map((seed) => seed.id));
      const window = map.windows[pair.window];
      return {
        x: pair.midpoint[0],
        y: pair.midpoint[1],
        window: pair.window,
        box: [window.min[0], window.min[1], window.max[0], window.max[1]] as [number, number, number, number],
        seeds: pair.seeds.map((seed) => ({ id: seed.id, question: seed.question })),
        partial: record?.decoded_partial ?? null,
        example: record ? { id: record.id, question: record.question } : null,
      };
    }),
    windows,
    strategies,
  };
}

/** The fields of synthetic.jsonl records the page shows. */
interface SyntheticRecord {
  id: string;
  question: string;
  answer: string;
  strategy: string;
  seed_ids?: string[];
  window?: number;
  decoded_partial?: string | null;
}

function readSynthetic(path: string): SyntheticRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SyntheticRecord);
}
