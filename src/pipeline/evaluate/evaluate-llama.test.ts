import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { createEngine } from "../../engines/create-engine.js";
import { writeTinyLlamaGguf } from "../../../test/support/tiny-gguf.js";
import { openRun, type Run } from "../../store/index.js";
import { evalReportData } from "../../ui/eval-report-data.js";
import { renderEvalReport } from "../../ui/eval-report.js";
import { evalSummaryPairs } from "../../ui/eval-report-summary.js";
import { evaluateBenchmark } from "./evaluate-benchmark.js";
import { continuationAfter, evaluateStudent } from "./evaluate-student.js";
import { loadBenchmark } from "./load-benchmark.js";
import { readEvaluatedItems } from "./evaluation-store.js";

const items: Example[] = [
  { id: "a", question: "2 + 3?", answer: "2 + 3 = 5\n#### 5", source: { file: "b.jsonl", line: 1 } },
  { id: "b", question: "10 - 4?", answer: "10 - 4 = 6\n#### 6", source: { file: "b.jsonl", line: 2 } },
  { id: "c", question: "3 * 3?", answer: "#### 9", source: { file: "b.jsonl", line: 3 } },
];

describe("evaluateStudent with the embedded llama engine (tiny random GGUF)", () => {
  let dir: string;
  let engine: Engine;
  let run: Run;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gapfill-eval-llama-"));
    const model = join(dir, "tiny.gguf");
    await writeTinyLlamaGguf(model, { context: 1024 });
    engine = await createEngine(`llama:${model}?context=1024&threads=1`);
    run = await openRun(join(dir, "run"), { command: "eval" });
  }, 60_000);
  afterAll(async () => {
    run?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers, judges, and stores loss signals equal to the engine's own teacher-forced score", async () => {
    const result = await evaluateStudent(engine, items, run, { maxTokens: 12 });
    expect(result.items).toHaveLength(3);
    expect(result.lossSignals).toBe("scored");
    const stored = readEvaluatedItems(run.db, "eval");
    for (const item of stored) {
      // A random-weight model writes bytes, not "#### 5": every verdict is a (correct) "wrong".
      expect(item.correct).toBe(false);
      expect(item.output.length).toBeGreaterThan(0);
      const reference = await engine.score(item.prompt, continuationAfter(item.prompt, item.reference));
      expect(item.referenceLoss).toBe(reference.meanLoss);
      // A random model over 259 byte tokens: the loss of text it did not write is near ln 259.
      expect(item.referenceLoss!).toBeGreaterThan(3);
      if (item.output.trim() !== "") expect(item.ownLoss).toBe((await engine.score(item.prompt, item.output)).meanLoss);
    }
    // Greedy decoding of its own answer makes the student's own text likelier than the reference.
    const own = stored.filter((item) => item.ownLoss !== null);
    expect(own.length).toBeGreaterThan(0);
    for (const item of own) expect(item.ownLoss!).toBeLessThan(item.referenceLoss!);
  }, 120_000);

  it("evaluates a benchmark file end to end: answers, loss signals, sampled-answer entropy, the page", async () => {
    const benchmark = join(dir, "bench.jsonl");
    writeFileSync(
      benchmark,
      [
        { question: "2 + 3?", answer: "2 + 3 = 5\n#### 5" },
        { question: "What is half of 8?", answer: "$\\boxed{4}$" },
      ]
        .map((row) => JSON.stringify(row))
        .join("\n") + "\n",
    );
    const benchmarkRun = await openRun(join(dir, "benchmark-run"), { command: "eval" });
    try {
      const { result, summary } = await evaluateBenchmark(engine, benchmarkRun, await loadBenchmark({ benchmark }), { maxTokens: 8, samples: 2 });
      expect(summary).toMatchObject({ items: 2, correct: 0, judgedNow: 2, lossSignals: "scored" });
      expect(summary.meanReferenceLoss).toBeGreaterThan(0);
      expect(summary.meanOwnLoss).toBeGreaterThan(0);
      expect(summary.meanSampleEntropy).toBeGreaterThanOrEqual(0);
      expect(result.items.every((item) => item.sampleAnswers?.length === 2)).toBe(true);
      expect(summary.interval95[0]).toBe(0);
      expect(renderEvalReport(evalReportData(result, evalSummaryPairs(summary)))).toContain("What is half of 8?");
    } finally {
      benchmarkRun.close();
    }
  }, 120_000);
});
