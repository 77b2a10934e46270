import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractAnswer } from "../../src/data/answers/index.js";
import { readAll } from "../../src/data/read-dataset.js";
import { wilsonInterval } from "../../src/geometry/proportion-tests.js";
import { launchChromium, nonBackgroundShare } from "../helpers/browser.js";
import { runCli } from "../helpers/run-cli.js";
import { OpenAITestServer, type ReceivedRequest } from "../support/openai-test-server.js";
import { sharedDataPath } from "../support/shared-data.js";
import { spawnViteNode } from "../support/vite-node.js";

// The command end to end: the happy path (on a map, with the page), resume after SIGKILL, flag
// errors. What each phase does (grading, signals, resume within a process, placement, the
// density analysis, the tiny GGUF as student) is tested without the CLI in src/pipeline/evaluate/.
const GSM8K_TEST = sharedDataPath("gsm8k-test");
const WORD_PROBLEMS = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;
/** GSM8K test items evaluated per run: enough for several density regions of 15. */
const ITEMS = 120;

/** The student is right exactly when the question's length is not a multiple of 4. */
const knowsAnswer = (question: string) => question.length % 4 !== 0;

describe("gapfill eval on GSM8K test against the test server", () => {
  let dir: string;
  let map: string;
  let server: OpenAITestServer;
  const answers = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-eval-"));
    const { examples } = await readAll(GSM8K_TEST);
    for (const example of examples) answers.set(example.question.trim(), extractAnswer(example.answer)!.answer);
    server = await OpenAITestServer.start();
    server.handle("completions", (request: ReceivedRequest) => {
      if (request.body.echo === true) return "";
      const prompt = String(request.body.prompt);
      const question = prompt.slice(prompt.lastIndexOf("Question: ") + "Question: ".length, prompt.lastIndexOf("\nAnswer:"));
      const answer = answers.get(question);
      if (answer === undefined) return " I cannot read the question.";
      return knowsAnswer(question) ? ` Working it out gives ${answer}.\n#### ${answer}` : ` I think it is ${Number(answer) + 1}.\n#### ${Number(answer) + 1}`;
    });
    map = join(dir, "map");
    const mapped = await runCli(["map", WORD_PROBLEMS, "--run", map, "--quiet", "--json"]);
    expect(mapped.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const rightOfFirst = (n: number) => [...answers.keys()].slice(0, n).filter(knowsAnswer).length;

  it("on a map: exact accuracy and interval, the density–accuracy table and plot; a second run sends no request", async () => {
    const run = join(dir, "eval");
    const argv = ["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", String(ITEMS), "--map", map, "--min-per-region", "15", "--run", run, "--quiet"];
    const first = await runCli([...argv, "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    const expectedRight = rightOfFirst(ITEMS);
    const expected = wilsonInterval(expectedRight, ITEMS);
    expect(summary).toMatchObject({ items: ITEMS, correct: expectedRight, judgedNow: ITEMS, lossSignals: "scored", noAnswer: 0, report: join(run, "eval.html") });
    expect(summary.interval95[0]).toBeCloseTo(expected.lower, 12);
    expect(summary.interval95[1]).toBeCloseTo(expected.upper, 12);
    // One greedy answer and two scoring requests (reference, own answer) per item.
    expect(server.requests).toHaveLength(3 * ITEMS);
    const analysis = summary.densityAccuracy;
    expect(analysis.regions.length).toBeGreaterThan(3);
    expect(analysis.regions.reduce((sum: number, region: { items: number }) => sum + region.items, 0)).toBe(ITEMS);
    expect(existsSync(join(run, "density-accuracy.json"))).toBe(true);

    const sent = server.requests.length;
    const human = await runCli(argv);
    expect(human.code).toBe(0);
    expect(server.requests.length).toBe(sent);
    expect(human.stdout).toMatch(new RegExp(`accuracy\\s+${((100 * expectedRight) / ITEMS).toFixed(1)}% \\(${expectedRight}/${ITEMS}\\), 95% interval`));
    expect(human.stdout).toMatch(/Pearson r\s+-?\d\.\d{3} \(p = /);
    expect(human.stdout).toMatch(/Spearman ρ\s+-?\d\.\d{3} \(p = /);
    expect(human.stdout).toMatch(/region\s+cells\s+density\s+items\s+accuracy\s+95% interval/);
    expect(human.stdout).toMatch(/, 0 items judged now\)\n$/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(run, "eval.html")).href);
      expect(errors).toEqual([]);
      expect(await nonBackgroundShare(page, "#scatter")).toBeGreaterThan(0.005);
      expect(await nonBackgroundShare(page, "#map")).toBeGreaterThan(0.02);
      expect(await page.locator("#regions tbody tr").count()).toBe(analysis.regions.length);
      expect(await page.locator("#coefficients").textContent()).toMatch(/Pearson r = .* \(p = .*\), Spearman ρ = .* \(p = /);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("killed mid-run (SIGKILL) and run again: every item judged once, answered requests not sent again", async () => {
    const run = join(dir, "eval-killed");
    const argv = ["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", String(ITEMS), "--no-loss", "--run", run, "--quiet", "--json"];
    server.clearRecords();
    // The CLI in a child process (the generate tests' fixture: it only runs main), killed once 50 answers are in.
    const child = spawnViteNode("test/cli/generate-child.fixture.ts", ["--", ...argv], { cwd: process.cwd(), stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    while (server.answered.length < 50) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGKILL");
    await exited;
    expect(server.answered.length).toBeLessThan(ITEMS);

    const result = await runCli(argv);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ items: ITEMS, correct: rightOfFirst(ITEMS) });
    expect(summary.judgedNow).toBeLessThan(ITEMS);
    expect(summary.judgedNow).toBeGreaterThan(0);
    // Every question asked; one asked twice only if its answer arrived in the instant between the
    // server's reply and the cache write (at most the 8 in flight).
    const prompts = server.requests.map((request) => String(request.body.prompt));
    expect(new Set(prompts).size).toBe(ITEMS);
    expect(prompts.length - ITEMS).toBeLessThanOrEqual(8);
    const sent = server.requests.length;
    const again = await runCli(argv);
    expect(JSON.parse(again.stdout)).toMatchObject({ judgedNow: 0, correct: rightOfFirst(ITEMS) });
    expect(server.requests.length).toBe(sent);
  }, 120_000);

  it("refuses missing or bad flags with exit 2 and names the flag, before any run directory is made", async () => {
    const run = join(dir, "never");
    const missing = await runCli(["eval", "--benchmark", GSM8K_TEST, "--run", run]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--student SPEC is required/);
    const shots = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", GSM8K_TEST, "--shots", "3", "--run", run]);
    expect(shots.code).toBe(2);
    expect(shots.stderr).toMatch(/--shots 3 needs --shots-file/);
    const style = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", GSM8K_TEST, "--prompt-style", "poem", "--run", run]);
    expect(style.code).toBe(2);
    expect(style.stderr).toMatch(/--prompt-style must be one of completion, chat/);
    const template = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", GSM8K_TEST, "--template", join(dir, "none.txt"), "--run", run]);
    expect(template.code).toBe(1);
    expect(template.stderr).toContain(join(dir, "none.txt"));
    expect(template.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(run)).toBe(false);
  });
});
