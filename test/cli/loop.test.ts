import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FineTuningTestServer } from "../support/fine-tuning-routes.js";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { spawnViteNode } from "../support/vite-node.js";
import { runCli } from "../helpers/run-cli.js";
import { gsm8kSlice, loopTeacher, readJsonl, referenceAnswers, trainedStudent } from "./loop-world.js";

/** Reads a finished run's tables. */
function query<T = any>(run: string, sql: string, ...params: unknown[]): T[] {
  const db = new DatabaseConstructor(join(run, "gapfill.db"), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const records = (run: string) => readJsonl(readFileSync(join(run, "synthetic.jsonl"), "utf8"));
const ofRound = (run: string, round: number) => records(run).filter((record) => record.round === round);

describe("gapfill loop against the test server (teacher, trained student, fine-tuning API)", () => {
  let dir: string;
  let dataset: string;
  let validation: string;
  let registry: string;
  let server: OpenAITestServer;
  let fineTuning: FineTuningTestServer;
  let teacher: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-loop-"));
    dataset = await gsm8kSlice(dir, "seeds.jsonl", 0, 40);
    validation = await gsm8kSlice(dir, "validation.jsonl", 100, 6);
    registry = join(dir, "registry");
    mkdirSync(registry);
    server = await OpenAITestServer.start();
    server.handle("chat", loopTeacher());
    server.handle("completions", trainedStudent(registry, await referenceAnswers(dataset, validation)));
    fineTuning = await FineTuningTestServer.start({
      upstream: server,
      modelName: (job, text) => {
        // The fine-tuned model knows what its job was trained on, like the recording trainer's.
        const name = `ft-${job.id}`;
        writeFileSync(join(registry, `${name}.jsonl`), text);
        return name;
      },
    });
    teacher = `openai:teacher@${server.baseUrl}`;
  });
  afterAll(async () => {
    await fineTuning?.close();
    await server?.close();
  });

  const recordingTrainer = () => `command:node test/fixtures/recording-trainer.mjs {train_file} {round} {output_dir} ${server.baseUrl} ${registry}`;
  const s3Args = (run: string) => [
    "loop", dataset, "--run", run, "--strategy", "s3", "--rounds", "3", "--per-round", "4", "--teacher", teacher,
    "--student", `openai:student-base@${server.baseUrl}`, "--trainer", recordingTrainer(), "--validation", validation, "--benchmark", validation, "--quiet",
  ];

  it("documents every flag and refuses missing or wrong ones with exit code 2 naming the flag", async () => {
    const help = await runCli(["loop", "--help"]);
    expect(help.code).toBe(0);
    const { buildProgram } = await import("../../src/cli/main.js");
    const command = buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }).commands.find((c) => c.name() === "loop")!;
    for (const option of command.options) expect(help.stdout).toContain(option.long!);
    const base = ["loop", dataset, "--run", join(dir, "bad"), "--rounds", "2", "--per-round", "2", "--teacher", teacher, "--student", `openai:s@${server.baseUrl}`];
    const noTrainer = await runCli(base);
    expect(noTrainer.code).toBe(2);
    expect(noTrainer.stderr).toContain("--trainer");
    const s3 = await runCli([...base, "--trainer", "command:true", "--strategy", "s3"]);
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain("--validation");
    const badTrainer = await runCli([...base, "--trainer", "trl:x"]);
    expect(badTrainer.code).toBe(2);
    expect(badTrainer.stderr).toContain("--trainer must be command:");
    const badScore = await runCli([...base, "--trainer", "command:true", "--score", "vibes"]);
    expect(badScore.code).toBe(2);
    expect(badScore.stderr).toContain("--score");
  });

  it("s3: round 1 synthesizes explain-then-generate; rounds 2 and 3 extrapolate exactly the validation items the previous student got wrong", async () => {
    const run = join(dir, "s3");
    const result = await runCli([...s3Args(run), "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds).toHaveLength(3);

    const validationIds = query(run, "SELECT item_id FROM evaluation_items WHERE evaluation = 'loop-r1-validation' ORDER BY position").map((row) => row.item_id);
    const wrong = (round: number) => query(run, "SELECT item_id FROM evaluation_items WHERE evaluation = ? AND correct = 0 ORDER BY position", `loop-r${round}-validation`).map((row) => row.item_id);
    const round1 = ofRound(run, 1);
    expect(round1).toHaveLength(4);
    for (const record of round1) {
      expect(record.source).toBe("s3-seed");
      expect(record.rationale).toMatch(/^The student must practise/);
      expect(record.prompt_template).toBe("s3-seed");
    }
    // Trained on seed-set variants only, the round 1 student misses every validation item.
    expect(wrong(1)).toEqual(validationIds);
    const round2 = ofRound(run, 2);
    expect(round2.every((record) => record.source === "s3-error")).toBe(true);
    expect(round2.map((record) => record.error_item.id)).toEqual(wrong(1).slice(0, 4));
    expect(round2.every((record) => record.error_item.student_answer === "-1")).toBe(true);
    // Round 2's student learned those four; round 3 extrapolates exactly the two it still gets wrong.
    expect(wrong(2)).toEqual(validationIds.slice(4));
    expect(new Set(ofRound(run, 3).map((record) => record.error_item.id))).toEqual(new Set(wrong(2)));
    expect(wrong(3)).toEqual([]);

    // The student of round r+1 is the one trained in round r.
    const rounds = query(run, "SELECT round, student, trained_student, train_examples FROM loop_rounds ORDER BY round");
    expect(rounds.map((row) => JSON.parse(row.student).spec)).toEqual([`openai:student-base@${server.baseUrl}`, `openai:trained-r1@${server.baseUrl}`, `openai:trained-r2@${server.baseUrl}`]);
    expect(rounds.map((row) => row.train_examples)).toEqual([4, 8, 12]);
    expect(readFileSync(join(registry, "trained-r3.jsonl"), "utf8").trim().split("\n")).toHaveLength(12);
    expect(summary.baseline.benchmark.correct).toBe(0);
    expect(summary.rounds.map((round: any) => round.benchmark.correct)).toEqual([0, 4, 6]);
    expect(summary.rounds.map((round: any) => round.validation.errors)).toEqual([6, 2, 0]);
    expect(summary.rounds[2].mix).toEqual({ "s3-seed r1": 4, "s3-error r2": 4, "s3-error r3": 4 });

    const report = readFileSync(join(run, "loop.html"), "utf8");
    expect(report).toContain('id="accuracy-chart"');
    expect(report.match(/<circle [^>]*data-series="benchmark"/g)).toHaveLength(4);
    expect(report).toContain('data-source="s3-error"');
    expect(report.match(/<tr data-round=/g)).toHaveLength(3);
  }, 120_000);

  it("loop.html renders in Chromium: the accuracy points rise round by round and the mix bars grow", async () => {
    const { launchChromium } = await import("../helpers/browser.js");
    const { pathToFileURL } = await import("node:url");
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(dir, "s3", "loop.html")).href);
      const points = await page.$$eval('#accuracy-chart circle[data-series="benchmark"]', (circles) => circles.map((c) => c.getBoundingClientRect().top));
      // Base 0/6, then 0/6, 4/6, 6/6: higher accuracy is drawn higher up (smaller top).
      expect(points).toHaveLength(4);
      expect(points[1]).toBeCloseTo(points[0], 3);
      expect(points[2]).toBeLessThan(points[1]);
      expect(points[3]).toBeLessThan(points[2]);
      const bars = await page.$$eval("#mix-chart rect", (rects) => rects.map((r) => ({ round: Number(r.getAttribute("data-round")), height: r.getBoundingClientRect().height })));
      const heightOf = (round: number) => bars.filter((bar) => bar.round === round).reduce((sum, bar) => sum + bar.height, 0);
      expect(heightOf(1)).toBeGreaterThan(0);
      expect(heightOf(3)).toBeCloseTo(3 * heightOf(1), 0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("active with an openai-ft trainer: the student answers the seeds, the top own-loss seeds feed the teacher, and learned seeds drop out", async () => {
    const run = join(dir, "active");
    const result = await runCli([
      "loop", dataset, "--run", run, "--strategy", "active", "--rounds", "3", "--per-round", "5", "--teacher", teacher,
      "--student", `openai:student-base@${fineTuning.baseUrl}`, "--trainer", `openai-ft:student-base@${fineTuning.baseUrl}?poll=0.01`,
      "--benchmark", dataset, "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const selected: string[][] = [];
    for (const round of [1, 2, 3]) {
      const scores = query(run, "SELECT example_id, score, selected_rank FROM loop_scores WHERE round = ? ORDER BY position", round);
      expect(scores).toHaveLength(40);
      const chosen = scores.filter((row) => row.selected_rank !== null).sort((a, b) => a.selected_rank - b.selected_rank);
      // The selected seeds are the five highest scores, best first.
      const top = [...scores].sort((a, b) => b.score - a.score).slice(0, 5);
      expect(chosen.map((row) => row.example_id)).toEqual(top.map((row) => row.example_id));
      // The teacher built this round's examples from exactly those seeds.
      expect(ofRound(run, round).map((record) => record.seed_ids[0])).toEqual(chosen.map((row) => row.example_id));
      selected.push(chosen.map((row) => row.example_id));
    }
    // Seeds the student was trained on are no longer its weakest: every round picks new ones.
    expect(new Set(selected.flat()).size).toBe(15);
    const own = query(run, "SELECT item_id, own_loss FROM evaluation_items WHERE evaluation = 'loop-r2-score'");
    for (const id of selected[0]) expect(own.find((row) => row.item_id === id).own_loss).toBeCloseTo(0.05, 6);
    expect(summary.rounds.map((round: any) => round.benchmark.correct)).toEqual([5, 10, 15]);
    // Three fine-tuning jobs, one per round, each on its own uploaded file; the ids are in the run.
    expect(fineTuning.jobs.size).toBe(3);
    const jobs = query(run, "SELECT round, file_id, job_id, status FROM loop_training ORDER BY round");
    expect(jobs.map((job) => job.status)).toEqual(["done", "done", "done"]);
    expect(new Set(jobs.map((job) => job.job_id)).size).toBe(3);
    expect(JSON.parse(query(run, "SELECT student FROM loop_rounds WHERE round = 2")[0].student).spec).toBe(`openai:ft-${jobs[0].job_id}@${fineTuning.baseUrl}`);
    expect(readFileSync(join(run, "loop.html"), "utf8")).toContain('id="score-chart"');

    // Run again: everything is done, nothing is sent to the teacher or trained again.
    const before = server.requests.length;
    const again = await runCli([
      "loop", dataset, "--run", run, "--strategy", "active", "--rounds", "3", "--per-round", "5", "--teacher", teacher,
      "--student", `openai:student-base@${fineTuning.baseUrl}`, "--trainer", `openai-ft:student-base@${fineTuning.baseUrl}?poll=0.01`,
      "--benchmark", dataset, "--quiet",
    ]);
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(fineTuning.jobs.size).toBe(3);
  }, 120_000);

  it("embed: each round takes the next sparse-cell seed pairs, and compare lays loop runs side by side", async () => {
    const run = join(dir, "embed");
    // The lexical map of 40 rows has no sparse cell; 120 rows have some.
    const larger = await gsm8kSlice(dir, "seeds-120.jsonl", 0, 120);
    const result = await runCli([
      "loop", larger, "--run", run, "--strategy", "embed", "--rounds", "3", "--per-round", "3", "--teacher", teacher,
      "--student", `openai:student-base@${server.baseUrl}`, "--trainer", recordingTrainer(), "--benchmark", dataset, "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const all = records(run);
    expect(all).toHaveLength(9);
    for (const record of all) {
      expect(record.source).toBe("embed");
      expect(record.seed_ids).toHaveLength(2);
      expect(record.cell).not.toBeNull();
    }
    expect(JSON.parse(result.stdout).rounds.map((round: any) => round.trainExamples)).toEqual([3, 6, 9]);

    const compared = await runCli(["compare", run, join(dir, "active"), "--json"]);
    expect(compared.code).toBe(0);
    const comparison = JSON.parse(compared.stdout);
    expect(comparison.runs.map((r: any) => [r.strategy, r.evaluation])).toEqual([["loop-embed", "loop-r3-benchmark"], ["loop-active", "loop-r3-benchmark"]]);
    expect(comparison.runs[1].correct).toBe(15);
    expect(comparison.pairs[0].sharedItems).toBe(40);
  }, 120_000);

  it("--budget-tokens caps the teacher over the whole loop: the round that reaches it is trained and evaluated, then the loop stops", async () => {
    const run = join(dir, "budget");
    const args = [
      "loop", dataset, "--run", run, "--strategy", "random", "--rounds", "3", "--per-round", "6", "--teacher", teacher, "--concurrency", "1",
      "--student", `openai:student-base@${server.baseUrl}`, "--trainer", recordingTrainer(), "--benchmark", validation, "--budget-tokens", "600", "--json", "--quiet",
    ];
    const result = await runCli(args);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.stopped).toBe("budget-tokens");
    expect(summary.rounds).toHaveLength(1);
    const [round] = summary.rounds;
    expect(round.stopped).toBe("budget-tokens");
    expect(round.generated).toBeGreaterThan(0);
    expect(round.generated).toBeLessThan(6);
    // One request at a time: the budget was crossed by the last request only.
    const perRequest = round.teacherTokens / round.attempts;
    expect(round.teacherTokens).toBeGreaterThanOrEqual(600);
    expect(round.teacherTokens - perRequest * 1.5).toBeLessThan(600);
    expect(round.phase).toBe("done");
    expect(round.benchmark.items).toBe(6);
  }, 60_000);

  it("--score disagreement samples K answers per seed and ranks seeds by their entropy", async () => {
    const run = join(dir, "disagreement");
    const result = await runCli([
      "loop", dataset, "--run", run, "--strategy", "active", "--score", "disagreement", "--samples", "3", "--rounds", "1", "--per-round", "2", "--teacher", teacher,
      "--student", `openai:student-base@${server.baseUrl}`, "--trainer", recordingTrainer(), "--json", "--quiet",
    ]);
    expect(result.code).toBe(0);
    const items = query(run, "SELECT sample_answers, sample_entropy, own_loss FROM evaluation_items WHERE evaluation = 'loop-r1-score'");
    expect(items).toHaveLength(40);
    for (const item of items) {
      expect(JSON.parse(item.sample_answers)).toHaveLength(3);
      expect(item.own_loss).toBeNull();
    }
    const scores = query(run, "SELECT score FROM loop_scores WHERE round = 1 ORDER BY position").map((row) => row.score);
    expect(scores).toEqual(items.map((item) => item.sample_entropy));
  }, 60_000);

  it("killed while round 2's fine-tuning job runs: the rerun polls that same job instead of paying for a new one", async () => {
    const slowJobs = await FineTuningTestServer.start({
      upstream: server,
      pollsToFinish: 40,
      modelName: (job, text) => {
        writeFileSync(join(registry, `slow-${job.id}.jsonl`), text);
        return `slow-${job.id}`;
      },
    });
    const run = join(dir, "ft-killed");
    const argv = [
      "loop", dataset, "--run", run, "--strategy", "random", "--rounds", "3", "--per-round", "3", "--teacher", teacher,
      "--student", `openai:student-base@${slowJobs.baseUrl}`, "--trainer", `openai-ft:student-base@${slowJobs.baseUrl}?poll=0.02`, "--benchmark", validation, "--quiet",
    ];
    try {
      const child = spawnViteNode("test/cli/generate-child.fixture.ts", ["--", ...argv], { cwd: process.cwd(), stdio: "ignore" });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
      const polls = () => slowJobs.requests.filter((request) => request === "GET /v1/fine_tuning/jobs/ftjob-2").length;
      while (polls() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      expect(query(run, "SELECT round, status, job_id FROM loop_training ORDER BY round")).toEqual([
        { round: 1, status: "done", job_id: "ftjob-1" },
        { round: 2, status: "running", job_id: "ftjob-2" },
      ]);
      slowJobs.requests.length = 0;
      const result = await runCli([...argv, "--json"]);
      expect(result.code).toBe(0);
      // Round 2's job was polled again, not re-created; round 3 got one upload and one job.
      expect(slowJobs.requests.filter((request) => request.startsWith("POST"))).toEqual(["POST /v1/files", "POST /v1/fine_tuning/jobs"]);
      expect(slowJobs.jobs.size).toBe(3);
      expect(JSON.parse(result.stdout).rounds.map((round: any) => round.trainedStudent)).toEqual([1, 2, 3].map((n) => `openai:slow-ftjob-${n}@${slowJobs.baseUrl}`));
    } finally {
      await slowJobs.close();
    }
  }, 120_000);

  it("killed with SIGKILL during round 2 and run again: all rounds complete with the same final data, nothing paid twice", async () => {
    const { requestCacheKey } = await import("../../src/engines/request-cache.js");
    const run = join(dir, "s3-killed");
    const slow = await OpenAITestServer.start({ latencyMs: 25 });
    slow.handle("chat", loopTeacher());
    slow.handle("completions", trainedStudent(registry, await referenceAnswers(dataset, validation)));
    const argv = s3Args(run).map((arg) => arg.replaceAll(server.baseUrl, slow.baseUrl));
    const extrapolations = () => slow.requests.filter((request) => JSON.stringify(request.body).includes("The model got this problem wrong")).length;
    try {
      const child = spawnViteNode("test/cli/generate-child.fixture.ts", ["--", ...argv], { cwd: process.cwd(), stdio: "ignore" });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
      while (extrapolations() < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const phase = query(run, "SELECT round, phase FROM loop_rounds ORDER BY round");
      expect(phase).toEqual([{ round: 1, phase: "done" }, { round: 2, phase: "generate" }]);
      // The page was rewritten when round 1 finished: killed in round 2, the run still shows round 1.
      expect(readFileSync(join(run, "loop.html"), "utf8")).toContain('data-round="1"');
      const answered = new Set(query(run, "SELECT key FROM request_cache WHERE status = 'done'").map((row) => row.key));
      const before = slow.requests.length;

      const result = await runCli(argv);
      expect(result.code).toBe(0);
      const keyOf = (request: (typeof slow.requests)[number]) =>
        requestCacheKey({ engine: "openai", model: String(request.body.model), endpoint: request.route === "chat" ? "/v1/chat/completions" : "/v1/completions", body: request.body });
      for (const request of slow.requests.slice(before)) expect(answered.has(keyOf(request))).toBe(false);

      // Same data as the uninterrupted run of the same command (the s3 test above).
      const essence = (records: any[]) => records.map(({ id, question, answer, round, source, seed_ids, error_item }) => ({ id, question, answer, round, source, seed_ids, error_item })).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(essence(records(run))).toEqual(essence(records(join(dir, "s3"))));
      for (const round of [1, 2, 3]) {
        expect(readFileSync(join(run, `round-${round}/train.chat.jsonl`), "utf8")).toBe(readFileSync(join(dir, "s3", `round-${round}/train.chat.jsonl`), "utf8"));
      }
      expect(new Set(records(run).map((record) => record.id)).size).toBe(12);
      expect(query(run, "SELECT COUNT(*) AS n FROM loop_training")[0].n).toBe(3);
    } finally {
      await slow.close();
    }
  }, 180_000);
});
