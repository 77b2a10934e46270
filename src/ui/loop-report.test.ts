import { describe, expect, it } from "vitest";
import type { LoopSummary } from "../pipeline/loop/loop-summary.js";
import { renderLoopReport } from "./loop-report.js";

const evaluation = (correct: number, items: number) => ({ items, correct, errors: items - correct, accuracy: correct / items, interval95: [0, 1] as [number, number], finished: true });

function summary(): LoopSummary {
  const round = (n: number, selected: number[]) => ({
    round: n,
    strategy: "active",
    phase: "done",
    student: `openai:<script>alert(${n})</script>@http://127.0.0.1:1/v1`,
    trainedStudent: "openai:x@http://127.0.0.1:1/v1",
    generated: 2,
    attempts: 3,
    rejected: { unparseable: 1 },
    teacherTokens: 100 * n,
    trainExamples: 2 * n,
    mix: Object.fromEntries(Array.from({ length: n }, (_, k) => [`active r${k + 1}`, 2])),
    scores: { all: [0.5, 1, 2, 3], selected },
    validation: evaluation(n, 4),
    benchmark: evaluation(n, 5),
    stopped: null,
  });
  return { strategy: "active", baseline: { validation: evaluation(0, 4), benchmark: evaluation(0, 5) }, rounds: [round(1, [3, 2]), round(2, [2, 1])], teacherTokens: 300, generated: 4 };
}

describe("loop report", () => {
  it("shows every round with its figures and charts, escaping every text from the run", () => {
    const html = renderLoopReport(summary(), "runs/<b>x</b>");
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;script&gt;alert(1)");
    expect(html.match(/<tr data-round=/g)).toHaveLength(2);
    // Base + two rounds on both accuracy series.
    expect(html.match(/<circle [^>]*data-series="benchmark"/g)).toHaveLength(3);
    expect(html.match(/<circle [^>]*data-series="validation"/g)).toHaveLength(3);
    expect(html).toContain('data-round="2" data-accuracy="0.4"');
    // Round 2's mix bar stacks its two sources' examples as one source (active) of 4.
    expect(html).toMatch(/data-round="2" data-source="active" data-count="4"/);
    expect(html.match(/data-selected="1"/g)).toHaveLength(4);
    expect(html).toContain("2.500 / 1.625");
    // The embedded data cannot close its script element.
    const data = html.slice(html.indexOf('id="gapfill-data">'));
    expect(data.indexOf("</script>")).toBeGreaterThan(data.indexOf("\\u003cscript"));
  });

  it("leaves the score chart out when no round was scored", () => {
    const plain = summary();
    for (const round of plain.rounds) round.scores = null;
    expect(renderLoopReport(plain, "run")).not.toContain("score-chart");
  });
});
