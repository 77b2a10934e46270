/**
 * The OpenAI engine and the CLI against llama.cpp's own llama-server (built from the source
 * node-llama-cpp ships, scripts/build-llama-server.sh), serving the real trained stories260K
 * GGUF. What the fault-injecting test server cannot show: llama.cpp's real shapes (logprobs.content,
 * ignored echo), its 501 for routes it was not started with, its JSON-schema grammar.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.js";
import { EngineCallError, GapfillError } from "../../src/core/errors.js";
import { createEngine } from "../../src/engines/create-engine.js";
import { createLlamaEngine } from "../../src/engines/llama/llama-engine.js";
import { EXAMPLE_JSON_SCHEMA } from "../../src/strategies/task/teacher-task.js";
import { runCli } from "../helpers/run-cli.js";
import { type RunningLlamaServer, startLlamaServer } from "../support/llama-server.js";
import { sharedDataPath } from "../support/shared-data.js";

let model: string;
let dir: string;
let generation: RunningLlamaServer;
let embeddings: RunningLlamaServer;

beforeAll(async () => {
  model = sharedDataPath("stories260K");
  dir = await mkdtemp(join(tmpdir(), "gapfill-llama-server-"));
  generation = await startLlamaServer({ model });
  // -b/-ub at the context: llama-server's embeddings default to 512-token batches, longer inputs are a 500.
  embeddings = await startLlamaServer({ model, embeddings: true, args: ["-b", "512", "-ub", "512"] });
}, 120_000);

afterAll(async () => {
  await generation?.close();
  await embeddings?.close();
});

const open = (server: RunningLlamaServer, query = "") => createEngine(`openai:stories@${server.baseUrl}${query}`, { env: {}, http: { timeoutMs: 60_000 } });

describe("the OpenAI engine against llama-server", () => {
  it("identifies llama.cpp and its context from the server's own routes", async () => {
    const engine = (await open(generation)) as Engine & { identify(): Promise<{ kind: string; contextSize?: number; trainingContext?: number }> };
    expect(await engine.identify()).toMatchObject({ kind: "llama.cpp", contextSize: 512, trainingContext: 2048 });
  });

  it("chats and completes with coherent text", async () => {
    const engine = await open(generation);
    const completion = await engine.complete("Once upon a time, there was a little", { maxTokens: 12, logprobs: true });
    expect(completion.text).toMatch(/[a-z]+ [a-z]+/);
    expect(completion.tokenLogprobs?.length).toBe(completion.usage.completionTokens);
    const chat = await engine.chat([{ role: "user", content: "Tell me a story." }], { maxTokens: 12 });
    expect(chat.usage.completionTokens).toBeGreaterThan(0);
  });

  it("scores by forced decoding, agreeing with the embedded llama engine on the same model", async () => {
    const engine = await open(generation);
    const prompt = "Once upon a time, there was a little";
    const served = await engine.score(prompt, " girl named Lily.");
    const local = await createLlamaEngine(model, { threads: 1, contextSize: 512 });
    try {
      const embedded = await local.score(prompt, " girl named Lily.");
      // Same tokens (" g", "ir", "l", " named", " Lily", "."), same model: the same log-probs, up
      // to float noise between two builds of llama.cpp.
      expect(served.tokenLogprobs.length).toBe(embedded.tokenLogprobs.length);
      served.tokenLogprobs.forEach((value, i) => expect(value).toBeCloseTo(embedded.tokenLogprobs[i], 2));
    } finally {
      await local.close();
    }
    const unlikely = await engine.score(prompt, " theorem of groups.");
    expect(served.meanLoss).toBeLessThan(unlikely.meanLoss);
  });

  it("a JSON-schema chat either returns JSON or fails as a coded error, never garbage accepted as text", async () => {
    const engine = await open(generation, "?max_attempts=2");
    const outcome = await engine
      .chat([{ role: "user", content: "Write a word problem." }], { maxTokens: 80, jsonSchema: EXAMPLE_JSON_SCHEMA, seed: 1 })
      .then((reply) => ({ text: reply.text }), (error: unknown) => ({ error }));
    if ("error" in outcome) expect(outcome.error).toBeInstanceOf(GapfillError);
    else expect(outcome.text.trimStart().startsWith("{")).toBe(true);
  });

  it("embeds on a server started with --embeddings; a server without it answers 501, reported as not offered", async () => {
    const engine = await open(embeddings);
    const matrix = await engine.embed(["Lily went to the park.", "Tom has 3 apples."]);
    expect(matrix).toMatchObject({ rows: 2, cols: 64 });
    const plain = await open(generation, "?max_attempts=1");
    const error = await plain.embed(["x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as EngineCallError).statusCode).toBe(501);
  });
});

describe("long inputs on llama-server", () => {
  it("an embedding input longer than the server's batch is embedded from its first tokens, and counted", async () => {
    const story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
    const long = Array.from({ length: 30 }, () => story).join(" ");
    const engine = await open(embeddings);
    const matrix = (await engine.embed(["Lily went to the park.", long, `${long} The end.`])) as Awaited<ReturnType<Engine["embed"]>> & { truncated: number };
    expect(matrix).toMatchObject({ rows: 3, cols: 64, truncated: 2 });
    expect(Array.from(matrix.data.subarray(64, 128))).toEqual(Array.from(matrix.data.subarray(128, 192)));
  });
});

describe("the CLI against llama-server, default flags", () => {
  it("engines check exits 0 and names what llama.cpp does not offer", async () => {
    for (const server of [generation, embeddings]) {
      const result = await runCli(["engines", "check", `openai:stories@${server.baseUrl}`, "--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.server.kind).toBe("llama.cpp");
      const status = Object.fromEntries(report.checks.map((check: { capability: string; status: string }) => [check.capability, check.status]));
      expect(status).toMatchObject({ chat: "ok", complete: "ok", score: "ok", lora: "not-offered", "decode-embeddings": "not-offered" });
      expect(status.embed).toBe(server === embeddings ? "ok" : "not-offered");
    }
  }, 60_000);

  it("map --student embeds full GSM8K questions", async () => {
    const data = join(dir, "gsm8k-60.jsonl");
    await writeFile(data, (await readFile(sharedDataPath("gsm8k-train"), "utf8")).trim().split("\n").slice(0, 60).join("\n") + "\n");
    const result = await runCli(["map", data, "--student", `openai:stories@${embeddings.baseUrl}`, "--run", join(dir, "map"), "--json", "--quiet"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 60, embedder: { kind: "student" } });
  }, 120_000);

  it("eval completes with loss signals", async () => {
    const result = await runCli([
      "eval", "--student", `openai:stories@${generation.baseUrl}`, "--benchmark", sharedDataPath("gsm8k-test"),
      "--limit", "4", "--max-tokens", "24", "--run", join(dir, "eval"), "--json", "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 4, lossSignals: "scored" });
  }, 180_000);

  it("generate with a JSON-schema teacher stops with its reasons and accepts no garbage", async () => {
    const data = join(dir, "word-problems-40.jsonl");
    const examples = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;
    await writeFile(data, (await readFile(examples, "utf8")).trim().split("\n").slice(0, 40).join("\n") + "\n");
    const run = join(dir, "generate");
    const result = await runCli([
      "generate", data, "--strategy", "random", "--teacher", `openai:stories@${generation.baseUrl}`,
      "--budget", "2", "--max-attempts", "12", "--max-tokens", "120", "--run", run, "--quiet",
    ]);
    expect(result.stderr).not.toMatch(/unexpected error|^\s+at /m);
    // A story model writes no word problems: the run ends short, saying why, with a sample reply.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/accepted \d of 2/);
    expect(result.stderr).toMatch(/unparseable: \d+/);
    const synthetic = await readFile(join(run, "synthetic.jsonl"), "utf8").catch(() => "");
    expect(synthetic).not.toMatch(/\uFFFD|[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  }, 180_000);
});
