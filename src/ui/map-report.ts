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
  /** Seed pairs with the window each was picked for (`box`: x0, y0, x1, y1) and whether the midpoint is inside it. */
  pairs: Array<{ region: number; window?: number; box?: [number, number, number, number]; inside?: boolean; a: PairEnd; b: PairEnd; mid: [number, number] }>;
  /** The windows the pairs use: rank (1 = sparsest), points in it, its region, pairs aimed there. */
  windows?: Array<{ rank: number; points: number; region: number; pairs: number }>;
  /** Map-quality warnings, each with what to try. */
  warnings?: string[];
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
  const warnings = (data.warnings ?? []).map((message) => `<p class="banner">${escapeHtml(message)}</p>`).join("");
  const banner = data.embedder.studentView
    ? ""
    : data.embedder.note
      ? `<p class="banner">${escapeHtml(data.embedder.note)}</p>`
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
${warnings}
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
<h2>Sparse windows the seed pairs aim at</h2>
<p>Each pair is drawn inside the window (the sliding window G of §3.3) it was picked for: seeds on opposing sides, the midpoint inside.</p>
<table id="windows"><thead><tr><th>rank</th><th>points in window</th><th>region</th><th>seed pairs</th></tr></thead><tbody></tbody></table>
<h2>Sparsest regions (merged windows, for orientation)</h2>
<table id="regions"><thead><tr><th>rank</th><th>region</th><th>cells</th><th>points</th><th>examples</th></tr></thead><tbody></tbody></table>
<div id="tip"></div>`,
  });
}
