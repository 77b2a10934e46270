import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyPromptParts, loadPromptTemplates, renderTemplate, TEMPLATE_NAMES } from "./prompt-templates.js";

describe("prompt templates", () => {
  it("ships every template, each with a short content hash", () => {
    const templates = loadPromptTemplates();
    for (const name of TEMPLATE_NAMES) {
      expect(templates[name].text.length).toBeGreaterThan(20);
      expect(templates[name].hash).toMatch(/^[0-9a-f]{12}$/);
    }
    const { prefix, suffix } = copyPromptParts(templates.copy);
    expect(prefix.length).toBeGreaterThan(0);
    expect(suffix.length).toBeGreaterThan(0);
  });

  it("fills placeholders and drops sections whose value is empty", () => {
    const template = { text: "A: {{seed1_question}}\n{{#partial}}Fragment: {{partial}}\n{{/partial}}End {{variation}}" };
    expect(renderTemplate(template, { seed1_question: "q1", partial: "half", variation: 2 })).toBe("A: q1\nFragment: half\nEnd 2");
    expect(renderTemplate(template, { seed1_question: "q1", partial: "  " })).toBe("A: q1\nEnd ");
    // A value is never parsed as template syntax.
    expect(renderTemplate(template, { seed1_question: "{{partial}}", partial: "" })).toBe("A: {{partial}}\nEnd ");
  });

  it("takes overrides from --prompts one file at a time, and rejects unknown placeholders naming file and line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-prompts-"));
    await writeFile(join(dir, "one-seed.md"), "Write a new one like: {{seed_question}}");
    const templates = loadPromptTemplates(dir);
    expect(templates["one-seed"].file).toBe(join(dir, "one-seed.md"));
    expect(templates["one-seed"].hash).not.toBe(loadPromptTemplates()["one-seed"].hash);
    expect(templates["two-seed"].file).not.toContain(dir);
    await writeFile(join(dir, "solve.md"), "Solve:\n{{questoin}}");
    expect(() => loadPromptTemplates(dir)).toThrow(`${join(dir, "solve.md")}:2: unknown placeholder {{questoin}}`);
    expect(() => loadPromptTemplates(join(dir, "nope"))).toThrow("no such directory");
  });
});
