import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer, Reply } from "../support/openai-test-server.js";
import { writeTinyLlamaGguf, writeTinyLoraGguf } from "../support/tiny-gguf.js";
import { runCli } from "../helpers/run-cli.js";
import { freePort } from "../support/llama-server.js";

let dir: string;
let model: string;
let lora: string;
let server: OpenAITestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-engines-"));
  model = join(dir, "tiny.gguf");
  lora = join(dir, "tiny-lora.gguf");
  await writeTinyLlamaGguf(model, { seed: 3 });
  await writeTinyLoraGguf(lora, model, { seed: 4 });
  server = await OpenAITestServer.start();
});
afterAll(async () => {
  await server?.close();
});

describe("gapfill engines check", () => {
  it("runs every capability of the tiny GGUF, the adapter included", async () => {
    const result = await runCli(["engines", "check", `llama:${model}`, "--lora", lora, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.capabilities).toHaveLength(8);
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(Array(8).fill("ok"));
    expect(report.checks.find((c: { capability: string }) => c.capability === "embed").detail).toBe("64 dims");
  });

  it("checks an OpenAI-compatible server and sends one request per capability it can smoke-test", async () => {
    server.clearRecords();
    const result = await runCli(["engines", "check", `openai:test-model@${server.baseUrl}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^chat\s+ok/m);
    expect(result.stdout).toMatch(/^embed\s+ok/m);
    expect(result.stdout).toMatch(/^decode-embeddings\s+not-checked/m);
    const paths = server.answered.map((request) => request.path);
    expect(paths).toContain("/v1/chat/completions");
    expect(paths).toContain("/v1/embeddings");
  });

  it("exits 1 and says which checks failed when the server errors", async () => {
    server.handle("chat", () => new Reply(500, { error: { message: "internal error" } }));
    try {
      const result = await runCli(["engines", "check", `openai:test-model@${server.baseUrl}`]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^chat\s+failed/m);
      expect(result.stderr.trim()).toMatch(/^gapfill: 1 check\(s\) failed for openai:test-model@\S+: chat$/);
    } finally {
      server.unhandle("chat");
    }
  });

  it("exits 0 for a llama.cpp server, naming what it does not offer and who does", async () => {
    const llamaLike = await OpenAITestServer.start();
    try {
      llamaLike.handle("models", () => ({ data: [{ id: "m", owned_by: "llamacpp", meta: { n_ctx: 512, n_ctx_train: 2048 } }] }));
      llamaLike.handle("completions", (request) => {
        const literal = typeof request.body.grammar === "string" ? (JSON.parse(request.body.grammar.replace(/^root ::= /, "")) as string) : " 4, 5";
        return { choices: [{ text: literal, logprobs: { content: [{ token: literal, logprob: -1 }] } }] };
      });
      const result = await runCli(["engines", "check", `openai:m@${llamaLike.baseUrl}`, "--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.server).toMatchObject({ kind: "llama.cpp", name: "llama.cpp server", contextSize: 512 });
      const status = Object.fromEntries(report.checks.map((check: { capability: string; status: string }) => [check.capability, check.status]));
      expect(status).toEqual({ embed: "ok", "token-embed": "not-offered", "input-embed": "not-offered", chat: "ok", complete: "ok", score: "ok", "decode-embeddings": "not-offered", lora: "not-offered" });
      expect(report.checks.find((check: { capability: string }) => check.capability === "lora").detail).toMatch(/vLLM offers it/);
      // No vLLM-only route was called.
      expect(llamaLike.requests.map((request) => request.path)).not.toContain("/pooling");
    } finally {
      await llamaLike.close();
    }
  });

  it("fails with one line, exit 1, when the server is down", async () => {
    const port = await freePort();
    const result = await runCli(["engines", "check", `openai:m@http://127.0.0.1:${port}/v1`]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([`gapfill: http://127.0.0.1:${port} is not answering (connection refused); is the server running, and is the URL right?`]);
  });

  it("checks a teacher for the calls a teacher makes", async () => {
    server.clearRecords();
    server.handle("chat", () => JSON.stringify({ question: "What is 2 + 2?", answer: "2 + 2 = 4", final_answer: "4" }));
    try {
      const result = await runCli(["engines", "check", `openai:test-model@${server.baseUrl}`, "--teacher"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^teacher-json\s+ok/m);
      expect(result.stdout).not.toMatch(/^embed/m);
      const chats = server.answered.filter((request) => request.route === "chat");
      expect(chats).toHaveLength(2);
      expect(chats[1].body.response_format).toMatchObject({ type: "json_schema" });
    } finally {
      server.unhandle("chat");
    }
  });

  it("names the bad spec with exit 2", async () => {
    const result = await runCli(["engines", "check", "gpt4"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("gpt4");
  });
});
