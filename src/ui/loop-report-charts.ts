import type { LoopSummary } from "../pipeline/loop/loop-summary.js";
import { escapeHtml } from "./html.js";

/**
 * The loop report's charts as inline SVG, drawn here so the page needs no script: accuracy per
 * round, the training data mix by source, and the distribution of active scores per round.
 */

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 48, right: 16, top: 16, bottom: 36 };
const COLORS = ["#3b6fd8", "#d8703b", "#3ba56b", "#b43bd8", "#d83b5e", "#8a8f3b", "#3bb8c4", "#6b5a3b"];

const x0 = PAD.left;
const x1 = WIDTH - PAD.right;
const y0 = HEIGHT - PAD.bottom;
const y1 = PAD.top;

function frame(id: string, label: string, body: string, yTicks: Array<[number, string]>, xTicks: Array<[number, string]>): string {
  const ticks =
    yTicks.map(([y, text]) => `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#e6e9ef"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(text)}</text>`).join("") +
    xTicks.map(([x, text]) => `<text x="${x}" y="${y0 + 16}" text-anchor="middle">${escapeHtml(text)}</text>`).join("");
  return `<svg id="${id}" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}" font-size="11" font-family="system-ui, sans-serif">${ticks}<line x1="${x0}" x2="${x0}" y1="${y1}" y2="${y0}" stroke="#8a93a6"/><line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" stroke="#8a93a6"/>${body}</svg>`;
}

function roundX(round: number, rounds: number): number {
  return x0 + ((round + 0.5) / (rounds + 1)) * (x1 - x0);
}

/** Benchmark and validation accuracy per round (round 0: the base student), with 95% whiskers. */
export function accuracyChart(summary: LoopSummary): string {
  const rounds = summary.rounds.length;
  const scaleY = (value: number) => y0 - value * (y0 - y1);
  const series = [
    { name: "benchmark", color: COLORS[0], points: [[0, summary.baseline.benchmark] as const, ...summary.rounds.map((r) => [r.round, r.benchmark] as const)] },
    { name: "validation", color: COLORS[1], points: [[0, summary.baseline.validation] as const, ...summary.rounds.map((r) => [r.round, r.validation] as const)] },
  ];
  let body = "";
  for (const { name, color, points } of series) {
    const present = points.filter(([, value]) => value !== null) as Array<readonly [number, NonNullable<(typeof points)[number][1]>]>;
    if (present.length === 0) continue;
    const path = present.map(([round, value], i) => `${i === 0 ? "M" : "L"}${roundX(round, rounds).toFixed(1)},${scaleY(value.accuracy).toFixed(1)}`).join(" ");
    body += `<path d="${path}" fill="none" stroke="${color}" stroke-width="2" data-series="${name}"/>`;
    for (const [round, value] of present) {
      const x = roundX(round, rounds).toFixed(1);
      body += `<line x1="${x}" x2="${x}" y1="${scaleY(value.interval95[0]).toFixed(1)}" y2="${scaleY(value.interval95[1]).toFixed(1)}" stroke="${color}" opacity="0.5"/>`;
      body += `<circle cx="${x}" cy="${scaleY(value.accuracy).toFixed(1)}" r="3.5" fill="${color}" data-series="${name}" data-round="${round}" data-accuracy="${value.accuracy}"><title>${name} round ${round}: ${(100 * value.accuracy).toFixed(1)}% (${value.correct}/${value.items})</title></circle>`;
    }
  }
  const yTicks: Array<[number, string]> = [0, 0.25, 0.5, 0.75, 1].map((v) => [scaleY(v), `${v * 100}%`]);
  const xTicks: Array<[number, string]> = Array.from({ length: rounds + 1 }, (_, r) => [roundX(r, rounds), r === 0 ? "base" : `r${r}`]);
  return frame("accuracy-chart", "accuracy per round", body, yTicks, xTicks) + legend(series.map((s) => [s.name, s.color]));
}

