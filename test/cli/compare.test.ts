import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { OpenAITestServer, type ReceivedRequest } from "../support/openai-test-server.js";
import { launchChromium, nonBackgroundShare } from "../helpers/browser.js";
import { runCli } from "../helpers/run-cli.js";

/** 40 items "n + 1"; a student model named `right-K` answers items 0…K−1 right. */
const rows = Array.from({ length: 40 }, (_, i) => ({ question: `Add one to ${i}.`, answer: `${i} + 1 = ${i + 1}\n#### ${i + 1}` }));

describe("gapfill compare", () => {
  let dir: string;
  let server: OpenAITestServer;
  let browser: Browser;
  const runs: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-compare-"));
    const benchmark = join(dir, "bench.jsonl");
    await writeFile(benchmark, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    server = await OpenAITestServer.start();
    server.handle("completions", (request: ReceivedRequest) => {
      const known = Number(String(request.body.model).replace("right-", ""));
      const i = Number(/Add one to (\d+)\.\nAnswer:$/.exec(String(request.body.prompt))?.[1]);
      return i < known ? ` #### ${i + 1}` : ` #### ${i}`;
    });
    const evaluate = async (name: string, model: string, extra: string[]) => {
      runs[name] = join(dir, name);
      const result = await runCli(["eval", "--student", `openai:${model}@${server.baseUrl}`, "--benchmark", benchmark, "--no-loss", "--run", runs[name], "--quiet", ...extra]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    };
    await evaluate("base", "right-10", ["--label", "tiny-1b"]);
    await evaluate("random-500", "right-14", ["--label", "tiny-1b", "--strategy", "random", "--budget", "500"]);
    await evaluate("embed-500", "right-22", ["--label", "tiny-1b", "--strategy", "embed", "--budget", "500"]);
    await evaluate("embed-100", "right-12", ["--label", "tiny-1b", "--strategy", "embed", "--budget", "100"]);
    await evaluate("other-base", "right-30", ["--label", "small-3b"]);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  it("prints a Table-1-style comparison with intervals and McNemar tests", async () => {
    const result = await runCli(["compare", runs.base, runs["random-500"], runs["embed-500"], runs["embed-100"], runs["other-base"]]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    const header = lines.find((line) => line.startsWith("student"))!;
    expect(header.split(/\s{2,}/)).toEqual(["student", "base", "embed@100", "embed@500", "random@500"]);
    const tiny = lines.find((line) => line.startsWith("tiny-1b"))!;
    expect(tiny.split(/\s{2,}/).slice(1).map((cell) => cell.split(" ")[0])).toEqual(["25.0", "30.0", "55.0", "35.0"]);
    const small = lines.find((line) => line.startsWith("small-3b"))!;
    expect(small.split(/\s{2,}/).slice(1).map((cell) => cell.split(" ")[0])).toEqual(["75.0", "–", "–", "–"]);
    expect(result.stdout).toMatch(/paired tests \(McNemar exact/);
  });

  it("--json gives the table, every run's interval and the paired tests; --html draws the chart", async () => {
    const page = join(dir, "compare.html");
    const result = await runCli(["compare", runs.base, runs["embed-500"], runs["random-500"], "--json", "--html", page]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.table.columns).toEqual(["base", "embed@500", "random@500"]);
    expect(json.runs.map((run: { correct: number }) => run.correct)).toEqual([10, 22, 14]);
    // embed-500 vs base: items 10…21 right only under embed; exact p = 2 · 0.5^12.
    const pair = json.pairs.find((p: { first: string; second: string }) => p.first === runs.base && p.second === runs["embed-500"]);
    expect(pair).toMatchObject({ sharedItems: 40, onlyFirst: 0, onlySecond: 12 });
    expect(pair.exactP).toBeCloseTo(2 * 0.5 ** 12, 15);
    expect(json.pairs).toHaveLength(3);

    const html = await readFile(page, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/);
    const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.goto(pathToFileURL(page).href);
    expect(errors).toEqual([]);
    expect(await nonBackgroundShare(tab, "#chart")).toBeGreaterThan(0.05);
    expect(await tab.locator("#table tr").count()).toBe(2);
    await tab.close();
  });

  it("names a directory that has no evaluation", async () => {
    const map = join(dir, "not-evaluated");
    await runCli(["map", join(dir, "bench.jsonl"), "--run", map, "--quiet", "--knn", "0"]);
    const result = await runCli(["compare", runs.base, map]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`run ${map} has no evaluation`);
  });
});
