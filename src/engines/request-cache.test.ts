import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { BatchPendingError } from "../core/errors.js";
import { migrate } from "../store/migrations.js";
import { RequestCache, requestCacheKey, type CacheableRequest } from "./request-cache.js";

let db: Database.Database;
beforeEach(() => {
  db = new Database(":memory:");
  migrate(db);
});

const request = (content: string, extra: Record<string, unknown> = {}): CacheableRequest => ({
  engine: "openai",
  model: "m",
  endpoint: "/v1/chat/completions",
  body: { model: "m", messages: [{ role: "user", content }], ...extra },
  stage: "generate",
});
const answer = (text: string) => ({ choices: [{ message: { content: text } }], usage: { prompt_tokens: 3, completion_tokens: 2 } });

describe("requestCacheKey", () => {
  it("is versioned, ignores key order and transport fields, and changes with what changes the answer", () => {
    const base = requestCacheKey(request("q"));
    expect(base).toMatch(/^v1:[0-9a-f]{64}$/);
    const reordered = { ...request("q"), body: { messages: [{ content: "q", role: "user" }], model: "m" } };
    expect(requestCacheKey(reordered)).toBe(base);
    expect(requestCacheKey(request("q", { stream: false, timeout: 5, user: "x" }))).toBe(base);
    expect(requestCacheKey(request("other"))).not.toBe(base);
    expect(requestCacheKey(request("q", { temperature: 0.7 }))).not.toBe(base);
    expect(requestCacheKey({ ...request("q"), model: "m2" })).not.toBe(base);
    expect(requestCacheKey({ ...request("q"), endpoint: "/v1/completions" })).not.toBe(base);
  });
});

