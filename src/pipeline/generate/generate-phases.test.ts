import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer, Reply } from "../../../test/support/openai-test-server.js";
import { fakeTeacher } from "../../../test/cli/fake-teacher.js";
import type { Engine } from "../../core/engine.js";
import { GapfillError, OptionError } from "../../core/errors.js";
import { createEngine } from "../../engines/create-engine.js";
import { RequestCache } from "../../engines/request-cache.js";
import { randomStrategy } from "../../strategies/random/index.js";
import { registerStrategy } from "../../strategies/registry.js";
import { defineStrategy } from "../../strategies/strategy.js";
import { seedExampleTask } from "../../strategies/task/seed-example-task.js";
import { openRun, type Run } from "../../store/index.js";
import { generateExamples, prepareGenerate } from "./generate-examples.js";
import { GenerateStore } from "./generate-store.js";
import { duplicateIndex, loadStrategyTemplates } from "./generation-setup.js";
import { type GenerationJob, runGeneration } from "./run-generation.js";
import { FAILURE_RATE_MIN_ITEMS } from "../failure-budget.js";

const examples = Array.from({ length: 30 }, (_, i) => ({
  id: `s${i}`,
  question: `Sam has ${i + 3} red pencils and buys ${i + 2} blue ones. How many pencils does Sam have now?`,
  answer: `${i + 3} + ${i + 2} = ${2 * i + 5}\n#### ${2 * i + 5}`,
}));

function writeDataset(dir: string): string {
  const path = join(dir, "train.jsonl");
  writeFileSync(path, examples.map((example) => JSON.stringify({ question: example.question, answer: example.answer })).join("\n") + "\n");
  return path;
}

