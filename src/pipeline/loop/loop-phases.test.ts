import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gsm8kSlice, loopTeacher, referenceAnswers, trainedStudent } from "../../../test/cli/loop-world.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import type { Engine } from "../../core/engine.js";
import { OptionError } from "../../core/errors.js";
import { createEngine } from "../../engines/create-engine.js";
import { RequestCache } from "../../engines/request-cache.js";
import { openRun, type Run } from "../../store/index.js";
import type { Trainer } from "../train/trainer.js";
import type { LoopOptions } from "./loop-options.js";
import { beginRound, readScores } from "./loop-store.js";
import { evaluateRound, generateRound, prepareLoop, trainRound } from "./run-loop.js";

/** A trainer that trains nothing: the next student is the base student under another name, and the call is counted. */
function countingTrainer(): Trainer & { calls: number } {
  const trainer = {
    spec: "test:counting",
    calls: 0,
    async train() {
      trainer.calls++;
      return { spec: `openai:student-base@${"http://127.0.0.1"}` };
    },
  };
  return trainer as unknown as Trainer & { calls: number };
}

describe("the loop's phases, without the CLI", () => {
  let dir: string;
  let dataset: string;
  let validation: string;
  let server: OpenAITestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gapfill-loop-phases-"));
    dataset = await gsm8kSlice(dir, "seeds.jsonl", 0, 12);
    validation = await gsm8kSlice(dir, "validation.jsonl", 100, 4);
    const registry = join(dir, "registry");
    mkdirSync(registry);
    server = await OpenAITestServer.start();
    server.handle("chat", loopTeacher());
    server.handle("completions", trainedStudent(registry, await referenceAnswers(dataset, validation)));
  });
  afterAll(async () => {
    await server?.close();
  });

  async function withLoop<T>(name: string, options: Partial<LoopOptions>, work: (run: Run, base: LoopOptions) => Promise<T>): Promise<T> {
    const run = await openRun(join(dir, name), { command: "test", onNotice: () => undefined });
    const cache = new RequestCache(run.db);
    const teacher: Engine = await createEngine(`openai:teacher@${server.baseUrl}`, { cache });
    const base: LoopOptions = {
      strategy: "random",
      rounds: 2,
      perRound: 3,
      teacher,
      student: `openai:student-base@${server.baseUrl}`,
      createStudent: (spec) => createEngine(spec, { cache }),
      trainer: countingTrainer(),
      decontaminate: false,
      ...options,
    };
    try {
      return await work(run, base);
    } finally {
      await teacher.close();
      run.close();
    }
  }

  it("prepareLoop names the library option at fault", async () => {
    await withLoop("options", {}, async (run, base) => {
      await expect(prepareLoop(dataset, run, { ...base, rounds: 0 })).rejects.toMatchObject({ option: "rounds" });
      await expect(prepareLoop(dataset, run, { ...base, perRound: 1.5 })).rejects.toMatchObject({ option: "perRound" });
      const s3 = await prepareLoop(dataset, run, { ...base, strategy: "s3" }).catch((error: unknown) => error);
      expect(s3).toBeInstanceOf(OptionError);
      expect(s3).toMatchObject({ option: "strategy", relatedOptions: ["validation"] });
      await expect(prepareLoop(dataset, run, { ...base, strategy: "active", strategyOptions: { score: "vibes" } })).rejects.toMatchObject({ option: "score" });
    });
  });

  it("a random round generates exactly perRound, continues the seed sequence next round, and trains once on both rounds", async () => {
    await withLoop("random", {}, async (run, options) => {
      const setup = await prepareLoop(dataset, run, options);
      const current = { spec: options.student };
      beginRound(run.db, 1, "random", current);
      const first = await generateRound(setup, 1, current);
      expect(first.phase).toBe("train");
      beginRound(run.db, 2, "random", current);
      await generateRound(setup, 2, current);
      const records = readFileSync(run.path("synthetic.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
      expect(records.map((record) => record.round)).toEqual([1, 1, 1, 2, 2, 2]);
      // Round 2 continues the seed permutation: no seed of round 1 is used again.
      const seedsOf = (round: number) => new Set(records.filter((record) => record.round === round).flatMap((record) => record.seed_ids));
      expect([...seedsOf(2)].some((id) => seedsOf(1).has(id))).toBe(false);
      const trained = await trainRound(setup, 2, current);
      expect(trained.phase).toBe("evaluate");
      expect(trained.trainExamples).toBe(6);
      expect((options.trainer as ReturnType<typeof countingTrainer>).calls).toBe(1);
    });
  });

  it("an active round scores every seed with the student once, keeps the scores, and a rerun reads them back", async () => {
    await withLoop("active", { strategy: "active" }, async (run, options) => {
      const setup = await prepareLoop(dataset, run, options);
      const current = { spec: options.student };
      beginRound(run.db, 1, "active", current);
      await generateRound(setup, 1, current);
      const scores = readScores(run.db, 1);
      expect(scores).toHaveLength(12);
      expect(scores.filter((score) => score.selectedRank !== null)).toHaveLength(3);
      const completions = server.requests.filter((request) => request.route === "completions").length;
      // Resumed at select: the stored evaluation answers, the student is not asked again.
      beginRound(run.db, 1, "active", current);
      run.db.prepare("UPDATE loop_rounds SET phase = 'select' WHERE round = 1").run();
      await generateRound(setup, 1, current);
      expect(server.requests.filter((request) => request.route === "completions").length).toBe(completions);
    });
  });

  it("an s3 round after an error-free validation round has nothing to extrapolate and asks the teacher nothing", async () => {
    await withLoop("s3", { strategy: "s3", validation }, async (run, options) => {
      const setup = await prepareLoop(dataset, run, options);
      const student = { spec: options.student };
      // No validation evaluation of round 1 is stored, so there are no errors to extrapolate.
      beginRound(run.db, 2, "s3", student);
      const chats = server.requests.filter((request) => request.route === "chat").length;
      const record = await generateRound(setup, 2, student);
      expect(record).toMatchObject({ phase: "train", stopped: "no-targets" });
      expect(server.requests.filter((request) => request.route === "chat").length).toBe(chats);
      await evaluateRound(setup, student, 2);
      expect(run.db.prepare("SELECT COUNT(*) FROM evaluation_items WHERE evaluation = 'loop-r2-validation'").pluck().get()).toBe(4);
    });
  });
});
