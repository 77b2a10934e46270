import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listStrategies } from "../registry.js";
import { loadTemplates, renderTemplate, type TemplateSpec } from "./prompt-templates.js";

const every: TemplateSpec[] = [...new Map(listStrategies().flatMap((strategy) => [...strategy.task.templates, ...(strategy.templates ?? [])]).map((spec) => [spec.name, spec])).values()];
const solve: TemplateSpec = { name: "solve", placeholders: ["question"] };

describe("prompt templates", () => {
  it("ships every template a registered strategy uses, each with a short content hash", () => {
    const templates = loadTemplates([...every, solve]);
    expect(Object.keys(templates).sort()).toEqual(["copy", "one-seed", "s3-extrapolate", "s3-seed", "solve", "two-seed"]);
    for (const template of Object.values(templates)) {
      expect(template.text.length).toBeGreaterThan(20);
      expect(template.hash).toMatch(/^[0-9a-f]{12}$/);
    }
  });

  it("fills placeholders and drops sections whose value is empty", () => {
    const template = { text: "A: {{seed1_question}}\n{{#partial}}Fragment: {{partial}}\n{{/partial}}End {{variation}}" };
    expect(renderTemplate(template, { seed1_question: "q1", partial: "half", variation: 2 })).toBe("A: q1\nFragment: half\nEnd 2");
    expect(renderTemplate(template, { seed1_question: "q1", partial: "  " })).toBe("A: q1\nEnd ");
    // A value is never parsed as template syntax.
    expect(renderTemplate(template, { seed1_question: "{{partial}}", partial: "" })).toBe("A: {{partial}}\nEnd ");
  });

  it("takes overrides one file at a time, and rejects unknown placeholders naming file and line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-prompts-"));
    await writeFile(join(dir, "one-seed.md"), "Write a new one like: {{seed_question}}");
    const templates = loadTemplates(every, dir);
    expect(templates["one-seed"].file).toBe(join(dir, "one-seed.md"));
    expect(templates["one-seed"].hash).not.toBe(loadTemplates(every)["one-seed"].hash);
    expect(templates["two-seed"].file).not.toContain(dir);
    await writeFile(join(dir, "solve.md"), "Solve:\n{{questoin}}");
    expect(() => loadTemplates([solve], dir)).toThrow(`${join(dir, "solve.md")}:2: unknown placeholder {{questoin}}`);
    expect(() => loadTemplates([solve], join(dir, "nope"))).toThrow("no such directory");
  });

  it("runs a template's own check (copy.md needs {{embeddings}} exactly once)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-prompts-"));
    await writeFile(join(dir, "copy.md"), "Repeat this: nothing here");
    expect(() => loadTemplates(every, dir)).toThrow("copy.md must contain {{embeddings}} exactly once");
  });
});
