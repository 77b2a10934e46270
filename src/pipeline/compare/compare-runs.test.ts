import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openRun } from "../../store/index.js";
import { beginEvaluation, itemWriter } from "../evaluate/evaluation-store.js";
import { COMPARE_META_KEYS, compareRuns, loadComparedRun } from "./compare-runs.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A run whose evaluation judged items q0…q(n−1), right where `right(i)`. */
async function writeRun(name: string, meta: Record<string, string>, n: number, right: (i: number) => boolean): Promise<string> {
  dir ??= mkdtempSync(join(tmpdir(), "gapfill-compare-"));
  const path = join(dir, name);
  const run = await openRun(path, { command: "eval" });
  for (const [key, value] of Object.entries(meta)) run.setMeta(key, value);
  beginEvaluation(run.db, { name: "eval", student: "openai:tiny@http://127.0.0.1:1/v1", benchmark: "bench.jsonl", benchmarkDigest: "d", items: n, params: {} }, path);
  const write = itemWriter(run.db, "eval");
  for (let i = 0; i < n; i++) {
    write({
      position: i, id: `q${i}`, question: `question ${i}`, reference: "#### 1", referenceAnswer: "1", prompt: "p", output: "o",
      extracted: right(i) ? "1" : "2", extractionMethod: "gsm8k", correct: right(i), finishReason: "stop",
      referenceLoss: null, ownLoss: null, sampleAnswers: null, sampleEntropy: null,
    });
  }
  run.close();
  return path;
}

describe("compareRuns", () => {
  it("lays runs out as Table 1 (base first, budgets in order) with exact McNemar on shared items", async () => {
    const base = await writeRun("base", { [COMPARE_META_KEYS.label]: "tiny" }, 100, (i) => i < 40);
    const random = await writeRun("random", { [COMPARE_META_KEYS.label]: "tiny", [COMPARE_META_KEYS.strategy]: "random", [COMPARE_META_KEYS.budget]: "1000" }, 100, (i) => i < 45);
    const embed = await writeRun("embed", { [COMPARE_META_KEYS.label]: "tiny", [COMPARE_META_KEYS.strategy]: "embed", [COMPARE_META_KEYS.budget]: "1000" }, 100, (i) => i < 40 || (i >= 50 && i < 62));
    const embedSmall = await writeRun("embed-small", { [COMPARE_META_KEYS.label]: "tiny", [COMPARE_META_KEYS.strategy]: "embed", [COMPARE_META_KEYS.budget]: "500" }, 100, (i) => i < 41);
    const other = await writeRun("other", { [COMPARE_META_KEYS.label]: "small" }, 100, (i) => i % 2 === 0);
    const runs = await Promise.all([embed, base, random, embedSmall, other].map((path) => loadComparedRun(path)));
    const comparison = compareRuns(runs);
    expect(comparison.rows).toEqual(["tiny", "small"]);
    expect(comparison.columns.map((column) => column.key)).toEqual(["base", "embed@500", "embed@1000", "random@1000"]);
    expect(comparison.cells[0]).toEqual([1, 3, 0, 2]);
    expect(comparison.cells[1]).toEqual([4, null, null, null]);
    expect(runs[0].accuracy).toMatchObject({ successes: 52, n: 100 });
    // embed vs base: 12 items only embed got right, none only base: exact p = 2·0.5^12.
    const embedVsBase = comparison.pairs.find((pair) => pair.first === 0 && pair.second === 1)!;
    expect(embedVsBase.mcnemar).toMatchObject({ onlyFirst: 12, onlySecond: 0 });
    expect(embedVsBase.mcnemar.exactP).toBeCloseTo(2 * 0.5 ** 12, 15);
    expect(embedVsBase.difference).toBeCloseTo(0.12, 12);
    expect(comparison.pairs).toHaveLength(10);
  });

  it("says which run has no evaluation", async () => {
    dir = mkdtempSync(join(tmpdir(), "gapfill-compare-"));
    const run = await openRun(join(dir, "empty"), { command: "map" });
    run.close();
    await expect(loadComparedRun(join(dir, "empty"))).rejects.toThrow(/has no evaluation: evaluate a student into this run first/);
  });
});
