import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GenerateResult } from "./generate-summary.js";
import { generateSummaryPath, readGenerateSummary, writeGenerateSummary } from "./generate-summary-file.js";

const result: GenerateResult = {
  strategy: "random",
  budget: 2,
  accepted: 2,
  attempts: 3,
  rejected: { unparseable: 1 },
  stopped: "budget",
  teacher: { spec: "openai:t@http://127.0.0.1:1/v1", model: "t", requests: 3, cached: 0, promptTokens: 30, completionTokens: 60 },
  decode: { requested: false, used: false },
  decontamination: null,
  syntheticPath: "runs/x/synthetic.jsonl",
  targeting: null,
  targetingNote: "targeting check skipped: no map",
  seconds: 1.5,
  dataset: "train.jsonl",
  embedder: "lexical",
};

describe("generate-<strategy>.json", () => {
  it("round-trips with its version, reads a file from before versions, and names the file and field of a bad one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-summary-"));
    await writeGenerateSummary(dir, result);
    const file = generateSummaryPath(dir, "random");
    expect(JSON.parse(readFileSync(file, "utf8")).version).toBe(1);
    expect(readGenerateSummary(dir, "random")).toMatchObject(result);

    writeFileSync(file, JSON.stringify(result));
    expect(readGenerateSummary(dir, "random").accepted).toBe(2);

    writeFileSync(file, JSON.stringify({ ...result, version: 1, teacher: { ...result.teacher, requests: "three" } }));
    expect(() => readGenerateSummary(dir, "random")).toThrow(/generate-random\.json[\s\S]*teacher\.requests/);
    writeFileSync(file, JSON.stringify({ ...result, version: 9 }));
    expect(() => readGenerateSummary(dir, "random")).toThrow(/newer|version 9/);
  });
});
