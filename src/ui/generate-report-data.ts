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
  /** Seed pair midpoints (the embed strategy's targets). */
  targets: Array<{ x: number; y: number }>;
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
      examples: records.filter((record) => record.strategy === name).slice(0, EXAMPLES_SHOWN),
    });
  }
  return {
    title: strategies.length > 0 ? `gapfill generate: ${strategies.map((strategy) => strategy.name).join(" vs ")}` : "gapfill generate: no strategy run yet",
    dataset: map.dataset,
    embedder: { label: map.embedder.label, studentView: map.embedder.studentView },
    grid: { nx, ny, x0: map.grid.min[0], y0: map.grid.min[1], cellWidth: map.grid.cellSize[0], cellHeight: map.grid.cellSize[1], counts },
    sparseCells: [...columns].map((column) => ({ ix: column % nx, iy: Math.floor(column / nx) })),
    points,
    targets: map.pairs.map((pair) => ({ x: pair.midpoint[0], y: pair.midpoint[1] })),
    strategies,
  };
}

function readSynthetic(path: string): Array<{ id: string; question: string; answer: string; strategy: string }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { id: string; question: string; answer: string; strategy: string });
}
