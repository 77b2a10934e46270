import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";
import { float32MatrixShape } from "../../src/store/float32-matrix.js";
import { runCli } from "../helpers/run-cli.js";

const WORD_PROBLEMS = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;
/** Rows the tiny student embeds per mode: the llama engine's cost is per row, the assertions are not. */
const ROWS = 120;
let EXAMPLE: string;
let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-map-student-"));
  EXAMPLE = join(dir, "word-problems.jsonl");
  await writeFile(EXAMPLE, (await readFile(WORD_PROBLEMS, "utf8")).trim().split("\n").slice(0, ROWS).join("\n") + "\n");
  model = join(dir, "tiny.gguf");
  await writeTinyLlamaGguf(model, { seed: 11, quant: "q8_0" });
});

describe("gapfill map with the tiny GGUF as student", () => {
  for (const embedding of ["pooled", "mean", "input-idf"] as const) {
    it(`maps through the llama engine (${embedding})`, async () => {
      const run = join(dir, embedding);
      const result = await runCli(["map", EXAMPLE, "--student", `llama:${model}`, "--embedding", embedding, "--run", run, "--json", "--quiet"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.rows).toBe(ROWS);
      expect(summary.embedder).toMatchObject({ kind: "student", studentView: true, mode: embedding });
      expect(summary.embedder.label).toContain("tiny.gguf");
      expect(await float32MatrixShape(join(run, "embeddings.f32"))).toMatchObject({ rows: ROWS, cols: 64, sealed: true });
      const html = await readFile(join(run, "map.html"), "utf8");
      expect(html).not.toContain("not the student's view");
    });
  }
});

describe("gapfill map with an OpenAI-compatible student", () => {
  it("resumes embedding after a failure without re-sending answered batches", async () => {
    const { OpenAITestServer } = await import("../support/openai-test-server.js");
    const server = await OpenAITestServer.start({ dimensions: 16 });
    try {
      const run = join(dir, "openai");
      // One batch in flight (the map keeps the endpoint's concurrency in flight; embed-examples.test.ts
      // covers resume with several): the requests answered are then exactly those before the failure.
      const spec = `openai:student@${server.baseUrl}?max_attempts=1&concurrency=1`;
      // 400 questions in batches of 32 = 13 requests; the 6th fails for good.
      server.script("ok", "ok", "ok", "ok", "ok", "500");
      const first = await runCli(["map", WORD_PROBLEMS, "--student", spec, "--run", run, "--quiet"]);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/500/);
      expect(server.answered.filter((r) => r.path === "/v1/embeddings")).toHaveLength(5);
      expect((await float32MatrixShape(join(run, "embeddings.f32"))).rows).toBe(160);

      server.clearRecords();
      const second = await runCli(["map", WORD_PROBLEMS, "--student", spec, "--run", run, "--json", "--quiet"]);
      expect(second.code).toBe(0);
      expect(server.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(8); // 240 rows left
      expect(JSON.parse(second.stdout).rows).toBe(400);
    } finally {
      await server.close();
    }
  });
});