describe("RequestCache", () => {
  it("answers a repeated request from the database, across cache instances", async () => {
    let sent = 0;
    const send = async () => (sent += 1, answer("a"));
    const first = await new RequestCache(db).call(request("q"), send);
    expect(first).toEqual({ response: answer("a"), cached: false });
    const second = await new RequestCache(db).call(request("q"), send);
    expect(second).toEqual({ response: answer("a"), cached: true });
    expect(sent).toBe(1);
    const row = db.prepare("SELECT * FROM request_cache").get() as Record<string, unknown>;
    expect(row.status).toBe("done");
    expect(row.endpoint).toBe("/v1/chat/completions");
    expect(JSON.parse(String(row.request))).toEqual(request("q").body);
    expect(row.prompt_tokens).toBe(3);
  });

  it("writes the answers received together in one transaction, each caller resuming only once its row is written", async () => {
    const cache = new RequestCache(db);
    const commits: number[] = [];
    const rows = () => (db.prepare("SELECT COUNT(*) FROM request_cache").pluck().get() as number);
    // Every caller sees its own answer stored when it resumes.
    const calls = Array.from({ length: 5 }, (_, i) =>
      cache.call(request(`q${i}`), async () => answer(`a${i}`)).then((result) => {
        commits.push(rows());
        return result;
      }),
    );
    const results = await Promise.all(calls);
    expect(results.map((result) => result.cached)).toEqual([false, false, false, false, false]);
    expect(commits).toEqual([5, 5, 5, 5, 5]);
    const usage = cache.usage();
    expect(usage).toEqual([{ stage: "generate", engine: "openai", model: "m", requests: 5, cached: 0, promptTokens: 15, completionTokens: 10 }]);
  });

  it("fails the callers whose answers could not be written, and the next answers are written again", async () => {
    const cache = new RequestCache(db);
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON request_cache BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const failed = await Promise.allSettled([cache.call(request("x"), async () => answer("x")), cache.call(request("y"), async () => answer("y"))]);
    expect(failed.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toContain("disk says no");
    // Nothing of the failed transaction stays: no row, no usage.
    expect(db.prepare("SELECT COUNT(*) FROM request_cache").pluck().get()).toBe(0);
    expect(cache.usage()).toEqual([]);
    db.exec("DROP TRIGGER refuse");
    expect(await cache.call(request("x"), async () => answer("x"))).toEqual({ response: answer("x"), cached: false });
    expect(await new RequestCache(db).call(request("x"), async () => answer("other"))).toEqual({ response: answer("x"), cached: true });
  });

  it("coalesces identical requests in flight into one send", async () => {
    let sent = 0;
    let finish!: (value: unknown) => void;
    const send = () => ((sent += 1), new Promise((resolve) => (finish = resolve)));
    const cache = new RequestCache(db);
    const calls = [cache.call(request("q"), send), cache.call(request("q"), send), cache.call(request("q"), send)];
    await Promise.resolve();
    finish(answer("a"));
    const results = await Promise.all(calls);
    expect(sent).toBe(1);
    expect(results.map((r) => r.cached)).toEqual([false, true, true]);
  });

  it("records usage per stage: requests, hits and tokens", async () => {
    const cache = new RequestCache(db);
    await cache.call(request("a"), async () => answer("x"));
    await cache.call(request("b"), async () => answer("y"));
    await cache.call(request("a"), async () => answer("never"));
    await cache.call({ ...request("c"), stage: "evaluate" }, async () => answer("z"));
    expect(cache.usage()).toEqual([
      { stage: "evaluate", engine: "openai", model: "m", requests: 1, cached: 0, promptTokens: 3, completionTokens: 2 },
      { stage: "generate", engine: "openai", model: "m", requests: 2, cached: 1, promptTokens: 6, completionTokens: 4 },
    ]);
  });

  it("with the cache disabled always sends, stores nothing, still counts usage", async () => {
    let sent = 0;
    const cache = new RequestCache(db, { enabled: false });
    await cache.call(request("q"), async () => ((sent += 1), answer("a")));
    await cache.call(request("q"), async () => ((sent += 1), answer("a")));
    expect(sent).toBe(2);
    expect(db.prepare("SELECT COUNT(*) FROM request_cache").pluck().get()).toBe(0);
    expect(cache.usage()[0].requests).toBe(2);
  });

  it("does not store a failed send, so the next call retries it", async () => {
    const cache = new RequestCache(db);
    await expect(cache.call(request("q"), async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    const ok = await cache.call(request("q"), async () => answer("a"));
    expect(ok.cached).toBe(false);
  });

  it("in batch mode records a miss as pending and throws; a live run later answers it", async () => {
    const batch = new RequestCache(db, { mode: "batch" });
    await batch.call(request("done-before"), async () => answer("x")).catch(() => undefined);
    const live = new RequestCache(db);
    await live.call(request("done-before"), async () => answer("x"));
    expect((await batch.call(request("done-before"), async () => answer("never"))).cached).toBe(true);
    const error = await batch.call(request("q1"), async () => answer("never")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchPendingError);
    await expect(batch.call(request("q2"), async () => answer("never"))).rejects.toMatchObject({ pending: 2 });
    await expect(batch.call(request("q2"), async () => answer("never"))).rejects.toMatchObject({ pending: 2 });
    const rows = db.prepare("SELECT status, response FROM request_cache ORDER BY created_at").all();
    expect(rows.filter((r) => (r as { status: string }).status === "pending")).toHaveLength(2);
    const answered = await live.call(request("q1"), async () => answer("now"));
    expect(answered).toEqual({ response: answer("now"), cached: false });
    expect(db.prepare("SELECT COUNT(*) FROM request_cache WHERE status = 'pending'").pluck().get()).toBe(1);
  });

  it("treats a stored answer the engine cannot use as a miss", async () => {
    const cache = new RequestCache(db);
    await cache.call(request("q"), async () => ({ error: "stored by a bad import" }));
    const usable = (response: unknown) => typeof response === "object" && response !== null && "choices" in response;
    const again = await cache.call(request("q"), async () => answer("fresh"), { isUsable: usable });
    expect(again).toEqual({ response: answer("fresh"), cached: false });
    expect((await cache.call(request("q"), async () => answer("never"), { isUsable: usable })).cached).toBe(true);
  });
});
