import { describe, expect, it } from "vitest";
import { renderCompareReport } from "./compare-report.js";
import { renderEvalReport } from "./eval-report.js";

const hostile = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`;

describe("evaluation and comparison pages", () => {
  it("carry dataset text only as escaped JSON, with no external resource", () => {
    const html = renderEvalReport({
      title: "t",
      summary: [["benchmark", hostile]],
      items: [{ position: 0, id: "a", question: hostile, reference: "1", extracted: null, correct: false, referenceLoss: null, ownLoss: 1.5, entropy: null }],
      itemsOmitted: 0,
    });
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;/script&gt;");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    // Without a map the page has no density section.
    expect(html).not.toContain('id="scatter"');
  });

  it("escapes run names and labels in the comparison table", () => {
    const html = renderCompareReport({
      title: "c",
      rows: [hostile],
      columns: ["base"],
      cells: [[{ accuracy: 0.5, lower: 0.4, upper: 0.6, n: 100, run: hostile }]],
      pairs: [],
    });
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("50.0 <small>(40.0–60.0, n=100)</small>");
  });
});
