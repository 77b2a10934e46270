import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";
import { MAP_REPORT_SCRIPT } from "./map-report-script.js";

/** Everything the map page draws. Coordinates are in the reduced space (first two axes). */
export interface MapReportData {
  title: string;
  dataset: string;
  /** What the points are embeddings of; `studentView: false` for the lexical fallback. */
  embedder: { label: string; studentView: boolean; note?: string };
  reducer: string;
  dims: number;
  points: { x: number[]; y: number[] };
  grid: { nx: number; ny: number; x0: number; y0: number; cellWidth: number; cellHeight: number; counts: number[] };
  threshold: number;
  /** How T was chosen ("auto: …" or "--threshold 3"). */
  thresholdRule: string;
  sparseCells: Array<{ ix: number; iy: number; count: number; region: number }>;
  regions: Array<{ id: number; rank: number; cells: number; count: number; density: number; examples: Array<{ id: string; text: string }> }>;
  pairs: Array<{ region: number; a: PairEnd; b: PairEnd; mid: [number, number] }>;
  /** Histogram of non-empty cell densities: bin b covers [b·binWidth, (b+1)·binWidth). */
  histogram: { binWidth: number; counts: number[] };
  /** Extra points drawn over the map, coloured by group (e.g. generated examples by strategy). */
  overlays?: Array<{ label: string; color: string; x: number[]; y: number[] }>;
  summary: Array<[string, string]>;
}

export interface PairEnd {
  id: string;
  text: string;
  x: number;
  y: number;
  side: string;
}

/**
 * A self-contained page (no network: data and script inline) showing the density heatmap with
 * sparse cells outlined, the points, seed pairs joined through their midpoint, the histogram of
 * cell densities with T marked, and the sparsest regions with example texts. All dataset text is
 * escaped: it goes in as JSON (with `<` escaped) and out through `textContent`.
 */
export function renderMapReport(data: MapReportData): string {
  const summaryRows = data.summary
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join("");
  const banner = data.embedder.studentView
    ? ""
    : `<p class="banner">This map uses ${escapeHtml(data.embedder.label)}: it is <b>not the student's view</b> of the data. ` +
      `Pass <code>--student SPEC</code> to map the set as your student sees it.</p>`;
  return renderPage({
    title: data.title,
    css: `
  .row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
  .legend span { display: inline-block; margin-right: 14px; } .swatch { display:inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
  #tip { position: fixed; pointer-events: none; background: #1d2330; color: #fff; padding: 6px 8px; border-radius: 4px; max-width: 420px; font-size: 12px; display: none; }
  .ex { color: #4a5263; max-width: 720px; }`,
    data: data,
    script: MAP_REPORT_SCRIPT,
    body: `<h1>${escapeHtml(data.title)}</h1>
<div>${escapeHtml(data.dataset)}</div>
${banner}
<div class="row">
  <div>
    <h2>Density map</h2>
    <canvas id="map" width="720" height="560" aria-label="density map"></canvas>
    <div class="legend" id="legend"></div>
  </div>
  <div>
    <h2>Run</h2>
    <table id="summary">${summaryRows}</table>
    <h2>Cell densities</h2>
    <canvas id="histogram" width="420" height="220" aria-label="histogram of cell densities"></canvas>
    <div>non-empty cells by number of points; T = <span id="t"></span> (<span id="trule"></span>)</div>
  </div>
</div>
<h2>Sparsest regions</h2>
<table id="regions"><thead><tr><th>rank</th><th>region</th><th>cells</th><th>points</th><th>examples</th></tr></thead><tbody></tbody></table>
<div id="tip"></div>`,
  });
}
