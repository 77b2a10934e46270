import type { LoopSummary, RoundEvaluation } from "../pipeline/loop/loop-summary.js";
import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";
import { accuracyChart, mixChart, scoreChart } from "./loop-report-charts.js";

const percent = (value: number) => (Number.isNaN(value) ? "–" : `${(100 * value).toFixed(1)}%`);

function evaluationCell(evaluation: RoundEvaluation | null): string {
  if (!evaluation) return "<td>–</td>";
  return `<td class="num">${percent(evaluation.accuracy)} <small>(${evaluation.correct}/${evaluation.items}; ${percent(evaluation.interval95[0])}–${percent(evaluation.interval95[1])})${evaluation.finished ? "" : " unfinished"}</small></td>`;
}

function mean(values: number[]): string {
  return values.length === 0 ? "–" : (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3);
}

/**
 * The loop's `loop.html`: per round the student, what was generated and at what teacher cost,
 * the training data mix, the active scores of the selected seeds against all seeds, validation
 * errors and benchmark accuracy, with charts. Self-contained; every text from the run is escaped.
 */
export function renderLoopReport(summary: LoopSummary, runDir: string): string {
  const title = `gapfill loop — ${summary.strategy ?? "no rounds yet"} — ${runDir}`;
  const base = summary.baseline.validation || summary.baseline.benchmark
    ? `<tr><td>0</td><td colspan="5">base student</td><td class="num">${summary.baseline.validation ? `${summary.baseline.validation.errors} of ${summary.baseline.validation.items}` : "–"}</td>${evaluationCell(summary.baseline.benchmark)}</tr>`
    : "";
  const rows = summary.rounds
    .map((round) => {
      const mix = Object.entries(round.mix).map(([label, count]) => `${escapeHtml(label)}: ${count}`).join(", ") || "–";
      const scores = round.scores ? `${mean(round.scores.selected)} / ${mean(round.scores.all)}` : "–";
      const rejected = Object.entries(round.rejected).map(([reason, count]) => `${reason} ${count}`).join(", ");
      return (
        `<tr data-round="${round.round}"><td>${round.round}${round.phase === "done" ? "" : ` <small>(${escapeHtml(round.phase)})</small>`}</td>` +
        `<td><small>${escapeHtml(round.student)}</small></td>` +
        `<td class="num">${round.generated} <small>of ${round.attempts} attempts${rejected ? `; ${escapeHtml(rejected)}` : ""}${round.stopped ? `; stopped: ${escapeHtml(round.stopped)}` : ""}</small></td>` +
        `<td class="num">${round.teacherTokens}</td><td><small>${mix}</small></td><td class="num">${scores}</td>` +
        `<td class="num">${round.validation ? `${round.validation.errors} of ${round.validation.items}` : "–"}</td>${evaluationCell(round.benchmark)}</tr>`
      );
    })
    .join("");
  const scores = scoreChart(summary);
  return renderPage({
    title: title,
    css: `
  svg text { fill: #5b6476; }
  small { color: #5b6476; }
  .legend span { display: inline-block; margin: 4px 14px 0 0; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }`,
    data: summary,
    body: `<h1>${escapeHtml(title)}</h1>
<p>${summary.rounds.length} round(s), ${summary.generated} generated examples, ${summary.teacherTokens} teacher tokens. Each round's student was trained in the round before; round 0 is the base student.</p>
<table id="rounds"><tr><th>round</th><th>student (selected with)</th><th>generated</th><th>teacher tokens</th><th>training data by source</th><th>mean score selected / all</th><th>validation errors</th><th>benchmark accuracy</th></tr>${base}${rows}</table>
<h2>Accuracy per round</h2>
${accuracyChart(summary)}
<h2>Training data by source</h2>
${mixChart(summary)}
${scores === null ? "" : `<h2>Active scores (selected seeds vs all seeds)</h2>\n${scores}`}`,
  });
}
