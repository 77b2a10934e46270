import type { GenerateReportData } from "./generate-report-data.js";
import { GENERATE_REPORT_SCRIPT } from "./generate-report-script.js";
import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";

/**
 * The generate run's self-contained page: the strategies run in this run directory side by side
 * (hit rates, rise of the sparse cells, cost, rejections) and, for each, the map with its
 * generated examples drawn in the strategy's colour. Generated text enters only as escaped JSON
 * and leaves through `textContent`.
 */
export function renderGenerateReport(data: GenerateReportData): string {
  const banner = data.embedder.studentView
    ? ""
    : `<p class="banner">Placed with ${escapeHtml(data.embedder.label)}: <b>not the student's view</b>. Map with <code>--student SPEC</code> for the student's.</p>`;
  return renderPage({
    title: data.title,
    css: `
  h2 { font-size: 15px; margin: 18px 0 8px; }
  #panels { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
  .panel { max-width: 580px; }
  .legend span { display: inline-block; margin-right: 12px; font-size: 12px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
  .ex { color: #4a5263; font-size: 12px; }
  #tip { position: fixed; pointer-events: none; background: #1d2330; color: #fff; padding: 6px 8px; border-radius: 4px; max-width: 460px; font-size: 12px; display: none; white-space: pre-wrap; }`,
    data: data,
    script: GENERATE_REPORT_SCRIPT,
    body: `<h1>${escapeHtml(data.title)}</h1>
<div>${escapeHtml(data.dataset)}</div>
${banner}
<h2>Side by side</h2>
<table id="compare"></table>
<div id="panels"></div>
<h2>Sparse windows aimed at</h2>
<p>Hover a target (green) on the embed map to see its two seeds, the student's decoded partial and the example written for it.</p>
<table id="windows"><thead><tr><th>window (1 = sparsest)</th><th>points before</th><th>points after</th><th>examples aimed there</th><th>landed in or next to it</th></tr></thead><tbody></tbody></table>
<div id="tip"></div>`,
  });
}
