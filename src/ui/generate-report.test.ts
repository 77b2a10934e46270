import { describe, expect, it } from "vitest";
import type { GenerateReportData } from "./generate-report-data.js";
import { renderGenerateReport } from "./generate-report.js";

const hostile = `</script><img src=x onerror="window.__pwned=1">`;

function sample(): GenerateReportData {
  const panel = (name: string) => ({
    name,
    color: "#000",
    mapTargets: name === "embed",
    accepted: 2,
    budget: 2,
    attempts: 3,
    stopped: "budget",
    rejected: { unparseable: 1 },
    targetHitRate: name === "embed" ? 0.5 : null,
    sparseHitRate: 0.5,
    datasetSparseShare: 0.1,
    sparseRise: { cells: 2, pointsBefore: 3, pointsAdded: 1, risePercent: 33.3, liftedToT: 0 },
    method: "lexical",
    requests: 3,
    cached: 0,
    tokens: 100,
    seconds: 1,
    decode: "no partials",
    x: [0, 1],
    y: [0, 1],
    hit: [true, false],
    examples: [{ id: "gen-1", question: hostile, answer: hostile }],
  });
  return {
    title: "gapfill generate",
    dataset: hostile,
    embedder: { label: "lexical", studentView: false },
    grid: { nx: 2, ny: 2, x0: 0, y0: 0, cellWidth: 1, cellHeight: 1, counts: [1, 2, 3, 4] },
    sparseCells: [{ ix: 0, iy: 0 }],
    points: { x: [0.5], y: [0.5] },
    targets: [{ x: 0.5, y: 0.5 }],
    strategies: [panel("embed"), panel("random")],
  };
}

describe("renderGenerateReport", () => {
  it("escapes generated and dataset text, and loads nothing from the network", () => {
    const html = renderGenerateReport(sample());
    expect(html).not.toContain(hostile);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("not the student's view");
  });
});