/** The training data of each round as stacked bars, one colour per source. */
export function mixChart(summary: LoopSummary): string {
  const rounds = summary.rounds.length;
  const sources = [...new Set(summary.rounds.flatMap((r) => Object.keys(r.mix).map(sourceOf)))].sort();
  const colorOf = (source: string) => COLORS[sources.indexOf(source) % COLORS.length];
  const max = Math.max(1, ...summary.rounds.map((r) => Object.values(r.mix).reduce((a, b) => a + b, 0)));
  const scaleY = (value: number) => y0 - (value / max) * (y0 - y1);
  const barWidth = Math.min(48, ((x1 - x0) / (rounds + 1)) * 0.6);
  let body = "";
  for (const round of summary.rounds) {
    let stacked = 0;
    const bySource = new Map<string, number>();
    for (const [label, count] of Object.entries(round.mix)) bySource.set(sourceOf(label), (bySource.get(sourceOf(label)) ?? 0) + count);
    for (const source of sources) {
      const count = bySource.get(source) ?? 0;
      if (count === 0) continue;
      const top = scaleY(stacked + count);
      body += `<rect x="${(roundX(round.round, rounds) - barWidth / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(scaleY(stacked) - top).toFixed(1)}" fill="${colorOf(source)}" data-round="${round.round}" data-source="${escapeHtml(source)}" data-count="${count}"><title>round ${round.round}: ${count} ${escapeHtml(source)}</title></rect>`;
      stacked += count;
    }
  }
  const yTicks: Array<[number, string]> = [0, 0.5, 1].map((f) => [scaleY(f * max), String(Math.round(f * max))]);
  const xTicks: Array<[number, string]> = summary.rounds.map((r) => [roundX(r.round, rounds), `r${r.round}`]);
  return frame("mix-chart", "training data by source per round", body, yTicks, xTicks) + legend(sources.map((s) => [s, colorOf(s)]));
}

/** Active rounds: every seed's score as a grey dot, the selected ones coloured. */
export function scoreChart(summary: LoopSummary): string | null {
  const scored = summary.rounds.filter((r) => r.scores !== null && r.scores.all.length > 0);
  if (scored.length === 0) return null;
  const rounds = summary.rounds.length;
  const all = scored.flatMap((r) => r.scores!.all);
  const low = Math.min(...all);
  const high = Math.max(...all);
  const span = high - low || 1;
  const scaleY = (value: number) => y0 - ((value - low) / span) * (y0 - y1);
  let body = "";
  for (const round of scored) {
    const selected = [...round.scores!.selected];
    round.scores!.all.forEach((score, i) => {
      const index = selected.indexOf(score);
      const chosen = index !== -1;
      if (chosen) selected.splice(index, 1);
      // A small deterministic jitter keeps equal scores apart.
      const x = roundX(round.round, rounds) + (((i * 7919) % 29) - 14);
      body += `<circle cx="${x.toFixed(1)}" cy="${scaleY(score).toFixed(1)}" r="${chosen ? 3.5 : 2.5}" fill="${chosen ? COLORS[4] : "#b8bfcc"}" ${chosen ? `data-selected="1" data-round="${round.round}"` : ""}/>`;
    });
  }
  const yTicks: Array<[number, string]> = [0, 0.5, 1].map((f) => [scaleY(low + f * span), (low + f * span).toFixed(2)]);
  const xTicks: Array<[number, string]> = summary.rounds.map((r) => [roundX(r.round, rounds), `r${r.round}`]);
  return frame("score-chart", "active scores per round", body, yTicks, xTicks) + legend([["selected seeds", COLORS[4]], ["other seeds", "#b8bfcc"]]);
}

function sourceOf(label: string): string {
  return label.replace(/ r\d+$/, "");
}

function legend(entries: Array<[string, string]>): string {
  return `<div class="legend">${entries.map(([name, color]) => `<span><i style="background:${color}"></i>${escapeHtml(name)}</span>`).join("")}</div>`;
}
