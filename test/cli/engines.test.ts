import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { writeTinyLlamaGguf, writeTinyLoraGguf } from "../support/tiny-gguf.js";
import { runCli } from "../helpers/run-cli.js";

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
    server.setFaults(1, ["500"]);
    try {
      const result = await runCli(["engines", "check", `openai:test-model@${server.baseUrl}?max_attempts=1`]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^chat\s+failed/m);
      expect(result.stderr).toMatch(/check\(s\) failed/);
    } finally {
      server.setFaults(0);
    }
  });

  it("names the bad spec with exit 2", async () => {
    const result = await runCli(["engines", "check", "gpt4"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("gpt4");
  });
});
