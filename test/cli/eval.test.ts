import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { extractAnswer } from "../../src/data/answers/index.js";
import { readAll } from "../../src/data/read-dataset.js";
import { OpenAITestServer, type ReceivedRequest } from "../support/openai-test-server.js";
import { spawnViteNode } from "../support/vite-node.js";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";
import { wilsonInterval } from "../../src/geometry/proportion-tests.js";
import { launchChromium, nonBackgroundShare } from "../helpers/browser.js";
import { runCli } from "../helpers/run-cli.js";
import { sharedDataPath } from "../support/shared-data.js";

const GSM8K_TEST = sharedDataPath("gsm8k-test");
const GSM8K_TRAIN = sharedDataPath("gsm8k-train");

/** The student is right exactly when the question's length is not a multiple of 4. */
const knowsAnswer = (question: string) => question.length % 4 !== 0;

describe("gapfill eval on GSM8K test (1,319 items) against the test server", () => {
  let dir: string;
  let server: OpenAITestServer;
  let browser: Browser;
  const answers = new Map<string, string>();
  let expectedRight = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-eval-"));
    const { examples } = await readAll(GSM8K_TEST);
    for (const example of examples) {
      answers.set(example.question.trim(), extractAnswer(example.answer)!.answer);
      if (knowsAnswer(example.question.trim())) expectedRight++;
    }
    server = await OpenAITestServer.start();
    server.handle("completions", (request: ReceivedRequest) => {
      if (request.body.echo === true) return "";
      const prompt = String(request.body.prompt);
      const question = prompt.slice(prompt.lastIndexOf("Question: ") + "Question: ".length, prompt.lastIndexOf("\nAnswer:"));
      const answer = answers.get(question);
      if (answer === undefined) return " I cannot read the question.";
      return knowsAnswer(question) ? ` Working it out gives ${answer}.\n#### ${answer}` : ` I think it is ${Number(answer) + 1}.\n#### ${Number(answer) + 1}`;
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  it("completes with the exact accuracy and interval, and a second run sends no request", async () => {
    const run = join(dir, "eval");
    const student = `openai:student@${server.baseUrl}`;
    const first = await runCli(["eval", "--student", student, "--benchmark", GSM8K_TEST, "--run", run, "--json", "--quiet"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    const expected = wilsonInterval(expectedRight, 1319);
    expect(summary).toMatchObject({ items: 1319, correct: expectedRight, judgedNow: 1319, lossSignals: "scored", noAnswer: 0 });
    expect(summary.interval95[0]).toBeCloseTo(expected.lower, 12);
    expect(summary.interval95[1]).toBeCloseTo(expected.upper, 12);
    // One greedy answer and two scoring requests (reference, own answer) per item.
    expect(server.requests).toHaveLength(3 * 1319);

    const sent = server.requests.length;
    const second = await runCli(["eval", "--student", student, "--benchmark", GSM8K_TEST, "--run", run, "--json", "--quiet"]);
    expect(second.code).toBe(0);
    expect(server.requests.length).toBe(sent);
    expect(JSON.parse(second.stdout)).toMatchObject({ correct: expectedRight, judgedNow: 0, lossSignals: "scored" });

    const human = await runCli(["eval", "--student", student, "--benchmark", GSM8K_TEST, "--run", run, "--quiet"]);
    expect(human.stdout).toMatch(new RegExp(`accuracy\\s+${((100 * expectedRight) / 1319).toFixed(1)}% \\(${expectedRight}/1319\\), 95% interval`));
    expect(server.requests.length).toBe(sent);
  }, 240_000);

  it("--map writes the density–accuracy table, both coefficients with p-values, and the plot", async () => {
    const map = join(dir, "map");
    const mapped = await runCli(["map", GSM8K_TRAIN, "--run", map, "--quiet", "--json"]);
    expect(mapped.code).toBe(0);
    const run = join(dir, "eval-map");
    const result = await runCli([
      "eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", "400", "--no-loss",
      "--map", map, "--min-per-region", "15", "--run", run, "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const analysis = summary.densityAccuracy;
    expect(analysis.method).toMatch(/lexical TF-IDF \+ SVD fitted on the map's dataset/);
    expect(analysis.notes).toEqual([]);
    expect(analysis.regions.length).toBeGreaterThan(3);
    expect(analysis.regions.every((region: { items: number }) => region.items >= 15)).toBe(true);
    expect(analysis.regions.reduce((sum: number, region: { items: number }) => sum + region.items, 0)).toBe(400);
    for (const coefficient of [analysis.pearson.r, analysis.spearman.rho]) expect(Math.abs(coefficient)).toBeLessThanOrEqual(1);
    for (const p of [analysis.pearson.p, analysis.spearman.p]) expect(p).toBeGreaterThan(0), expect(p).toBeLessThanOrEqual(1);
    const stored = JSON.parse(await readFile(join(run, "density-accuracy.json"), "utf8"));
    expect(stored.regions).toHaveLength(analysis.regions.length);
    expect(stored.pearson.coefficient).toBeCloseTo(analysis.pearson.r, 12);

    const human = await runCli(["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", "400", "--no-loss", "--map", map, "--min-per-region", "15", "--run", run, "--quiet"]);
    expect(human.stdout).toMatch(/Pearson r\s+-?\d\.\d{3} \(p = /);
    expect(human.stdout).toMatch(/Spearman ρ\s+-?\d\.\d{3} \(p = /);
    expect(human.stdout).toMatch(/region\s+cells\s+density\s+items\s+accuracy\s+95% interval/);

    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(run, "report.html")).href);
    expect(errors).toEqual([]);
    expect(await nonBackgroundShare(page, "#scatter")).toBeGreaterThan(0.005);
    expect(await nonBackgroundShare(page, "#map")).toBeGreaterThan(0.02);
    expect(await page.locator("#regions tbody tr").count()).toBe(analysis.regions.length);
    expect(await page.locator("#coefficients").textContent()).toMatch(/Pearson r = .* \(p = .*\), Spearman ρ = .* \(p = /);
    await page.close();
  }, 240_000);

  it("killed mid-run (SIGKILL) and run again: every item judged once, answered requests not sent again", async () => {
    const run = join(dir, "eval-killed");
    const argv = ["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", "300", "--no-loss", "--run", run, "--quiet", "--json"];
    server.clearRecords();
    // The CLI in a child process (the generate tests' fixture: it only runs main), killed once 120 answers are in.
    const child = spawnViteNode("test/cli/generate-child.fixture.ts", ["--", ...argv], { cwd: process.cwd(), stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    while (server.answered.length < 120) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGKILL");
    await exited;
    const beforeRerun = server.answered.length;
    expect(beforeRerun).toBeLessThan(300);

    const result = await runCli(argv);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const expectedRight = [...answers.keys()].slice(0, 300).filter(knowsAnswer).length;
    expect(summary).toMatchObject({ items: 300, correct: expectedRight });
    expect(summary.judgedNow).toBeLessThan(300);
    expect(summary.judgedNow).toBeGreaterThan(0);
    // Every question asked; one asked twice only if its answer arrived in the instant between the
    // server's reply and the cache write (at most the 8 in flight).
    const prompts = server.requests.map((request) => String(request.body.prompt));
    expect(new Set(prompts).size).toBe(300);
    expect(prompts.length - 300).toBeLessThanOrEqual(8);
    const sent = server.requests.length;
    const again = await runCli(argv);
    expect(JSON.parse(again.stdout)).toMatchObject({ judgedNow: 0, correct: expectedRight });
    expect(server.requests.length).toBe(sent);
  }, 240_000);

  it("refuses missing flags with exit 2 and names the flag", async () => {
    const missing = await runCli(["eval", "--benchmark", GSM8K_TEST]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--student SPEC is required/);
    const shots = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", GSM8K_TEST, "--shots", "3"]);
    expect(shots.code).toBe(2);
    expect(shots.stderr).toMatch(/--shots 3 needs --shots-file/);
    const style = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", GSM8K_TEST, "--prompt-style", "poem"]);
    expect(style.code).toBe(2);
    expect(style.stderr).toMatch(/--prompt-style must be one of completion, chat/);
  });
});

describe("gapfill eval with the tiny GGUF as student", () => {
  it("runs end to end: answers, loss signals, sampled-answer entropy, report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-cli-eval-llama-"));
    const model = join(dir, "tiny.gguf");
    await writeTinyLlamaGguf(model, { context: 1024 });
    const benchmark = join(dir, "bench.jsonl");
    await writeFile(
      benchmark,
      [
        { question: "2 + 3?", answer: "2 + 3 = 5\n#### 5" },
        { question: "What is half of 8?", answer: "$\\boxed{4}$" },
      ]
        .map((row) => JSON.stringify(row))
        .join("\n") + "\n",
    );
    const run = join(dir, "run");
    const result = await runCli(["eval", "--student", `llama:${model}?context=1024&threads=1`, "--benchmark", benchmark, "--max-tokens", "8", "--samples", "2", "--run", run, "--json", "--quiet"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ items: 2, correct: 0, judgedNow: 2, lossSignals: "scored" });
    expect(summary.meanReferenceLoss).toBeGreaterThan(0);
    expect(summary.meanOwnLoss).toBeGreaterThan(0);
    expect(summary.meanSampleEntropy).toBeGreaterThanOrEqual(0);
    expect(summary.interval95[0]).toBe(0);
    const html = await readFile(join(run, "report.html"), "utf8");
    expect(html).toContain("What is half of 8?");
  }, 120_000);
});
