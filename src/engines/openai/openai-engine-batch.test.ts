import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchPendingError } from "../../core/errors.js";
import { migrate } from "../../store/migrations.js";
import { exportBatch, importBatch } from "../batch/index.js";
import { createEngine } from "../create-engine.js";
import { RequestCache } from "../request-cache.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";

// Batch mode end to end: the engine records what it would send, the batch exporter writes it,
// a "batch service" (here: the test server) answers it, the importer stores the answers, and
// the same calls then complete from the cache without a request.
describe("OpenAI engine in batch mode", () => {
  let server: OpenAITestServer;
  let dir: string;
  let db: Database.Database;
  beforeEach(async () => {
    server = await OpenAITestServer.start({ dimensions: 3 });
    dir = mkdtempSync(join(tmpdir(), "gapfill-batch-"));
    db = new Database(":memory:");
    migrate(db);
  });
  afterEach(async () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it("records pending requests, and after export → run → import answers them without sending", async () => {
    const spec = `openai:test-model@${server.baseUrl}`;
    const batchEngine = await createEngine(spec, { env: {}, cache: new RequestCache(db, { mode: "batch" }) });
    const questions = ["q1", "q2", "q3"];
    const outcomes = await Promise.allSettled(questions.map((q) => batchEngine.chat([{ role: "user", content: q }], { stage: "generate" })));
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof BatchPendingError)).toBe(true);
    expect(server.requests).toHaveLength(0);

    const exported = await exportBatch(db, join(dir, "batch.jsonl"));
    expect(exported.requests).toBe(3);
    const lines = readFileSync(exported.files[0], "utf8").trim().split("\n").map((line) => JSON.parse(line) as { custom_id: string; url: string; body: unknown });
    expect(lines.map((line) => line.url)).toEqual(["/v1/chat/completions", "/v1/chat/completions", "/v1/chat/completions"]);

    // Play the batch service: send each body to the server, write OpenAI result lines.
    const results: string[] = [];
    for (const line of lines) {
      const response = await fetch(`${server.url}${line.url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(line.body) });
      results.push(JSON.stringify({ id: `r-${line.custom_id}`, custom_id: line.custom_id, response: { status_code: response.status, body: await response.json() }, error: null }));
    }
    writeFileSync(join(dir, "results.jsonl"), `${results.join("\n")}\n`);
    const imported = await importBatch(db, join(dir, "results.jsonl"));
    expect(imported.imported).toBe(3);

    server.clearRecords();
    const answers = await Promise.all(questions.map((q) => batchEngine.chat([{ role: "user", content: q }], { stage: "generate" })));
    expect(answers.map((a) => a.text)).toEqual(["echo: q1", "echo: q2", "echo: q3"]);
    expect(answers.every((a) => a.cached)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });
});
