import type { EmbeddingsFileInfo } from "../pipeline/map/embed-examples.js";
import type { MapResult } from "../pipeline/map/map-dataset.js";
import { warningText } from "./map-warning-text.js";
import type { MapReportData } from "./map-report.js";

const EXAMPLES_PER_REGION = 3;
const MAX_REGIONS_LISTED = 25;
/** Points drawn on the page; beyond this a seeded stride sample keeps the page light. */
const MAX_POINTS_DRAWN = 60_000;

/**
 * Turns a map into what the page draws. A 3-D map is shown from above (its first two axes):
 * counts are summed over the third axis and a column is outlined if any of its cells is sparse.
 */
export function mapReportData(result: MapResult, title = "gapfill map"): MapReportData {
  const { artifact, points, examples } = result;
  const dims = artifact.reducer.dims;
  const [nx, ny] = artifact.grid.shape;
  const nz = dims === 3 ? artifact.grid.shape[2] : 1;
  const counts = new Array<number>(nx * ny).fill(0);
  for (let z = 0; z < nz; z++) for (let i = 0; i < nx * ny; i++) counts[i] += artifact.grid.counts[z * nx * ny + i];

  const regionOfCell = new Map<number, number>();
  for (const region of artifact.regions) for (const cell of region.cells) regionOfCell.set(cell, region.rank);
  const seen = new Set<number>();
  const sparseCells: MapReportData["sparseCells"] = [];
  for (const cell of artifact.sparseCells) {
    const column = cell % (nx * ny);
    if (seen.has(column)) continue;
    seen.add(column);
    sparseCells.push({ ix: column % nx, iy: Math.floor(column / nx), count: counts[column], region: regionOfCell.get(cell) ?? -1 });
  }

  const regionExamples = new Map<number, Array<{ id: string; text: string }>>();
  for (let i = 0; i < artifact.rows; i++) {
    const rank = regionOfCell.get(result.grid.cellOfPoint[i]);
    if (rank === undefined || rank >= MAX_REGIONS_LISTED) continue;
    const list = regionExamples.get(rank) ?? [];
    if (list.length < EXAMPLES_PER_REGION) list.push({ id: examples[i].id, text: examples[i].question });
    regionExamples.set(rank, list);
  }

  const stride = Math.max(1, Math.ceil(artifact.rows / MAX_POINTS_DRAWN));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < artifact.rows; i += stride) {
    x.push(points[i * dims]);
    y.push(points[i * dims + 1]);
  }

  const knn = artifact.knn;
  const summary: Array<[string, string]> = [
    ["rows", String(artifact.rows)],
    ["embedder", artifact.embedder.label],
    ...(artifact.embedder.truncated ? [["truncated", `${artifact.embedder.truncated} of ${artifact.rows} texts were longer than the student's context and were embedded from their first tokens`] as [string, string]] : []),
    ...(artifact.embedder.file ? [["vectors", vectorsFileText(artifact.embedder.file)] as [string, string]] : []),
    ["embedding dims", String(artifact.embeddingDims)],
    [
      "reducer",
      `${artifact.reducer.name} → ${dims}-D` +
        (artifact.reducer.explainedVarianceRatio
          ? ` (explained variance ${artifact.reducer.explainedVarianceRatio.map((v) => (100 * v).toFixed(1) + "%").join(", ")})`
          : ""),
    ],
    ["grid", `${artifact.grid.shape.join(" × ")} cells (${artifact.grid.sizeRule})` + (artifact.grid.window > 1 ? `, window ${artifact.grid.window}` : "")],
    ["threshold T", `${artifact.threshold.value} (${artifact.threshold.rule})`],
    ["sparse cells", `${artifact.sparseCells.length} in ${artifact.regions.length} regions`],
    ["seed pairs", `${artifact.pairs.length} over ${new Set(artifact.pairs.map((pair) => pair.window)).size} sparse windows, sparsest first`],
    [
      "targets",
      `${artifact.quality.targets.insideWindow} of ${artifact.quality.targets.pairs} midpoints inside their window, ${artifact.quality.targets.inSparseCell} in a sparse cell` +
        (artifact.quality.targets.placedInsideWindow === undefined ? "" : `; ${artifact.quality.targets.placedInsideWindow} placed inside their window on this ${artifact.reducer.name} map`),
    ],
  ];
  for (const warning of artifact.quality.warnings) summary.push(["warning", warningText(warning)]);
  if (knn) {
    summary.push([
      "kNN agreement",
      `${(100 * knn.agreement.sparsePointsLowShare).toFixed(0)}% of points in sparse cells are in the lowest quarter of ${knn.k}-NN density ` +
        `(baseline ${(100 * knn.agreement.baseline).toFixed(0)}%); ${knn.agreement.disagreeingCells.length} sparse cells disagree`,
    ]);
  }
  if (artifact.reducer.note) summary.push(["nonlinear map", (artifact.reducer.preprocessing && artifact.reducer.preprocessing !== "none" ? `${artifact.reducer.preprocessing} first; ` : "") + artifact.reducer.note]);
  if (dims === 3) summary.push(["view", "3-D map seen from above (first two axes)"]);

  return {
    title,
    dataset: artifact.dataset,
    embedder: { label: artifact.embedder.label, studentView: artifact.embedder.studentView, ...(artifact.embedder.kind === "precomputed" ? { note: precomputedNote(artifact.embedder.label) } : {}) },
    reducer: artifact.reducer.name,
    dims,
    points: { x, y },
    grid: { nx, ny, x0: artifact.grid.min[0], y0: artifact.grid.min[1], cellWidth: artifact.grid.cellSize[0], cellHeight: artifact.grid.cellSize[1], counts },
    threshold: artifact.threshold.value,
    thresholdRule: artifact.threshold.rule,
    sparseCells,
    regions: artifact.regions.slice(0, MAX_REGIONS_LISTED).map((region) => ({
      id: region.rank,
      rank: region.rank + 1,
      cells: region.cells.length,
      count: region.points,
      density: region.meanDensity,
      examples: regionExamples.get(region.rank) ?? [],
    })),
    pairs: artifact.pairs.map((pair) => {
      const [a, b] = pair.seeds;
      const end = (seed: typeof a) => ({ id: seed.id, text: seed.question, x: seed.point[0], y: seed.point[1], side: seed.side });
      const window = artifact.windows[pair.window];
      return {
        region: pair.region,
        window: pair.window,
        box: [window.min[0], window.min[1], window.max[0], window.max[1]] as [number, number, number, number],
        inside: pair.midpointInside,
        a: end(a),
        b: end(b),
        mid: [pair.midpoint[0], pair.midpoint[1]] as [number, number],
      };
    }),
    windows: artifact.windows
      .filter((window) => artifact.pairs.some((pair) => pair.window === window.rank))
      .map((window) => ({ rank: window.rank + 1, points: window.points, region: window.region, pairs: artifact.pairs.filter((pair) => pair.window === window.rank).length })),
    warnings: artifact.quality.warnings.map(warningText),
    histogram: artifact.threshold.histogram,
    summary,
  };
}

/** One line on a precomputed vector file: format, size, when, digest. */
export function vectorsFileText(file: EmbeddingsFileInfo): string {
  const column = file.column ? `, column ${file.column}` : "";
  return `${file.path} (${file.format} ${file.dtype}${column}, ${file.bytes} bytes, modified ${file.modified}, ${file.digest.algorithm} ${file.digest.value.slice(0, 16)}…)`;
}

function precomputedNote(label: string): string {
  return (
    `This map uses ${label}: gapfill did not compute them and cannot tell whose they are; it is the student's view only if they are your student's embeddings. ` +
    `New texts cannot be placed on it (generate's targeting check is skipped, eval cannot place its questions).`
  );
}
