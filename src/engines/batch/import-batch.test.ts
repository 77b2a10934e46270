import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchPendingError, InputError } from "../../core/errors.js";
import { migrate } from "../../store/migrations.js";
import { RequestCache } from "../request-cache.js";
import { exportBatch } from "./export-batch.js";
import { importBatch } from "./import-batch.js";

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

function chatAnswer(text: string, promptTokens: number, completionTokens: number): Record<string, unknown> {
  return {
    id: "chatcmpl-x",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function resultLine(customId: string, statusCode: number, body: unknown, error: unknown = null): string {
  return JSON.stringify({ id: `batch_req_${customId}`, custom_id: customId, response: { status_code: statusCode, request_id: `req-${customId}`, body }, error });
}

describe("importBatch", () => {
  it("export → results → import: rows are done with their answers, errors are reported and stay pending", async () => {
    pending("k1", "/v1/chat/completions", { messages: [{ role: "user", content: "one" }] });
    pending("k2", "/v1/chat/completions", { messages: [{ role: "user", content: "two" }] });
    pending("k3", "/v1/chat/completions", { messages: [{ role: "user", content: "three" }] });
    pending("k4", "/v1/embeddings", { input: ["four"] }, "student", "openai", "map");
    const exported = await exportBatch(db, path.join(directory, "requests.jsonl"));
    const ids = exported.files.flatMap((file) => readLines(file).map((line) => String(line.custom_id)));
    expect(ids.sort()).toEqual(["k1", "k2", "k3", "k4"]);

    const results = path.join(directory, "results.jsonl");
    writeFileSync(
      results,
      [
        resultLine("k1", 200, chatAnswer("uno", 11, 3)),
        resultLine("k2", 429, { error: { message: "Rate limit reached", type: "requests" } }),
        JSON.stringify({ id: "batch_req_k3", custom_id: "k3", response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }),
        resultLine("k4", 200, { object: "list", data: [{ index: 0, embedding: [0.5, -0.5] }], usage: { prompt_tokens: 2, total_tokens: 2 } }),
        resultLine("not-ours", 200, chatAnswer("?", 1, 1)),
        "",
      ].join("\n"),
    );
    const imported = await importBatch(db, results);
    expect(imported).toEqual({
      imported: 2,
      failed: [
        { customId: "k2", reason: "status 429: Rate limit reached" },
        { customId: "k3", reason: "no response (batch_expired): This request could not be executed before the completion window expired." },
      ],
      unknown: 1,
      alreadyDone: 0,
      malformed: [],
    });
    const rows = db.prepare("SELECT key, status, response, prompt_tokens, completion_tokens, answered_at FROM request_cache ORDER BY key").all() as Record<string, unknown>[];
    expect(rows.map((row) => [row.key, row.status, row.prompt_tokens, row.completion_tokens])).toEqual([
      ["k1", "done", 11, 3],
      ["k2", "pending", null, null],
      ["k3", "pending", null, null],
      ["k4", "done", 2, 0],
    ]);
    expect(JSON.parse(String(rows[0].response))).toEqual(chatAnswer("uno", 11, 3));
    expect(String(rows[0].answered_at)).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The batch is where the tokens were spent: the usage ledger says so.
    const usage = db.prepare("SELECT stage, model, requests, prompt_tokens, completion_tokens FROM usage ORDER BY stage").all();
    expect(usage).toEqual([
      { stage: "generate", model: "teacher", requests: 1, prompt_tokens: 11, completion_tokens: 3 },
      { stage: "map", model: "student", requests: 1, prompt_tokens: 2, completion_tokens: 0 },
    ]);

    // Importing the same file again changes nothing and says so.
    const again = await importBatch(db, results);
    expect(again).toMatchObject({ imported: 0, alreadyDone: 2, unknown: 1 });
    expect(again.failed.map((failure) => failure.customId)).toEqual(["k2", "k3"]);
    // The failed requests are what the next export writes.
    const retry = await exportBatch(db, path.join(directory, "retry.jsonl"));
    expect(readLines(retry.files[0]).map((line) => line.custom_id)).toEqual(["k2", "k3"]);
  });

  it("reads vllm run-batch error lines (string and ErrorResponse forms)", async () => {
    pending("s", "/v1/chat/completions", { messages: [] });
    pending("o", "/v1/chat/completions", { messages: [] });
    pending("f", "/v1/chat/completions", { messages: [] });
    const results = path.join(directory, "vllm-results.jsonl");
    writeFileSync(
      results,
      [
        JSON.stringify({ id: "vllm-1", custom_id: "s", response: { status_code: 400, request_id: "vllm-batch-1", body: null }, error: "The model does not support Chat Completions API" }),
        JSON.stringify({ id: "vllm-2", custom_id: "o", response: { status_code: 400, request_id: "vllm-batch-2", body: null }, error: { error: { message: "max_tokens is too large", type: "BadRequestError", code: 400 } } }),
        JSON.stringify({ id: "vllm-3", custom_id: "f", response: { status_code: 404, request_id: "vllm-batch-3", body: null }, error: { object: "error", message: "model not found", type: "NotFoundError", code: 404 } }),
      ].join("\n"),
    );
    const imported = await importBatch(db, results);
    expect(imported.failed).toEqual([
      { customId: "s", reason: "status 400: The model does not support Chat Completions API" },
      { customId: "o", reason: "status 400 (400): max_tokens is too large" },
      { customId: "f", reason: "status 404 (404): model not found" },
    ]);
    expect(imported.imported).toBe(0);
  });

  it("names file and line of a malformed line, and can skip such lines", async () => {
    pending("k1", "/v1/chat/completions", { messages: [] });
    pending("k2", "/v1/chat/completions", { messages: [] });
    const results = path.join(directory, "broken.jsonl");
    writeFileSync(results, [resultLine("k1", 200, chatAnswer("a", 1, 1)), '{"custom_id": "k9", "respo', JSON.stringify({ response: null }), resultLine("k2", 200, chatAnswer("b", 1, 1))].join("\n"));
    const failure = await importBatch(db, results).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).message).toContain(`${results}:2: not valid JSON`);
    expect((failure as InputError).line).toBe(2);
    // Lines before the bad one were committed.
    expect(db.prepare("SELECT status FROM request_cache WHERE key = 'k1'").pluck().get()).toBe("done");

    const skipped = await importBatch(db, results, { skipMalformed: true });
    expect(skipped.malformed).toHaveLength(2);
    expect(skipped.malformed[0]).toMatch(new RegExp(`^${escape(results)}:2: not valid JSON`));
    expect(skipped.malformed[1]).toMatch(new RegExp(`^${escape(results)}:3: not a batch result line: custom_id: Required`));
    expect(skipped).toMatchObject({ imported: 1, alreadyDone: 1 });
  });

  it("says which results file is missing", async () => {
    const missing = path.join(directory, "nope.jsonl");
    await expect(importBatch(db, missing)).rejects.toThrow(`${missing}: no such results file`);
  });

  it("fills the request cache so the interrupted call is answered without sending", async () => {
    const cache = new RequestCache(db, { mode: "batch" });
    const request = { engine: "openai", model: "teacher", endpoint: "/v1/chat/completions", body: { messages: [{ role: "user" as const, content: "hi" }] }, stage: "generate" };
    const neverSend = async (): Promise<unknown> => {
      throw new Error("must not send in batch mode");
    };
    await expect(cache.call(request, neverSend)).rejects.toBeInstanceOf(BatchPendingError);
    const exported = await exportBatch(db, path.join(directory, "requests.jsonl"));
    const [line] = readLines(exported.files[0]);
    expect(line.body).toEqual({ model: "teacher", messages: [{ role: "user", content: "hi" }] });
    const results = path.join(directory, "results.jsonl");
    writeFileSync(results, `${resultLine(String(line.custom_id), 200, chatAnswer("hello", 5, 1))}\n`);
    expect(await importBatch(db, results)).toMatchObject({ imported: 1, failed: [] });
    const answered = await new RequestCache(db, { mode: "batch" }).call(request, neverSend);
    expect(answered).toEqual({ response: chatAnswer("hello", 5, 1), cached: true });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
