import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";
import { COMPARE_REPORT_SCRIPT } from "./compare-report-script.js";

/** What the comparison page shows. Accuracies are proportions in [0, 1]. */
export interface CompareReportData {
  title: string;
  rows: string[];
  columns: string[];
  /** cells[row][column]: the run's accuracy and 95% interval, or null. */
  cells: Array<Array<{ accuracy: number; lower: number; upper: number; n: number; run: string } | null>>;
  pairs: Array<{ first: string; second: string; sharedItems: number; difference: number; onlyFirst: number; onlySecond: number; exactP: number }>;
}

const percent = (value: number) => (Number.isNaN(value) ? "–" : (100 * value).toFixed(1));

/**
 * A self-contained page: the Table-1-style grid (accuracy with its 95% Wilson interval), a
 * grouped bar chart with interval whiskers, and the McNemar tests between runs. Run names and
 * labels are escaped in the table and go to the chart as escaped JSON.
 */
export function renderCompareReport(data: CompareReportData): string {
  const header = `<tr><th>student</th>${data.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("")}</tr>`;
  const body = data.rows
    .map(
      (row, r) =>
        `<tr><th>${escapeHtml(row)}</th>${data.cells[r]
          .map((cell) =>
            cell === null
              ? "<td>–</td>"
              : `<td class="num" title="${escapeHtml(cell.run)}">${percent(cell.accuracy)} <small>(${percent(cell.lower)}–${percent(cell.upper)}, n=${cell.n})</small></td>`,
          )
          .join("")}</tr>`,
    )
    .join("");
  const pairs = data.pairs
    .map(
      (pair) =>
        `<tr><td>${escapeHtml(pair.first)}</td><td>${escapeHtml(pair.second)}</td><td class="num">${pair.sharedItems}</td><td class="num">${(100 * pair.difference).toFixed(1)}</td>` +
        `<td class="num">${pair.onlyFirst}</td><td class="num">${pair.onlySecond}</td><td class="num">${pair.exactP < 1e-4 ? pair.exactP.toExponential(1) : pair.exactP.toFixed(4)}</td></tr>`,
    )
    .join("");
  return renderPage({
    title: data.title,
    css: `
  th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e6e9ef; }
  small { color: #5b6476; }
  #legend span { display: inline-block; margin-right: 14px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }`,
    data: data,
    script: COMPARE_REPORT_SCRIPT,
    body: `<h1>${escapeHtml(data.title)}</h1>
<p>Accuracy in % with the 95% Wilson interval; columns are how the student was trained (strategy@budget), base = not trained on generated data.</p>
<table id="table">${header}${body}</table>
<h2>Chart</h2>
<canvas id="chart" width="900" height="380" aria-label="accuracy by student and training"></canvas>
<div id="legend"></div>
<h2>Paired tests (McNemar, exact)</h2>
<table id="pairs"><tr><th>run A</th><th>run B</th><th>shared items</th><th>A − B (points)</th><th>only A right</th><th>only B right</th><th>p</th></tr>${pairs}</table>`,
  });
}
