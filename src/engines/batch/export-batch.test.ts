import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../store/migrations.js";
import { exportBatch } from "./export-batch.js";

let db: Database.Database;
let directory: string;

beforeEach(() => {
  db = new Database(":memory:");
  migrate(db);
  directory = mkdtempSync(path.join(tmpdir(), "gapfill-batch-"));
});
afterEach(() => {
  db.close();
  rmSync(directory, { recursive: true, force: true });
});

let sequence = 0;
/** A pending row as the request cache records it in batch mode. */
function pending(key: string, endpoint: string, body: Record<string, unknown>, model = "teacher", engine = "openai", stage = "generate"): void {
  sequence += 1;
  db.prepare(
    `INSERT INTO request_cache (key, engine, model, endpoint, request, status, stage, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
  ).run(key, engine, model, endpoint, JSON.stringify(body), stage, new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString());
}

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("exportBatch", () => {
  it("writes one OpenAI Batch line per pending request, with the model in the body", async () => {
    pending("k1", "/v1/chat/completions", { messages: [{ role: "user", content: "one" }], temperature: 0 });
    pending("k2", "/v1/chat/completions", { model: "other-model", messages: [{ role: "user", content: "two" }] });
    db.prepare("UPDATE request_cache SET status = 'done', response = '{}' WHERE key = 'k2'").run();
    pending("k3", "/v1/chat/completions", { messages: [{ role: "user", content: "three" }] });
    const out = path.join(directory, "batch.jsonl");
    const result = await exportBatch(db, out);
    expect(result).toMatchObject({ files: [out], requests: 2, skipped: [], warnings: [] });
    expect(readLines(out)).toEqual([
      { custom_id: "k1", method: "POST", url: "/v1/chat/completions", body: { model: "teacher", messages: [{ role: "user", content: "one" }], temperature: 0 } },
      { custom_id: "k3", method: "POST", url: "/v1/chat/completions", body: { model: "teacher", messages: [{ role: "user", content: "three" }] } },
    ]);
    // Only the final file remains: no temporary parts left behind.
    expect(readdirSync(directory)).toEqual(["batch.jsonl"]);
  });

  it("filters by engine and model, and writes nothing when nothing is pending", async () => {
    pending("a", "/v1/chat/completions", { messages: [] }, "m1", "openai");
    pending("b", "/v1/chat/completions", { messages: [] }, "m2", "openai");
    const out = path.join(directory, "only-m2.jsonl");
    const result = await exportBatch(db, out, { model: "m2" });
    expect(readLines(out).map((line) => line.custom_id)).toEqual(["b"]);
    expect(result.requests).toBe(1);
    const none = await exportBatch(db, path.join(directory, "none.jsonl"), { engine: "llama" });
    expect(none).toMatchObject({ files: [], requests: 0 });
    expect(readdirSync(directory)).toEqual(["only-m2.jsonl"]);
  });

  it("splits at the byte and line limits, never past either", async () => {
    for (let index = 0; index < 10; index += 1) pending(`key-${index}`, "/v1/chat/completions", { messages: [{ role: "user", content: "x".repeat(100) }] });
    const lineBytes = Buffer.byteLength(`${JSON.stringify({ custom_id: "key-0", method: "POST", url: "/v1/chat/completions", body: { model: "teacher", messages: [{ role: "user", content: "x".repeat(100) }] } })}\n`);
    const out = path.join(directory, "big.jsonl");
    const bySize = await exportBatch(db, out, { maxBytesPerFile: lineBytes * 3 + 10 });
    expect(bySize.files.map((file) => path.basename(file))).toEqual(["big.001.jsonl", "big.002.jsonl", "big.003.jsonl", "big.004.jsonl"]);
    expect(bySize.details.map((file) => file.requests)).toEqual([3, 3, 3, 1]);
    for (const file of bySize.details) expect(readFileSync(file.path).length).toBe(file.bytes);
    for (const file of bySize.details) expect(file.bytes).toBeLessThanOrEqual(lineBytes * 3 + 10);
    const all = bySize.files.flatMap((file) => readLines(file).map((line) => line.custom_id));
    expect(all).toEqual(Array.from({ length: 10 }, (_, index) => `key-${index}`));

    const byLines = await exportBatch(db, path.join(directory, "lines.jsonl"), { maxLinesPerFile: 4 });
    expect(byLines.details.map((file) => file.requests)).toEqual([4, 4, 2]);

    const tooSmall = await exportBatch(db, path.join(directory, "tiny.jsonl"), { maxBytesPerFile: 50 });
    expect(tooSmall).toMatchObject({ files: [], requests: 0, skipped: [{ reason: "request larger than maxBytesPerFile (50 bytes)", count: 10 }] });
  });

  it("puts each endpoint in its own file and warns that vllm run-batch cannot serve completions", async () => {
    pending("chat", "/v1/chat/completions", { messages: [] });
    pending("score", "/v1/completions", { prompt: "a b", max_tokens: 0, echo: true, logprobs: 1 });
    pending("embed", "/v1/embeddings", { input: ["a"] }, "student");
    const out = path.join(directory, "mixed.jsonl");
    const result = await exportBatch(db, out);
    expect(result.details.map((file) => [path.basename(file.path), file.url, file.requests])).toEqual([
      ["mixed.chat-completions.jsonl", "/v1/chat/completions", 1],
      ["mixed.completions.jsonl", "/v1/completions", 1],
      ["mixed.embeddings.jsonl", "/v1/embeddings", 1],
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/1 request\(s\) to \/v1\/completions .*vllm run-batch does not/);

    const forVllm = await exportBatch(db, path.join(directory, "vllm.jsonl"), { target: "vllm" });
    expect(forVllm.details.map((file) => file.url)).toEqual(["/v1/chat/completions", "/v1/embeddings"]);
    expect(forVllm.skipped).toEqual([{ reason: "vllm run-batch does not serve /v1/completions", count: 1 }]);
    expect(forVllm.warnings).toEqual([]);
  });

  it("walks past one page of rows: every pending request exactly once, in the order recorded", async () => {
    const insert = db.transaction(() => {
      for (let index = 0; index < 2500; index += 1) pending(`row-${String(index).padStart(4, "0")}`, "/v1/embeddings", { input: [String(index)] });
    });
    insert();
    const result = await exportBatch(db, path.join(directory, "many.jsonl"));
    const ids = readLines(result.files[0]).map((line) => line.custom_id);
    expect(result.requests).toBe(2500);
    expect(ids).toEqual(Array.from({ length: 2500 }, (_, index) => `row-${String(index).padStart(4, "0")}`));
  });

  it("reports rows it cannot export instead of dropping them silently", async () => {
    pending("good", "/v1/chat/completions", { messages: [] });
    db.prepare(
      `INSERT INTO request_cache (key, engine, model, endpoint, request, status, created_at) VALUES ('bad', 'openai', 'm', '/v1/chat/completions', '{not json', 'pending', 'x')`,
    ).run();
    const result = await exportBatch(db, path.join(directory, "out.jsonl"));
    expect(result.requests).toBe(1);
    expect(result.skipped).toEqual([{ reason: "stored request is not valid JSON", count: 1 }]);
  });
});
