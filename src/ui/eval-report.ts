import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";
import { EVAL_REPORT_SCRIPT } from "./eval-report-script.js";

/** One region of the density–accuracy analysis, as the page draws it. */
export interface EvalReportRegion {
  id: number;
  cells: number;
  items: number;
  correct: number;
  accuracy: number;
  lower: number;
  upper: number;
  density: number;
  /** Cell column/row of each of the region's cells (first two map axes). */
  cellXY: Array<[number, number]>;
}

/** Everything the evaluation page shows. */
export interface EvalReportData {
  title: string;
  summary: Array<[string, string]>;
  /** Items listed in the table (the page caps how many it carries). */
  items: Array<{ position: number; id: string; question: string; reference: string | null; extracted: string | null; correct: boolean; referenceLoss: number | null; ownLoss: number | null; entropy: number | null }>;
  itemsOmitted: number;
  densityAccuracy?: {
    embedder: { label: string; studentView: boolean };
    method: string;
    notes: string[];
    grouping: string;
    pearson: { r: number; p: number };
    spearman: { rho: number; p: number };
    fit: { slope: number; intercept: number };
    regions: EvalReportRegion[];
    /** Training map grid (first two axes; counts summed over a third). */
    grid: { nx: number; ny: number; counts: number[] };
    /** Benchmark items on the map, in grid units (cell x, cell y as fractional positions). */
    items: { gx: number[]; gy: number[]; correct: boolean[] };
  };
}

/**
 * A self-contained evaluation page: accuracy with its interval, the per-item verdicts and
 * signals, and with a map the paper's Figure 7 (region density against accuracy with the fitted
 * line and both coefficients) beside the training map coloured by regional accuracy. Dataset
 * text goes in as escaped JSON and out through `textContent` only.
 */
export function renderEvalReport(data: EvalReportData): string {
  const summaryRows = data.summary.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join("");
  const analysis = data.densityAccuracy;
  const banner =
    analysis && !analysis.embedder.studentView
      ? `<p class="banner">The map uses ${escapeHtml(analysis.embedder.label)}: density here is <b>not the student's view</b> of the training set.</p>`
      : "";
  const densitySection = analysis
    ? `<h2>Training density vs accuracy</h2>
${banner}
<div class="row">
  <div><canvas id="scatter" width="560" height="420" aria-label="region density against accuracy"></canvas>
    <div id="coefficients"></div></div>
  <div><canvas id="map" width="560" height="420" aria-label="training map coloured by accuracy"></canvas>
    <div class="legend">cells coloured by their region's accuracy (red 0% → green 100%); grey: no benchmark item; dots: items (dark right, red wrong)</div></div>
</div>
<p id="method"></p>
<table id="regions"><thead><tr><th>region</th><th>cells</th><th>training density</th><th>items</th><th>accuracy</th><th>95% interval</th></tr></thead><tbody></tbody></table>`
    : "";
  return renderPage({
    title: data.title,
    css: `
  .row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
  td.q { max-width: 560px; } .right { color: #1b7f3b; } .wrong { color: #b3261e; }
  .legend { color: #4a5263; font-size: 12px; max-width: 560px; }`,
    data: data,
    script: EVAL_REPORT_SCRIPT,
    body: `<h1>${escapeHtml(data.title)}</h1>
<table id="summary">${summaryRows}</table>
${densitySection}
<h2>Items</h2>
<p id="omitted"></p>
<table id="items"><thead><tr><th>#</th><th>question</th><th>reference</th><th>student</th><th>verdict</th><th>ref. loss</th><th>own loss</th><th>entropy</th></tr></thead><tbody></tbody></table>`,
  });
}
