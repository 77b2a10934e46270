import type { DensityAccuracy } from "../pipeline/evaluate/density-accuracy.js";
import type { EvaluationResult } from "../pipeline/evaluate/evaluate-student.js";
import type { MapPlacement } from "../pipeline/map/place-on-map.js";
import type { EvalReportData } from "./eval-report.js";

/** Items carried in the page; the rest stay in the run database. Wrong answers are listed first. */
const MAX_ITEMS_LISTED = 1_500;

/** Builds the evaluation page's data from a result and, with `--map`, the placement and the analysis. */
export function evalReportData(
  result: EvaluationResult,
  summary: Array<[string, string]>,
  map?: { placement: MapPlacement; analysis: DensityAccuracy },
  title = "gapfill evaluation",
): EvalReportData {
  const ordered = [...result.items].sort((a, b) => Number(a.correct) - Number(b.correct) || a.position - b.position);
  const listed = ordered.slice(0, MAX_ITEMS_LISTED).map((item) => ({
    position: item.position,
    id: item.id,
    question: item.question,
    reference: item.referenceAnswer,
    extracted: item.extracted,
    correct: item.correct,
    referenceLoss: item.referenceLoss,
    ownLoss: item.ownLoss,
    entropy: item.sampleEntropy,
  }));
  const data: EvalReportData = { title, summary, items: listed, itemsOmitted: result.items.length - listed.length };
  if (map) data.densityAccuracy = densitySection(result, map.placement, map.analysis);
  return data;
}

function densitySection(result: EvaluationResult, placement: MapPlacement, analysis: DensityAccuracy): NonNullable<EvalReportData["densityAccuracy"]> {
  const { map } = placement;
  const [nx, ny] = map.grid.shape;
  const nz = map.grid.shape[2] ?? 1;
  const counts = new Array<number>(nx * ny).fill(0);
  for (let z = 0; z < nz; z++) for (let i = 0; i < nx * ny; i++) counts[i] += map.grid.counts[z * nx * ny + i];
  const dims = placement.dims;
  const gx: number[] = [];
  const gy: number[] = [];
  for (let i = 0; i < result.items.length; i++) {
    gx.push(clamp(((placement.points[i * dims] - map.grid.min[0]) / (map.grid.max[0] - map.grid.min[0])) * nx, nx));
    gy.push(clamp(((placement.points[i * dims + 1] - map.grid.min[1]) / (map.grid.max[1] - map.grid.min[1])) * ny, ny));
  }
  return {
    embedder: { label: map.embedder.label, studentView: map.embedder.studentView },
    method: placement.method,
    notes: placement.notes,
    grouping: analysis.grouping,
    pearson: { r: analysis.pearson.coefficient, p: analysis.pearson.p },
    spearman: { rho: analysis.spearman.coefficient, p: analysis.spearman.p },
    fit: analysis.fit,
    regions: analysis.regions.map((region) => ({
      id: region.id,
      cells: region.cells.length,
      items: region.items,
      correct: region.correct,
      accuracy: region.accuracy.estimate,
      lower: region.accuracy.lower,
      upper: region.accuracy.upper,
      density: region.density,
      cellXY: region.cells.map((cell): [number, number] => [cell % nx, Math.floor(cell / nx) % ny]),
    })),
    grid: { nx, ny, counts },
    items: { gx, gy, correct: result.items.map((item) => item.correct) },
  };
}

function clamp(value: number, n: number): number {
  return Number.isFinite(value) ? Math.min(n, Math.max(0, value)) : 0;
}