describe("the generation phases, without the CLI", () => {
  let server: OpenAITestServer;
  let dir: string;
  beforeAll(async () => {
    server = await OpenAITestServer.start();
    server.handle("chat", fakeTeacher());
    dir = mkdtempSync(join(tmpdir(), "gapfill-generate-phases-"));
  });
  afterAll(async () => {
    await server?.close();
  });

  async function withRun<T>(name: string, work: (run: Run, teacher: Engine) => Promise<T>): Promise<T> {
    const run = await openRun(join(dir, name), { command: "test", onNotice: () => undefined });
    const teacher = await createEngine(`openai:teacher@${server.baseUrl}`, { cache: new RequestCache(run.db) });
    try {
      return await work(run, teacher);
    } finally {
      await teacher.close();
      run.close();
    }
  }

  function randomJob(run: Run, teacher: Engine, count: number): GenerationJob {
    const store = new GenerateStore(run.db);
    const base = (attempt: number) => ({ strategy: "random", attempt, seeds: [examples[attempt % examples.length]], variation: 0 });
    return {
      strategy: randomStrategy,
      key: "random",
      store,
      syntheticPath: run.path("synthetic.jsonl"),
      duplicates: duplicateIndex(examples, [], 0.8),
      teacher,
      recordId: (attempt) => `t-${attempt}`,
      plan: { targetOf: base },
      settings: {
        teacher,
        task: seedExampleTask,
        taskContext: { templates: loadStrategyTemplates([randomStrategy], undefined), style: "gsm8k", jsonSchema: true },
        temperature: 0.8,
        maxTokens: 256,
        seed: 0,
      },
      count,
      maxAttempts: 100,
      concurrency: 3,
      onEvent: () => undefined,
    };
  }

  it("runGeneration reaches exactly the count, keeps every rejection with its raw text, and a rerun pays nothing twice", async () => {
    await withRun("runner", async (run, teacher) => {
      const job = randomJob(run, teacher, 6);
      const result = await runGeneration(job);
      expect(result).toMatchObject({ accepted: 6, stopped: "count" });
      const lines = readFileSync(job.syntheticPath, "utf8").trim().split("\n").map((line) => JSON.parse(line));
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatchObject({ strategy: "random", source: "random", prompt_template: "one-seed", region: null, seed_ids: [expect.stringMatching(/^s\d+$/)] });
      const rejected = run.db.prepare("SELECT reason, raw FROM generate_attempts WHERE status = 'rejected'").all() as Array<{ reason: string; raw: string | null }>;
      // The fake teacher's every 5th seed is prose: an unparseable rejection with the prose kept.
      expect(rejected.some((row) => row.reason === "unparseable" && row.raw?.includes("rather not"))).toBe(true);
      const sent = server.requests.length;
      const again = await runGeneration({ ...randomJob(run, teacher, 6) });
      expect(again).toMatchObject({ accepted: 6, attempts: result.attempts });
      expect(server.requests.length).toBe(sent);
    });
  });

  it("with many attempts open in the tail, writes exactly the count; spare usable answers are not decided, and a run asking for more takes them from the cache", async () => {
    await withRun("tail", async (run, teacher) => {
      const notices: string[] = [];
      const sentBefore = server.requests.length;
      const first = await runGeneration({ ...randomJob(run, teacher, 20), concurrency: 24, onEvent: (event) => void (event.type === "notice" && notices.push(event.message)) });
      expect(first).toMatchObject({ accepted: 20, stopped: "count" });
      const lines = () => readFileSync(run.path("synthetic.jsonl"), "utf8").trim().split("\n");
      expect(lines()).toHaveLength(20);
      const decided = new GenerateStore(run.db).decidedAttempts("random");
      const sentFirst = server.requests.length - sentBefore;
      // Every request sent is either a decided attempt or a spare one the notice counts.
      const spare = Number(/(\d+) usable answers? came back after the count/.exec(notices.join("\n"))?.[1] ?? 0);
      expect(decided.size + spare).toBe(sentFirst);
      const more = await runGeneration({ ...randomJob(run, teacher, 30), concurrency: 24 });
      expect(more.accepted).toBe(30);
      expect(lines()).toHaveLength(30);
      expect(new Set(lines().map((line) => JSON.parse(line).id)).size).toBe(30);
      // The spare answers were not asked again: every prompt reached the server once.
      const prompts = server.requests.slice(sentBefore).map((request) => JSON.stringify(request.body));
      expect(new Set(prompts).size).toBe(prompts.length);
    });
  });

  it("stops past the failure rate when the teacher refuses everything, keeps the refusals, and a rerun starts past them", async () => {
    const refusing = await OpenAITestServer.start();
    refusing.handle("chat", () => new Reply(400, { error: { message: "content filtered" } }));
    try {
      const run = await openRun(join(dir, "refusals"), { command: "test", onNotice: () => undefined });
      const teacher = await createEngine(`openai:teacher@${refusing.baseUrl}`, { cache: new RequestCache(run.db) });
      try {
        const job = randomJob(run, teacher, 3);
        const failure = await runGeneration({ ...job, concurrency: 1 }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(GapfillError);
        expect((failure as GapfillError).code).toBe("failure-rate");
        expect((failure as GapfillError).message).toContain("content filtered");
        expect(job.store.totals("random")).toMatchObject({ attempts: FAILURE_RATE_MIN_ITEMS, accepted: 0 });
        refusing.handle("chat", fakeTeacher());
        const resumed = await runGeneration({ ...randomJob(run, teacher, 3), concurrency: 1 });
        expect(resumed.accepted).toBe(3);
        const attempts = run.db.prepare("SELECT attempt FROM generate_attempts WHERE status = 'accepted'").pluck().all() as number[];
        expect(Math.min(...attempts)).toBeGreaterThanOrEqual(FAILURE_RATE_MIN_ITEMS);
      } finally {
        await teacher.close();
        run.close();
      }
    } finally {
      await refusing.close();
    }
  });

  it("a prompt the teacher's context cannot hold is a recorded prompt-too-long rejection, not a stop", async () => {
    const small = await OpenAITestServer.start();
    let calls = 0;
    // Like llama-server with a small context: every other prompt is too long for it.
    small.handle("chat", (request) => (++calls % 2 === 0 ? new Reply(400, { error: { message: "the request exceeds the available context size, try increasing it" } }) : fakeTeacher()(request)));
    try {
      const run = await openRun(join(dir, "too-long"), { command: "test", onNotice: () => undefined });
      const teacher = await createEngine(`openai:teacher@${small.baseUrl}`, { cache: new RequestCache(run.db) });
      try {
        const job = randomJob(run, teacher, 2);
        await runGeneration({ ...job, concurrency: 1, maxFailureRate: 0.9 });
        expect(job.store.rejectionCounts("random")["prompt-too-long"]).toBeGreaterThan(0);
        expect(job.store.rejectionCounts("random")["teacher-error"]).toBeUndefined();
      } finally {
        await teacher.close();
        run.close();
      }
    } finally {
      await small.close();
    }
  });

  it("an attempt whose request keeps failing is recorded, the job goes on, and a rerun sends it again", async () => {
    const flaky = await OpenAITestServer.start();
    const teacherReply = fakeTeacher();
    let calls = 0;
    // The second request fails every time in the first run; the job must still reach its count.
    flaky.handle("chat", (request) => (++calls === 2 || calls === 3 ? new Reply(500, { error: { message: "boom" } }) : teacherReply(request)));
    try {
      const run = await openRun(join(dir, "failing"), { command: "test", onNotice: () => undefined });
      const teacher = await createEngine(`openai:teacher@${flaky.baseUrl}`, { cache: new RequestCache(run.db), http: { maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } } });
      try {
        const warnings: string[] = [];
        const job = randomJob(run, teacher, 4);
        const result = await runGeneration({ ...job, concurrency: 1, onEvent: (event) => event.type === "warning" && warnings.push(event.message) });
        expect(result).toMatchObject({ accepted: 4, failed: 1, stopped: "count" });
        expect(job.store.failures.list("generate", "random")).toMatchObject([{ item: 1, reason: "server-error" }]);
        expect(warnings[0]).toMatch(/^attempt 1 failed \(server-error\); a rerun sends it again/);
        expect(job.store.decidedAttempts("random").has(1)).toBe(false);
        // A rerun with a larger count sends attempt 1 first, and its success clears the failure.
        const again = await runGeneration({ ...randomJob(run, teacher, 5), concurrency: 1 });
        expect(again).toMatchObject({ accepted: 5, failed: 0 });
        expect(job.store.decidedAttempts("random").has(1)).toBe(true);
        expect(job.store.failures.list("generate", "random")).toEqual([]);
      } finally {
        await teacher.close();
        run.close();
      }
    } finally {
      await flaky.close();
    }
  });

  it("prepareGenerate names the library option at fault and refuses loop-only strategies", async () => {
    const dataset = writeDataset(dir);
    await withRun("prepare", async (run, teacher) => {
      const bad = await prepareGenerate(dataset, run, { strategy: "random", budget: 0, teacher, onEvent: () => undefined }).catch((error: unknown) => error);
      expect(bad).toBeInstanceOf(OptionError);
      expect(bad).toMatchObject({ option: "budget" });
      const loopOnly = await prepareGenerate(dataset, run, { strategy: "s3", budget: 2, teacher, onEvent: () => undefined }).catch((error: unknown) => error);
      expect(loopOnly).toMatchObject({ option: "strategy" });
    });
  });

  it("runs a strategy defined outside gapfill through the same pipeline (library use)", async () => {
    const dataset = writeDataset(dir);
    const shortest = defineStrategy({
      name: "shortest-first",
      summary: "the shortest questions first",
      modes: ["generate"],
      needs: [],
      options: [],
      task: seedExampleTask,
      async plan(context) {
        const order = [...context.examples].sort((a, b) => a.question.length - b.question.length || a.id.localeCompare(b.id));
        return { targetOf: (attempt) => ({ strategy: "shortest-first", attempt, seeds: [order[attempt % order.length]], variation: Math.floor(attempt / order.length) }) };
      },
      provenance: (target) => ({ shortest_rank: target.attempt }),
      report: { color: "#343a40", label: "shortest first", mapTargets: false },
    });
    const unregister = registerStrategy(shortest);
    try {
      await withRun("custom", async (run, teacher) => {
        const result = await generateExamples(dataset, run, { strategy: "shortest-first", budget: 4, teacher, decontaminate: false });
        expect(result).toMatchObject({ strategy: "shortest-first", accepted: 4, stopped: "budget" });
        const records = readFileSync(run.path("synthetic.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
        expect(records.every((record) => record.strategy === "shortest-first" && typeof record.shortest_rank === "number")).toBe(true);
        expect(JSON.parse(readFileSync(run.path("generate-shortest-first.json"), "utf8")).version).toBe(1);
      });
    } finally {
      unregister();
    }
  });
});
