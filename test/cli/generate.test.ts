import { readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { spawnViteNode } from "../support/vite-node.js";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";
import { runCli } from "../helpers/run-cli.js";
import { fakeTeacher } from "./fake-teacher.js";
import { sharedDataPath } from "../support/shared-data.js";

const GSM8K_TRAIN = sharedDataPath("gsm8k-train");

/** The first `rows` GSM8K training problems, in a folder of their own (no sibling test.jsonl). */
async function smallDataset(dir: string, rows: number): Promise<string> {
  const lines = (await readFile(GSM8K_TRAIN, "utf8")).split("\n").slice(0, rows);
  const path = join(dir, "train-small.jsonl");
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

function readJsonl(text: string): any[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}

describe("gapfill generate against a local teacher and a tiny GGUF student", () => {
  let dir: string;
  let dataset: string;
  let gguf: string;
  let server: OpenAITestServer;
  let teacher: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-"));
    dataset = await smallDataset(dir, 120);
    gguf = join(dir, "student.gguf");
    await writeTinyLlamaGguf(gguf, { seed: 5, context: 2048 });
    server = await OpenAITestServer.start();
    server.handle("chat", fakeTeacher());
    teacher = `openai:teacher@${server.baseUrl}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it("documents every flag in --help", async () => {
    const result = await runCli(["generate", "--help"]);
    expect(result.code).toBe(0);
    const { buildProgram } = await import("../../src/cli/main.js");
    const command = buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }).commands.find((c) => c.name() === "generate")!;
    for (const option of command.options) {
      expect(result.stdout).toContain(option.long!);
      expect(option.description.length).toBeGreaterThan(10);
    }
    expect(result.stdout).toContain("--compare-random");
  });

  it("refuses a missing --run, --budget or --teacher with exit code 2 naming the flag", async () => {
    const noRun = await runCli(["generate", dataset, "--budget", "3", "--teacher", teacher]);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain("--run");
    const badStrategy = await runCli(["generate", dataset, "--run", join(dir, "bad"), "--budget", "3", "--teacher", teacher, "--strategy", "magic"]);
    expect(badStrategy.code).toBe(2);
    expect(badStrategy.stderr).toContain("--strategy");
  });

  it("embed (student-decoded partials) and random each reach exactly --budget with full provenance; garbage and duplicates are counted and kept", async () => {
    const run = join(dir, "both");
    const budget = 12;
    const result = await runCli([
      "generate", dataset, "--run", run, "--strategy", "embed", "--compare-random", "--budget", String(budget),
      "--teacher", teacher, "--student", `llama:${gguf}`, "--decode-tokens", "8", "--pairs", "6", "--verify",
      "--export", "chat,alpaca", "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.results.map((r: any) => r.strategy)).toEqual(["embed", "random"]);

    const records = readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"));
    const ids = new Set(records.map((record) => record.id));
    expect(ids.size).toBe(records.length);
    const map = JSON.parse(await readFile(join(run, "map.json"), "utf8"));
    expect(map.embedder.kind).toBe("student");
    const seedIds = new Set(map.ids);
    for (const strategy of ["embed", "random"]) {
      const mine = records.filter((record) => record.strategy === strategy);
      expect(mine).toHaveLength(budget);
      for (const record of mine) {
        expect(record.question.length).toBeGreaterThan(12);
        expect(record.answer).toMatch(/#### \d+$/);
        expect(record.final_answer).toMatch(/^\d+$/);
        expect(record.teacher_model).toBe("teacher");
        expect(record.prompt_template_hash).toMatch(/^[0-9a-f]{12}$/);
        expect(record.verified).toBe(true);
        expect(record.usage.requests).toBe(2);
        expect(record.usage.prompt_tokens).toBeGreaterThan(0);
        for (const id of record.seed_ids) expect(seedIds.has(id)).toBe(true);
        if (strategy === "embed") {
          expect(record.seed_ids).toHaveLength(2);
          expect(typeof record.region).toBe("number");
          expect(typeof record.cell).toBe("number");
          expect(typeof record.decoded_partial).toBe("string");
          expect(record.prompt_template).toBe("two-seed");
        } else {
          expect(record.seed_ids).toHaveLength(1);
          expect(record.region).toBeNull();
          expect(record).not.toHaveProperty("decoded_partial");
          expect(record.prompt_template).toBe("one-seed");
        }
      }
    }
    // The decoded partial reached the teacher's prompt.
    const withPartial = server.requests.filter((request) => String((request.body as any).messages[0].content).includes("Fragment:"));
    expect(withPartial.length).toBeGreaterThan(0);

    for (const strategyResult of summary.results) {
      expect(strategyResult.accepted).toBe(budget);
      expect(strategyResult.rejected.unparseable).toBeGreaterThan(0);
      expect(strategyResult.attempts).toBe(budget + Object.values(strategyResult.rejected as Record<string, number>).reduce((a, b) => a + b, 0));
      expect(strategyResult.targeting.placed).toBe(budget);
    }
    const duplicates = summary.results.flatMap((r: any) => [r.rejected["duplicate-of-seed"] ?? 0, r.rejected["duplicate-of-accepted"] ?? 0]);
    expect(duplicates.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);

    // Unparseable replies are kept in the run with their raw text and reason.
    const db = new DatabaseConstructor(join(run, "gapfill.db"), { readonly: true });
    const kept = db.prepare("SELECT raw, detail FROM generate_attempts WHERE reason = 'unparseable'").all() as Array<{ raw: string; detail: string }>;
    db.close();
    expect(kept.length).toBe(summary.results.reduce((sum: number, r: any) => sum + r.rejected.unparseable, 0));
    expect(kept[0].raw).toBe("I would rather not write a problem today.");
    expect(kept[0].detail).toMatch(/no JSON object/);

    const chat = readJsonl(await readFile(join(run, "synthetic-embed.chat.jsonl"), "utf8"));
    expect(chat).toHaveLength(budget);
    expect(chat[0].messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);
    const alpaca = readJsonl(await readFile(join(run, "synthetic-random.alpaca.jsonl"), "utf8"));
    expect(alpaca).toHaveLength(budget);
    expect(Object.keys(alpaca[0]).sort()).toEqual(["input", "instruction", "output"]);

    // Running the same command again sends nothing and accepts nothing more.
    const before = server.requests.length;
    const again = await runCli(["generate", dataset, "--run", run, "--strategy", "embed", "--compare-random", "--budget", String(budget), "--teacher", teacher, "--student", `llama:${gguf}`, "--decode-tokens", "8", "--pairs", "6", "--verify", "--quiet", "--json"]);
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"))).toHaveLength(2 * budget);
  }, 240_000);

  it("says once that a student without decode-embeddings cannot decode, and goes on without partials", async () => {
    const run = join(dir, "no-decode");
    const map = await runCli(["map", dataset, "--run", run, "--quiet", "--pairs", "4"]);
    expect(map.code).toBe(0);
    const result = await runCli(["generate", dataset, "--run", run, "--budget", "4", "--teacher", teacher, "--student", `openai:student@${server.baseUrl}`, "--json"], { GAPFILL_QUIET: "0" });
    expect(result.code).toBe(0);
    expect(result.stderr.match(/no decoded partials/g)).toHaveLength(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.results[0].accepted).toBe(4);
    expect(summary.results[0].decode).toMatchObject({ requested: true, used: false });
    for (const record of readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"))) expect(record.decoded_partial).toBeNull();
  }, 120_000);

  it("drops examples sharing a 13-gram with --decontaminate files, counted as contaminated", async () => {
    const run = join(dir, "decontaminated");
    const benchmark = join(dir, "benchmark.jsonl");
    await writeFile(benchmark, JSON.stringify({ question: "Quiz: how many marbles are left if Tom has 10 marbles and gives away 3 of them to his friend?", answer: "#### 7" }) + "\n");
    const result = await runCli(["generate", dataset, "--run", run, "--strategy", "random", "--budget", "8", "--teacher", teacher, "--decontaminate", benchmark, "--json", "--quiet"]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout).results[0];
    expect(summary.decontamination).toEqual({ files: [benchmark], ngram: 13, texts: 1 });
    expect(summary.rejected.contaminated).toBeGreaterThan(0);
    expect(summary.rejected["duplicate-of-accepted"]).toBeUndefined();
    for (const record of readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"))) expect(record.question).not.toContain("marbles are left");
  }, 120_000);

  it("stops at --max-teacher-tokens, says so, and a rerun with a higher cap continues to the budget", async () => {
    const run = join(dir, "capped");
    const capped = await runCli(["generate", dataset, "--run", run, "--strategy", "random", "--budget", "10", "--teacher", teacher, "--max-teacher-tokens", "600", "--concurrency", "1", "--json", "--quiet"]);
    expect(capped.code).toBe(0);
    const first = JSON.parse(capped.stdout).results[0];
    expect(first.stopped).toBe("max-teacher-tokens");
    expect(first.accepted).toBeLessThan(10);
    expect(first.teacher.promptTokens + first.teacher.completionTokens).toBeGreaterThanOrEqual(600);
    const resumed = await runCli(["generate", dataset, "--run", run, "--strategy", "random", "--budget", "10", "--teacher", teacher, "--json", "--quiet"]);
    const second = JSON.parse(resumed.stdout).results[0];
    expect(second.accepted).toBe(10);
    expect(readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"))).toHaveLength(10);
  }, 120_000);
});

describe("gapfill generate: ending short, and faults that cost their attempt", () => {
  it("ends short of --budget: prints each rejection reason with its count and a sample reply, exits 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-short-"));
    const server = await OpenAITestServer.start();
    server.handle("chat", () => "### Thoughts\nI would rather write a poem about the sea.");
    try {
      const dataset = await smallDataset(dir, 40);
      const result = await runCli(["generate", dataset, "--run", join(dir, "run"), "--strategy", "random", "--budget", "3", "--max-attempts", "6", "--teacher", `openai:teacher@${server.baseUrl}`, "--quiet"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/random ended with 0 of 3 accepted \(stopped: max-attempts\); rejections:\n {2}[a-z-]+: 6 \(e\.g\. /);
      expect(result.stderr).toContain("sample");
      expect(result.stderr).toContain("a poem about the sea");
      expect(result.stderr).toContain("gapfill: random: accepted 0 of 3 (stopped: max-attempts)");
      expect(result.stderr).not.toContain("unexpected error");
    } finally {
      await server.close();
    }
  }, 120_000);

  it("under 35% injected faults (500/429/garbage) one invocation reaches the budget, no id written twice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-faults-"));
    const server = await OpenAITestServer.start({ faultRate: 0.35, seed: 3 });
    server.handle("chat", fakeTeacher());
    try {
      const dataset = await smallDataset(dir, 60);
      const run = join(dir, "run");
      const result = await runCli(["generate", dataset, "--run", run, "--strategy", "random", "--budget", "12", "--teacher", `openai:teacher@${server.baseUrl}?max_attempts=3`, "--json", "--quiet"]);
      expect(result.stderr).not.toContain("unexpected error");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).results[0].accepted).toBe(12);
      const ids = readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8")).map((record) => record.id);
      expect(new Set(ids).size).toBe(12);
      expect(ids).toHaveLength(12);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe("gapfill generate: SIGKILL and resume", () => {
  it("killed mid-run and run again: exactly --budget records, none doubled or lost, no cached answer asked again", async () => {
    const { requestCacheKey } = await import("../../src/engines/request-cache.js");
    const dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-kill-"));
    const dataset = await smallDataset(dir, 120);
    const server = await OpenAITestServer.start({ latencyMs: 15 });
    server.handle("chat", fakeTeacher());
    const run = join(dir, "run");
    const budget = 30;
    const argv = ["generate", dataset, "--run", run, "--strategy", "random", "--budget", String(budget), "--teacher", `openai:teacher@${server.baseUrl}`, "--verify", "--quiet"];
    const keyOf = (body: Record<string, unknown>) => requestCacheKey({ engine: "openai", model: "teacher", endpoint: "/v1/chat/completions", body });
    const answeredKeys = () => {
      const db = new DatabaseConstructor(join(run, "gapfill.db"), { readonly: true });
      const keys = new Set((db.prepare("SELECT key FROM request_cache WHERE status = 'done'").pluck().all() as string[]));
      db.close();
      return keys;
    };
    try {
      const counts: number[] = [];
      for (const killAfter of [12, 40]) {
        const child = spawnViteNode("test/cli/generate-child.fixture.ts", ["--", ...argv], { cwd: process.cwd(), stdio: "ignore" });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
        while (server.requests.length < killAfter) await new Promise((resolve) => setTimeout(resolve, 10));
        child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
        const partial = readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8").catch(() => ""));
        expect(partial.length).toBeLessThan(budget);
        counts.push(partial.length);
      }
      // The kills came after records were written, not before the first one.
      expect(counts.at(-1)).toBeGreaterThan(0);
      const cached = answeredKeys();
      expect(cached.size).toBeGreaterThan(0);
      // The key recipe here matches the engine's: every cached answer is for a request the server saw.
      const seen = new Set(server.requests.map((request) => keyOf(request.body)));
      for (const key of cached) expect(seen.has(key)).toBe(true);
      const before = server.requests.length;
      const result = await runCli([...argv, "--json"]);
      expect(result.code).toBe(0);
      for (const request of server.requests.slice(before)) expect(cached.has(keyOf(request.body))).toBe(false);
      const records = readJsonl(await readFile(join(run, "synthetic.jsonl"), "utf8"));
      expect(records).toHaveLength(budget);
      expect(new Set(records.map((record) => record.id)).size).toBe(budget);
      expect(JSON.parse(result.stdout).results[0].accepted).toBe(budget);
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe("gapfill generate on GSM8K with the lexical embedder: targeting check", () => {
  let browser: import("playwright-core").Browser;
  afterAll(async () => {
    await browser?.close();
  });

  it("places both strategies' examples on the map and shows their hit rates side by side in generate.html", async () => {
    const { mixingTeacher } = await import("./mixing-teacher.js");
    const { launchChromium, nonBackgroundShare } = await import("../helpers/browser.js");
    const { pathToFileURL } = await import("node:url");
    const dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-gsm8k-"));
    const server = await OpenAITestServer.start();
    server.handle("chat", mixingTeacher());
    const run = join(dir, "run");
    try {
      const map = await runCli(["map", GSM8K_TRAIN, "--run", run, "--quiet", "--pairs", "20"]);
      expect(map.code).toBe(0);
      const result = await runCli(["generate", GSM8K_TRAIN, "--run", run, "--budget", "20", "--compare-random", "--teacher", `openai:teacher@${server.baseUrl}`, "--json", "--quiet"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const [embed, random] = JSON.parse(result.stdout).results;
      // GSM8K's sibling test.jsonl was used for decontamination by default.
      expect(embed.decontamination.files[0]).toMatch(/gsm8k\/test\.jsonl$/);
      expect(embed.decontamination.texts).toBe(1319);
      for (const strategy of [embed, random]) {
        expect(strategy.accepted).toBe(20);
        expect(strategy.targeting.placed).toBe(20);
        expect(strategy.targeting.method).toMatch(/never on the placed texts/);
        expect(strategy.targeting.notes).toEqual([]);
      }
      expect(embed.targeting.targetHitRate).toBeGreaterThan(0);
      expect(random.targeting.targetHitRate).toBeNull();
      // Written between two seeds across a sparse cell, embed's examples land near sparse cells more often than restated random seeds.
      expect(embed.targeting.sparseHitRate).toBeGreaterThan(random.targeting.sparseHitRate);
      expect(embed.targeting.sparseCells.pointsAdded).toBeGreaterThan(0);

      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      // generate's page goes beside the map's, never over it; the run's index links both.
      expect(readFileSync(join(run, "index.html"), "utf8")).toMatch(/href="map\.html"[\s\S]*href="generate\.html"/);
      expect(readFileSync(join(run, "map.html"), "utf8")).not.toBe(readFileSync(join(run, "generate.html"), "utf8"));
      await page.goto(pathToFileURL(join(run, "generate.html")).href);
      expect(errors).toEqual([]);
      const headers = await page.locator("#compare th.strategy").allTextContents();
      expect(headers).toEqual(["embed", "random"]);
      const table = (await page.locator("#compare").textContent()) ?? "";
      const percent = (value: number) => `${(100 * value).toFixed(0)}%`;
      expect(table).toContain(percent(embed.targeting.targetHitRate));
      expect(table).toContain(percent(embed.targeting.sparseHitRate));
      expect(table).toContain(percent(random.targeting.sparseHitRate));
      expect(await nonBackgroundShare(page, "#map-embed")).toBeGreaterThan(0.02);
      expect(await nonBackgroundShare(page, "#map-random")).toBeGreaterThan(0.02);
      await page.screenshot({ path: join(dir, "generate-report.png"), fullPage: true });
    } finally {
      await server.close();
    }
  }, 300_000);
});
