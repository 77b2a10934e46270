import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { InputError, OptionError } from "../../core/errors.js";
import { createEngine } from "../../engines/create-engine.js";
import { RequestCache } from "../../engines/request-cache.js";
import { wilsonInterval } from "../../geometry/proportion-tests.js";
import { openRun, type Run } from "../../store/index.js";
import { evalReportData } from "../../ui/eval-report-data.js";
import { renderEvalReport } from "../../ui/eval-report.js";
import { evalSummaryPairs } from "../../ui/eval-report-summary.js";
import { OpenAITestServer, type ReceivedRequest } from "../../../test/support/openai-test-server.js";
import { COMPARE_META_KEYS } from "../compare/compare-meta.js";
import { mapDataset } from "../map/map-dataset.js";
import { DENSITY_ACCURACY_FILE } from "./density-on-map.js";
import { evaluateBenchmark } from "./evaluate-benchmark.js";
import { loadBenchmark } from "./load-benchmark.js";

const WORD_PROBLEMS = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;
const rows = readFileSync(WORD_PROBLEMS, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { question: string; answer: string });
/** The student is right exactly when the question's length is not a multiple of 3. */
const knows = (question: string) => question.length % 3 !== 0;
const finalAnswer = (question: string) => rows.find((row) => row.question.trim() === question)!.answer.split("####").pop()!.trim();

let dir: string;
let server: OpenAITestServer;
const opened: Array<{ run: Run; engine: Engine }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-eval-benchmark-"));
  server = await OpenAITestServer.start();
  server.handle("completions", (request: ReceivedRequest) => {
    if (request.body.echo === true) return "";
    const prompt = String(request.body.prompt);
    const question = prompt.slice(prompt.lastIndexOf("Question: ") + "Question: ".length, prompt.lastIndexOf("\nAnswer:"));
    const answer = finalAnswer(question);
    return knows(question) ? ` So ${answer}.\n#### ${answer}` : ` Maybe ${Number(answer) + 1}.\n#### ${Number(answer) + 1}`;
  });
});
afterAll(async () => {
  for (const { run, engine } of opened) {
    await engine.close();
    run.close();
  }
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<{ run: Run; engine: Engine }> {
  const run = await openRun(join(dir, name), { command: "eval" });
  const engine = await createEngine(`openai:student@${server.baseUrl}`, { cache: new RequestCache(run.db), env: {} });
  opened.push({ run, engine });
  return { run, engine };
}

describe("loadBenchmark", () => {
  it("reads the first `limit` items, the worked examples and the template, before any run exists", async () => {
    const template = join(dir, "template.txt");
    writeFileSync(template, "{{shots}}Q: {{question}}\nA:\n");
    const loaded = await loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 5, shots: 2, shotsFile: WORD_PROBLEMS, templateFile: template });
    expect(loaded.items.map((item) => item.question)).toEqual(rows.slice(0, 5).map((row) => row.question));
    expect(loaded.shots.map((shot) => shot.question)).toEqual(rows.slice(0, 2).map((row) => row.question));
    expect(loaded).toMatchObject({ benchmark: WORD_PROBLEMS, style: "completion", template: { question: "{{shots}}Q: {{question}}\nA:", file: template } });
    expect((await loadBenchmark({ benchmark: WORD_PROBLEMS })).items).toHaveLength(400);
  });

  it("names the library option or the file at fault", async () => {
    const noFile = await loadBenchmark({ benchmark: WORD_PROBLEMS, shots: 3 }).catch((error: unknown) => error);
    expect(noFile).toBeInstanceOf(OptionError);
    expect(noFile).toMatchObject({ option: "shots", message: "shots 3 needs shotsFile to take the examples from", relatedOptions: ["shotsFile"] });
    const short = join(dir, "two-shots.jsonl");
    writeFileSync(short, rows.slice(0, 2).map((row) => JSON.stringify(row)).join("\n") + "\n");
    await expect(loadBenchmark({ benchmark: WORD_PROBLEMS, shots: 3, shotsFile: short })).rejects.toThrow(`shots 3: ${short} has only 2 examples`);
    await expect(loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 0 })).rejects.toMatchObject({ option: "limit" });
    const missing = join(dir, "missing.jsonl");
    const notThere = await loadBenchmark({ benchmark: missing }).catch((error: unknown) => error);
    expect(notThere).toBeInstanceOf(InputError);
    expect((notThere as Error).message).toContain(missing);
  });
});

