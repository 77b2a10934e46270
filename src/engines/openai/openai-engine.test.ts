import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CapabilityError, EngineCallError, GapfillError } from "../../core/errors.js";
import type { ProgressEvent } from "../../core/events.js";
import { migrate } from "../../store/migrations.js";
import { createEngine } from "../create-engine.js";
import { RequestCache } from "../request-cache.js";
import { OpenAITestServer, Reply } from "../../../test/support/openai-test-server.js";
import { OpenAIEngine } from "./openai-engine.js";

const KEY = "sk-engine-test-secret-0123456789";
const fastHttp = { backoff: { baseMs: 1, maxMs: 4 }, timeoutMs: 2000 };

let server: OpenAITestServer;
beforeEach(async () => {
  server = await OpenAITestServer.start({ dimensions: 4 });
});
afterEach(async () => {
  await server.close();
});

const engineFor = (query = "", cache?: RequestCache) =>
  createEngine(`openai:test-model@${server.baseUrl}${query}`, { env: { OPENAI_API_KEY: KEY }, http: fastHttp, cache });

describe("OpenAIEngine", () => {
  it("declares what the protocol allows and refuses input-embed with a CapabilityError", async () => {
    const engine = await engineFor();
    expect(engine.kind).toBe("openai");
    expect(engine.model).toBe("test-model");
    expect(engine.spec).toBe(`openai:test-model@${server.baseUrl}`);
    expect([...engine.capabilities].sort()).toEqual(["chat", "complete", "decode-embeddings", "embed", "lora", "score", "token-embed"]);
    const error = await engine.inputEmbed("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toContain("llama");
  });

  it("chat sends messages, greedy sampling, json_schema and logprobs, and reads the answer", async () => {
    const engine = await engineFor();
    const schema = { type: "object", properties: { question: { type: "string" }, answer: { type: "number" } }, required: ["question", "answer"] };
    const generation = await engine.chat([{ role: "system", content: "be brief" }, { role: "user", content: "write one" }], {
      jsonSchema: schema,
      logprobs: true,
      maxTokens: 50,
      seed: 7,
      stop: ["END"],
    });
    expect(JSON.parse(generation.text)).toEqual({ question: "text", answer: 1 });
    expect(generation.tokenLogprobs).toHaveLength(1);
    expect(generation.finishReason).toBe("stop");
    expect(generation.cached).toBe(false);
    const [request] = server.requests;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.body).toEqual({
      model: "test-model",
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "write one" }],
      temperature: 0,
      max_tokens: 50,
      seed: 7,
      stop: ["END"],
      response_format: { type: "json_schema", json_schema: { name: "output", schema, strict: true } },
      logprobs: true,
    });
  });

  it("complete sends a completions request with logprobs: 1 and reads per-token log-probs", async () => {
    const engine = await engineFor();
    const generation = await engine.complete("Once upon", { logprobs: true, maxTokens: 2 });
    expect(generation.text).toBe(" echo: Once");
    expect(generation.finishReason).toBe("length");
    expect(generation.tokenLogprobs).toHaveLength(2);
    expect(generation.usage).toEqual({ promptTokens: 2, completionTokens: 2 });
    expect(server.requests[0].body).toEqual({ model: "test-model", prompt: "Once upon", temperature: 0, max_tokens: 2, logprobs: 1 });
  });

  it("embed batches texts, keeps input order even when the server shuffles rows", async () => {
    const engine = await engineFor("?batch_size=2");
    server.handle("embeddings", (request) => {
      const input = request.body.input as string[];
      const data = input.map((text, index) => ({ index, embedding: [text.length, index, 0, 1] }));
      return { data: data.reverse(), usage: { prompt_tokens: input.length } };
    });
    const matrix = await engine.embed(["a", "bb", "ccc", "dddd", "eeeee"]);
    expect(matrix.rows).toBe(5);
    expect(matrix.cols).toBe(4);
    expect(Array.from(matrix.data.filter((_, i) => i % 4 === 0))).toEqual([1, 2, 3, 4, 5]);
    expect(server.requests.map((r) => r.body.input)).toEqual(expect.arrayContaining([["a", "bb"], ["ccc", "dddd"], ["eeeee"]]));
    expect(server.requests[0].body.encoding_format).toBe("float");
  });

  it("embed refuses an answer with missing rows instead of shifting them", async () => {
    const engine = await engineFor();
    server.handle("embeddings", () => ({ data: [{ index: 0, embedding: [1, 2] }] }));
    await expect(engine.embed(["a", "b"])).rejects.toThrow(/1 embeddings for 2 inputs/);
  });

  it("tokenEmbed posts task token_embed to the server root /pooling", async () => {
    const engine = await engineFor();
    const matrix = await engine.tokenEmbed("three token text");
    expect(matrix.rows).toBe(3);
    expect(matrix.cols).toBe(4);
    expect(server.requests[0].path).toBe("/pooling");
    expect(server.requests[0].body).toEqual({ model: "test-model", input: "three token text", task: "token_embed" });
  });

  it("a server without /pooling gets an error naming the vLLM flag", async () => {
    await server.close();
    server = await OpenAITestServer.start({ disabledRoutes: ["pooling"] });
    const engine = await engineFor();
    const error = (await engine.tokenEmbed("x").catch((e: unknown) => e)) as EngineCallError;
    expect(error).toBeInstanceOf(EngineCallError);
    expect(error.statusCode).toBe(404);
    expect(error.message).toContain("--runner pooling");
    expect(server.requests).toHaveLength(1);
  });

  it("score (echo) sends echo/logprobs/max_tokens 0 and keeps only the continuation's tokens", async () => {
    const engine = await engineFor();
    const full = await engine.complete("The cat sat", { logprobs: true }); // warm-up: ignore
    expect(full.text).toContain("echo");
    server.clearRecords();
    const score = await engine.score("The cat", " sat down");
    expect(server.requests[0].body).toEqual({ model: "test-model", prompt: "The cat sat down", echo: true, logprobs: 1, max_tokens: 0, temperature: 0 });
    expect(score.tokenLogprobs).toHaveLength(2);
    expect(score.meanLoss).toBeCloseTo(-(score.tokenLogprobs[0] + score.tokenLogprobs[1]) / 2, 10);
    expect(score.meanLoss).toBeGreaterThan(0);
  });

  it("score (prompt_logprobs) uses vLLM's extension and agrees with echo", async () => {
    const echo = await (await engineFor()).score("The cat", " sat down");
    const vllm = await (await engineFor("?score=prompt_logprobs")).score("The cat", " sat down");
    expect(server.requests[1].body).toEqual({ model: "test-model", prompt: "The cat sat down", max_tokens: 1, temperature: 0, prompt_logprobs: 0 });
    expect(vllm.tokenLogprobs).toEqual(echo.tokenLogprobs);
  });

  it("score of a whole text with an empty prompt is refused: the first token has no log-prob", async () => {
    const engine = await engineFor();
    await expect(engine.score("", "all of it")).rejects.toThrow(/non-empty prompt/);
  });

  it("decodeEmbeddings sends a base64 torch.save float32 tensor and refuses prefix/suffix", async () => {
    const engine = await engineFor();
    const embeddings = { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
    const generation = await engine.decodeEmbeddings(embeddings, { maxTokens: 8 });
    const body = server.requests[0].body;
    expect(body.model).toBe("test-model");
    expect(body.max_tokens).toBe(8);
    const bytes = Buffer.from(String(body.prompt_embeds), "base64");
    expect(bytes.subarray(0, 2).toString("latin1")).toBe("PK"); // a zip, as torch.save writes
    expect(bytes.includes(Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer))).toBe(true);
    expect(generation.text).toBe(` decoded ${bytes.length} bytes`);
    const refused = await engine.decodeEmbeddings(embeddings, { prefix: "Copy:" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GapfillError);
    expect((refused as GapfillError).code).toBe("decode-embeddings-full-matrix");
  });

  it("a server without prompt embeds gets an error naming --enable-prompt-embeds", async () => {
    const engine = await engineFor();
    server.handle("completions", () => new Reply(400, { error: { message: "prompt_embeds is not enabled" } }));
    const error = await engine.decodeEmbeddings({ data: new Float32Array(2), rows: 1, cols: 2 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("--enable-prompt-embeds");
  });

  it("loadLora loads on every URL, then requests name the adapter; an already-loaded adapter is fine", async () => {
    const other = await OpenAITestServer.start();
    try {
      const engine = (await createEngine(`openai:test-model@${server.baseUrl},${other.baseUrl}`, { env: {}, http: fastHttp })) as OpenAIEngine;
      await engine.loadLora("/adapters/round-1", { name: "round-1" });
      expect(server.loras.get("round-1")).toBe("/adapters/round-1");
      expect(other.loras.get("round-1")).toBe("/adapters/round-1");
      expect(server.requests[0].body).toEqual({ lora_name: "round-1", lora_path: "/adapters/round-1" });
      await engine.chat([{ role: "user", content: "hi" }]);
      const chats = [...server.requests, ...other.requests].filter((r) => r.route === "chat");
      expect(chats[0].body.model).toBe("round-1");
      expect(engine.activeModel).toBe("round-1");
      server.handle("load_lora", () => new Reply(400, { error: { message: "The lora adapter 'round-1' has already been loaded." } }));
      await engine.loadLora("/adapters/round-1", { name: "round-1" });
      await expect(engine.loadLora("/x", { scale: 0.5 })).rejects.toThrow(/no scale/);
    } finally {
      await other.close();
    }
  });

  it("a second run with the request cache sends nothing; the key is never stored", async () => {
    const db = new Database(":memory:");
    migrate(db);
    const run = async () => {
      const engine = await engineFor("", new RequestCache(db));
      await engine.chat([{ role: "user", content: "q1" }], { stage: "generate" });
      await engine.complete("p", { stage: "generate" });
      await engine.embed(["a", "b"], { stage: "map" });
      return engine.score("The cat", " sat", { stage: "evaluate" });
    };
    const first = await run();
    expect(server.requests).toHaveLength(4);
    server.clearRecords();
    const second = await run();
    expect(server.requests).toHaveLength(0);
    expect(second).toEqual(first);
    const dump = JSON.stringify(db.prepare("SELECT * FROM request_cache").all()) + JSON.stringify(db.prepare("SELECT * FROM usage").all());
    expect(dump).not.toContain(KEY);
    expect(dump).toContain("/v1/chat/completions");
    const usage = new RequestCache(db).usage();
    expect(usage.find((row) => row.stage === "generate")).toMatchObject({ requests: 2, cached: 2 });
  });

  it("emits a notice when the server keeps throttling (one 429 alone is noise)", async () => {
    const events: ProgressEvent[] = [];
    const engine = await createEngine(`openai:test-model@${server.baseUrl}?concurrency=4`, { env: {}, http: fastHttp, onEvent: (e) => events.push(e) });
    server.script("429", "429", "429");
    await engine.chat([{ role: "user", content: "hi" }]);
    expect(events.filter((event) => event.type === "notice")).toEqual([expect.objectContaining({ type: "notice", stage: "requests", message: expect.stringContaining("concurrency 4 → 2") })]);
    // Each retry was told to the progress display as it happened.
    expect(events.filter((event) => event.type === "request-retry")).toHaveLength(3);
  });
});
