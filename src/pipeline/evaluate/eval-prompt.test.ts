import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { answerDistribution } from "./answer-entropy.js";
import { loadEvalTemplate, renderEvalPrompt } from "./eval-prompt.js";

const shot = { id: "s", question: "1 + 1?", answer: "#### 2", source: { file: "s", line: 1 } };

describe("eval prompt templates", () => {
  it("renders the shipped completion template ending at 'Answer:', shots first", () => {
    const template = loadEvalTemplate("completion");
    const prompt = renderEvalPrompt(template, "  What is {{answer}} + 2? ", [shot]);
    expect(prompt.endsWith("Question: What is {{answer}} + 2?\nAnswer:")).toBe(true);
    expect(prompt).toContain("Question: 1 + 1?\nAnswer: #### 2\n\nQuestion: What is");
    expect(template.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(loadEvalTemplate("chat").hash).not.toBe(template.hash);
  });

  it("refuses a user template with an unknown placeholder or without {{question}}, naming file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-template-"));
    try {
      const bad = join(dir, "bad.txt");
      writeFileSync(bad, "Solve.\n{{question}}\n{{hint}}\n");
      expect(() => loadEvalTemplate("completion", bad)).toThrow(`${bad}:3: unknown placeholder {{hint}}`);
      const none = join(dir, "none.txt");
      writeFileSync(none, "Solve it.\n");
      expect(() => loadEvalTemplate("completion", none)).toThrow(/must contain \{\{question\}\}/);
      expect(() => loadEvalTemplate("completion", join(dir, "missing.txt"))).toThrow(/no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sampled-answer entropy", () => {
  it("groups equivalent answers and counts missing answers as one class", () => {
    expect(answerDistribution(["0.5", "\\frac{1}{2}", "1/2"]).entropy).toBe(0);
    const mixed = answerDistribution(["4", null, "4.0", null]);
    expect(mixed.classes).toEqual([{ answer: "4", count: 2 }, { answer: null, count: 2 }]);
    expect(mixed.entropy).toBeCloseTo(Math.log(2), 14);
    expect(answerDistribution(["1", "2", "3"]).entropy).toBeCloseTo(Math.log(3), 14);
  });
});