describe("evaluateBenchmark", () => {
  it("evaluates, records the run's place in a comparison, and summarises; a rerun keeps the labels and sends nothing", async () => {
    const { run, engine } = await open("plain");
    const benchmark = await loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 60 });
    const expectedRight = rows.slice(0, 60).filter((row) => knows(row.question.trim())).length;
    const { summary, density } = await evaluateBenchmark(engine, run, benchmark, { label: "tiny-1b", strategy: "embed", budget: 500 });
    const interval = wilsonInterval(expectedRight, 60);
    expect(summary).toMatchObject({ run: run.dir, report: join(run.dir, "eval.html"), student: engine.spec, benchmark: WORD_PROBLEMS, items: 60, correct: expectedRight, judgedNow: 60, noAnswer: 0, lossSignals: "scored" });
    expect(summary.interval95).toEqual([interval.lower, interval.upper]);
    expect(summary.meanReferenceLoss).toBeGreaterThan(0);
    expect(summary.meanOwnLoss).toBeGreaterThan(0);
    expect(summary.meanSampleEntropy).toBeNull();
    expect(summary.densityAccuracy).toBeUndefined();
    expect(density).toBeUndefined();
    // One greedy answer and two scoring requests (reference, own answer) per item.
    expect(server.requests.filter((request) => String(request.body.prompt).includes(rows[0].question))).toHaveLength(3);
    expect([COMPARE_META_KEYS.label, COMPARE_META_KEYS.strategy, COMPARE_META_KEYS.budget, COMPARE_META_KEYS.student].map((key) => run.getMeta(key))).toEqual(["tiny-1b", "embed", "500", engine.spec]);

    const sent = server.requests.length;
    const again = await evaluateBenchmark(engine, run, benchmark);
    expect(server.requests.length).toBe(sent);
    expect(again.summary).toMatchObject({ correct: expectedRight, judgedNow: 0, lossSignals: "scored" });
    expect([run.getMeta(COMPARE_META_KEYS.label), run.getMeta(COMPARE_META_KEYS.strategy)]).toEqual(["tiny-1b", "embed"]);
  });

  it("labels a run by the student's model name and as not trained on generated data by default", async () => {
    const { run, engine } = await open("defaults");
    await evaluateBenchmark(engine, run, await loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 3 }), { lossSignals: false });
    expect([run.getMeta(COMPARE_META_KEYS.label), run.getMeta(COMPARE_META_KEYS.strategy), run.getMeta(COMPARE_META_KEYS.budget)]).toEqual(["student", "base", undefined]);
  });

  it("with a map: places the questions, relates region density to accuracy, keeps the analysis in the run; a map run keeps its page", async () => {
    const { run: mapRun } = await open("map");
    await mapDataset(WORD_PROBLEMS, mapRun, { pairs: 4 });
    const { run, engine } = await open("on-map");
    const benchmark = await loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 200 });
    const { result, density, summary } = await evaluateBenchmark(engine, run, benchmark, { map: mapRun.dir, minPerRegion: 15, lossSignals: false });
    const analysis = summary.densityAccuracy!;
    expect(analysis.map).toBe(mapRun.dir);
    expect(analysis.method).toMatch(/lexical TF-IDF \+ SVD fitted on the map's dataset/);
    expect(analysis.notes).toEqual([]);
    expect(analysis.minPerRegion).toBe(15);
    expect(analysis.regions.length).toBeGreaterThan(3);
    expect(analysis.regions.every((region) => region.items >= 15)).toBe(true);
    expect(analysis.regions.reduce((sum, region) => sum + region.items, 0)).toBe(200);
    expect(analysis.regions.reduce((sum, region) => sum + region.correct, 0)).toBe(summary.correct);
    for (const coefficient of [analysis.pearson.r, analysis.spearman.rho]) expect(Math.abs(coefficient)).toBeLessThanOrEqual(1);
    for (const p of [analysis.pearson.p, analysis.spearman.p]) expect(p).toBeGreaterThan(0), expect(p).toBeLessThanOrEqual(1);
    const stored = JSON.parse(readFileSync(join(run.dir, DENSITY_ACCURACY_FILE), "utf8"));
    expect(stored).toMatchObject({ version: 1, map: mapRun.dir, method: analysis.method, minPerRegion: 15 });
    expect(stored.regions).toHaveLength(analysis.regions.length);
    expect(stored.pearson.coefficient).toBeCloseTo(analysis.pearson.r, 12);

    // The page carries the density section: regions, the grid and every item's place on it.
    const data = evalReportData(result, evalSummaryPairs(summary), density);
    expect(data.densityAccuracy!.regions).toHaveLength(analysis.regions.length);
    expect(data.densityAccuracy!.items.correct).toHaveLength(200);
    expect(data.summary).toContainEqual(["Pearson r", expect.stringMatching(/^-?\d\.\d{3} \(p = /)]);
    expect(renderEvalReport(data)).toContain('id="scatter"');

    // Evaluated inside the map's own run, the evaluation page goes beside the map page.
    const { engine: inMap } = await open("unused");
    const beside = await evaluateBenchmark(inMap, mapRun, await loadBenchmark({ benchmark: WORD_PROBLEMS, limit: 2 }), { lossSignals: false });
    expect(beside.summary.report).toBe(join(mapRun.dir, "eval.html"));
  });
});
