import type { GenerateReportData } from "./generate-report-data.js";
import { GENERATE_REPORT_SCRIPT } from "./generate-report-script.js";
import { escapeHtml, jsonForScript } from "./html.js";

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
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 8px; }
  .banner { background: #fff4d6; border: 1px solid #e8c66a; padding: 8px 12px; border-radius: 6px; }
  #panels { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
  .panel { max-width: 580px; }
  canvas { background: #fff; border: 1px solid #d8dde6; border-radius: 6px; }
  table { border-collapse: collapse; background: #fff; }
  th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e6e9ef; vertical-align: top; }
  .legend span { display: inline-block; margin-right: 12px; font-size: 12px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
  .ex { color: #4a5263; font-size: 12px; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<div>${escapeHtml(data.dataset)}</div>
${banner}
<h2>Side by side</h2>
<table id="compare"></table>
<div id="panels"></div>
<script type="application/json" id="gapfill-data">${jsonForScript(data)}</script>
<script>${GENERATE_REPORT_SCRIPT}</script>
</body>
</html>
`;
}
