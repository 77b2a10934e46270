import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufHeader } from "../../src/engines/llama/gguf/gguf-reader.js";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";
import { viteNodeCommandLine } from "../support/vite-node.js";
import { runCli } from "../helpers/run-cli.js";
import { gsm8kSlice, loopTeacher, readJsonl } from "./loop-world.js";

function query<T = any>(run: string, sql: string, ...params: unknown[]): T[] {
  const db = new DatabaseConstructor(join(run, "gapfill.db"), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The test trainer writes a tiny GGUF LoRA adapter of the base model, seeded by the training data. */
const TINY_LORA_TRAINER = `command:${viteNodeCommandLine("test/fixtures/tiny-lora-trainer.ts", "-- {train_file} {base_model} {output_dir}")}`;

describe("gapfill loop with a tiny GGUF student and a LoRA-writing test trainer", () => {
  let dir: string;
  let dataset: string;
  let benchmark: string;
  let gguf: string;
  let server: OpenAITestServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-loop-llama-"));
    dataset = await gsm8kSlice(dir, "seeds.jsonl", 0, 10);
    benchmark = await gsm8kSlice(dir, "benchmark.jsonl", 200, 4);
    gguf = join(dir, "student.gguf");
    await writeTinyLlamaGguf(gguf, { seed: 5, context: 2048 });
    server = await OpenAITestServer.start();
    server.handle("chat", loopTeacher());
  });
  afterAll(async () => {
    await server?.close();
  });

  it("active (own-loss): each round's LoRA adapter is loaded by the real llama engine as the next round's student", async () => {
    const run = join(dir, "active");
    const result = await runCli([
      "loop", dataset, "--run", run, "--strategy", "active", "--rounds", "3", "--per-round", "3", "--teacher", `openai:teacher@${server.baseUrl}`,
      "--student", `llama:${gguf}`, "--trainer", TINY_LORA_TRAINER, "--benchmark", benchmark, "--student-max-tokens", "8", "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds.map((round: any) => round.phase)).toEqual(["done", "done", "done"]);
    const rounds = query(run, "SELECT round, student, trained_student FROM loop_rounds ORDER BY round").map((row) => ({ student: JSON.parse(row.student), trained: JSON.parse(row.trained_student) }));
    expect(rounds[0].student).toEqual({ spec: `llama:${gguf}` });
    for (const round of [1, 2, 3]) {
      const adapter = join(run, `round-${round}`, "trained", "adapter.gguf");
      expect(rounds[round - 1].trained).toEqual({ spec: `llama:${gguf}`, lora: adapter });
      expect((await readGgufHeader(adapter)).metadata.get("adapter.type")).toBe("lora");
      expect(readFileSync(join(run, `round-${round}`, "trainer.log"), "utf8")).toContain(`trained on ${3 * round} examples`);
      if (round < 3) expect(rounds[round].student).toEqual(rounds[round - 1].trained);
    }
    // Scored by three different students (base, base + adapter 1, base + adapter 2): the losses differ.
    const losses = [1, 2, 3].map((round) => query(run, "SELECT own_loss FROM evaluation_items WHERE evaluation = ? ORDER BY position", `loop-r${round}-score`).map((row) => row.own_loss as number | null));
    for (const round of losses) {
      expect(round).toHaveLength(10);
      // An empty answer (the tiny model may stop at once) has no loss; such seeds rank last.
      const present = round.filter((loss): loss is number => loss !== null);
      expect(present.length).toBeGreaterThanOrEqual(5);
      for (const loss of present) expect(loss).toBeGreaterThan(0);
    }
    expect(losses[1]).not.toEqual(losses[0]);
    expect(losses[2]).not.toEqual(losses[1]);
    // Each round's seeds are that round's three highest own-loss seeds.
    for (const round of [1, 2, 3]) {
      const ranked = losses[round - 1].map((loss, position) => ({ loss: loss ?? -Infinity, position })).sort((a, b) => b.loss - a.loss || a.position - b.position).slice(0, 3);
      const chosen = query(run, "SELECT position FROM loop_scores WHERE round = ? AND selected_rank IS NOT NULL ORDER BY selected_rank", round).map((row) => row.position);
      expect(chosen).toEqual(ranked.map((entry) => entry.position));
    }
    expect(summary.baseline.benchmark.items).toBe(4);
    expect(summary.rounds.every((round: any) => round.benchmark.items === 4)).toBe(true);
    const report = readFileSync(join(run, "loop.html"), "utf8");
    expect(report.match(/<circle [^>]*data-series="benchmark"/g)).toHaveLength(4);
    expect(report.match(/data-selected="1"/g)).toHaveLength(9);
  }, 240_000);

  it.each(["s3", "embed"] as const)("%s: three rounds with the tiny GGUF student, each trained student loaded as the next", async (strategy) => {
    const run = join(dir, strategy);
    const validation = await gsm8kSlice(dir, "validation-2.jsonl", 400, 2);
    // The lexical map needs more rows than 10 to have sparse cells.
    const seeds = strategy === "embed" ? await gsm8kSlice(dir, "seeds-120.jsonl", 0, 120) : dataset;
    const result = await runCli([
      "loop", seeds, "--run", run, "--strategy", strategy, "--rounds", "3", "--per-round", "2", "--teacher", `openai:teacher@${server.baseUrl}`,
      "--student", `llama:${gguf}`, "--trainer", TINY_LORA_TRAINER, "--validation", validation, "--student-max-tokens", "8", "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds.map((round: any) => [round.phase, round.generated, round.validation.items])).toEqual([["done", 2, 2], ["done", 2, 2], ["done", 2, 2]]);
    const students = query(run, "SELECT student FROM loop_rounds ORDER BY round").map((row) => JSON.parse(row.student).lora ?? null);
    expect(students).toEqual([null, join(run, "round-1", "trained", "adapter.gguf"), join(run, "round-2", "trained", "adapter.gguf")]);
    const sources = readJsonl(readFileSync(join(run, "synthetic.jsonl"), "utf8")).map((record) => `${record.source} r${record.round}`);
    expect(sources.sort()).toEqual(strategy === "s3" ? ["s3-error r2", "s3-error r2", "s3-error r3", "s3-error r3", "s3-seed r1", "s3-seed r1"] : ["embed r1", "embed r1", "embed r2", "embed r2", "embed r3", "embed r3"]);
  }, 240_000);

  it("random with a validation set: three rounds of random seeds, trained and evaluated", async () => {
    const run = join(dir, "random");
    const validation = await gsm8kSlice(dir, "validation.jsonl", 300, 3);
    const result = await runCli([
      "loop", dataset, "--run", run, "--strategy", "random", "--rounds", "3", "--per-round", "2", "--teacher", `openai:teacher@${server.baseUrl}`,
      "--student", `llama:${gguf}`, "--trainer", TINY_LORA_TRAINER, "--validation", validation, "--student-max-tokens", "8", "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds.map((round: any) => round.validation.items)).toEqual([3, 3, 3]);
    expect(summary.rounds[2].mix).toEqual({ "random r1": 2, "random r2": 2, "random r3": 2 });
    const records = readJsonl(readFileSync(join(run, "synthetic.jsonl"), "utf8"));
    expect(records.map((record) => record.source)).toEqual(Array(6).fill("random"));
    // Rounds continue the seeded permutation: six distinct seeds over three rounds.
    expect(new Set(records.map((record) => record.seed_ids[0])).size).toBe(6);
    expect(readFileSync(join(run, "loop.html"), "utf8")).toContain('data-series="validation"');
  }, 240_000);
});
