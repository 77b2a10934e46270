/**
 * The real trained GGUF (stories260K: SentencePiece tokenizer, trained on 512-token stories) as
 * the student of every llama stage through the CLI: map (with questions longer than a small
 * context, truncated and counted), eval with loss signals, and the loop loading each round's
 * LoRA adapter. threads=1 as its README asks; contexts ≤ 512.
 */
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { sharedDataPath } from "../support/shared-data.js";
import { viteNodeCommandLine } from "../support/vite-node.js";
import { runCli } from "../helpers/run-cli.js";
import { gsm8kSlice, loopTeacher } from "./loop-world.js";

const TINY_LORA_TRAINER = `command:${viteNodeCommandLine("test/fixtures/tiny-lora-trainer.ts", "-- {train_file} {base_model} {output_dir}")}`;

let dir: string;
let student: string;
let server: OpenAITestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-stories-"));
  student = `llama:${sharedDataPath("stories260K")}`;
  server = await OpenAITestServer.start();
  server.handle("chat", loopTeacher());
});
afterAll(async () => {
  await server?.close();
});

describe("stories260K as the student, through the CLI", () => {
  it("map: GSM8K questions longer than a 64-token context are truncated and counted, not fatal", async () => {
    const data = await gsm8kSlice(dir, "map.jsonl", 0, 40);
    const result = await runCli(["map", data, "--student", `${student}?context=64&threads=1`, "--run", join(dir, "map"), "--json"]);
    expect(result.code).toBe(0);
    const warned = /\b(\d+) of 40 texts were longer than llama:\S+'s context and were embedded from their first tokens/.exec(result.stderr);
    expect(warned).not.toBeNull();
    // The count is kept in the map, its summary and its page, not only said once.
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 40, embedder: { kind: "student", truncated: Number(warned![1]) } });
    expect(readFileSync(join(dir, "map", "map.html"), "utf8")).toContain(`${warned![1]} of 40 texts were longer than the student's context`);
  });

  it("eval: answers are judged and loss signals scored", async () => {
    const benchmark = await gsm8kSlice(dir, "benchmark.jsonl", 200, 3);
    const result = await runCli(["eval", "--student", `${student}?context=512&threads=1`, "--benchmark", benchmark, "--max-tokens", "16", "--run", join(dir, "eval"), "--json", "--quiet"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 3, lossSignals: "scored" });
  });

  it("loop: each round's LoRA adapter is loaded as the next round's student", async () => {
    const seeds = await gsm8kSlice(dir, "seeds.jsonl", 0, 8);
    const result = await runCli([
      "loop", seeds, "--run", join(dir, "loop"), "--strategy", "active", "--rounds", "2", "--per-round", "2", "--teacher", `openai:teacher@${server.baseUrl}`,
      "--student", `${student}?context=512&threads=1`, "--trainer", TINY_LORA_TRAINER, "--student-max-tokens", "8", "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).rounds.map((round: { phase: string }) => round.phase)).toEqual(["done", "done"]);
  }, 180_000);
});
