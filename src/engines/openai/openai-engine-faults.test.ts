import { GapfillError } from "../../core/errors.js";
import { WRONG_SHAPE_ASKS } from "./openai-caller.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../store/migrations.js";
import { createEngine } from "../create-engine.js";
import { RequestCache } from "../request-cache.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";

// Issue 3's "done when": with 20% injected failures, 1,000 chat requests all end answered, no
// request answered twice, and a second run of the same requests sends zero requests.
describe("OpenAI engine under injected faults", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("answers 1,000 chats through 20% faults exactly once each, then resends nothing", async () => {
    const server = await OpenAITestServer.start({
      faultRate: 0.2,
      // No hangs here: a hang costs a whole timeout, and a timeout shorter than a busy machine's
      // real latency would resend requests the server did answer. Hangs are tested in http/.
      // Nor missing fields: an answer of the wrong shape is permanent (bad-response), tested below.
      faultKinds: ["429", "500", "truncated", "non-json"],
      seed: 42,
    });
    cleanup.push(() => server.close());
    server.handle("chat", (request) => `answer to ${(request.body.messages as { content: string }[])[0].content}`);
    const dir = mkdtempSync(join(tmpdir(), "gapfill-faults-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

    const runOnce = async () => {
      const db = new Database(join(dir, "gapfill.db"));
      db.pragma("journal_mode = WAL");
      migrate(db);
      try {
        const engine = await createEngine(`openai:test-model@${server.baseUrl}?concurrency=16&max_attempts=10`, {
          env: {},
          cache: new RequestCache(db),
          http: { backoff: { baseMs: 1, maxMs: 8 }, timeoutMs: 30_000 },
        });
        const ids = Array.from({ length: 1000 }, (_, i) => `request-${i}`);
        const answers = await Promise.all(ids.map((id) => engine.chat([{ role: "user", content: id }], { stage: "generate" })));
        return { ids, answers, usage: new RequestCache(db).usage() };
      } finally {
        db.close();
      }
    };

    const first = await runOnce();
    first.answers.forEach((answer, i) => expect(answer.text).toBe(`answer to ${first.ids[i]}`));
    const faults = server.requests.length - server.answered.length;
    expect(faults).toBeGreaterThan(150); // the injection really happened
    const answeredPerId = new Map<string, number>();
    for (const request of server.answered) {
      const id = (request.body.messages as { content: string }[])[0].content;
      answeredPerId.set(id, (answeredPerId.get(id) ?? 0) + 1);
    }
    expect(answeredPerId.size).toBe(1000);
    expect([...answeredPerId.values()].every((count) => count === 1)).toBe(true);
    expect(first.usage[0]).toMatchObject({ stage: "generate", requests: 1000, cached: 0 });

    server.clearRecords();
    const second = await runOnce();
    expect(server.requests).toHaveLength(0);
    expect(second.answers.map((a) => a.text)).toEqual(first.answers.map((a) => a.text));
    expect(second.answers.every((a) => a.cached)).toBe(true);
    expect(second.usage[0]).toMatchObject({ requests: 1000, cached: 1000 });
  });

  it("an answer of the wrong shape is asked again; wrong every time, it names the server and the field, and does not slow the pool", async () => {
    const server = await OpenAITestServer.start();
    cleanup.push(() => server.close());
    const notices: string[] = [];
    const engine = await createEngine(`openai:test-model@${server.baseUrl}?concurrency=4&max_attempts=6`, {
      env: {},
      http: { backoff: { baseMs: 1, maxMs: 8 } },
      onEvent: (event) => {
        if (event.type === "notice") notices.push(event.message);
      },
    });
    // One garbled answer is a passing fault: the second ask is answered.
    server.script("missing-fields");
    expect((await engine.chat([{ role: "user", content: "hi" }])).text).toContain("hi");
    expect(server.requests.filter((request) => request.route === "chat")).toHaveLength(2);
    // The same wrong shape every time is how this server answers: a bad-response, not retried further.
    server.clearRecords();
    server.script(...Array.from({ length: WRONG_SHAPE_ASKS }, () => "missing-fields" as const));
    const error = (await engine.chat([{ role: "user", content: "hello" }]).catch((e: unknown) => e)) as GapfillError;
    expect(error).toBeInstanceOf(GapfillError);
    expect(error.code).toBe("bad-response");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^OpenAI-compatible server at http:\/\/127\.0\.0\.1:\d+\/v1 answered \/v1\/chat\/completions in a shape gapfill cannot read \(choices: Required\)/);
    expect(server.requests.filter((request) => request.route === "chat")).toHaveLength(WRONG_SHAPE_ASKS);
    expect(notices.filter((notice) => notice.includes("concurrency"))).toEqual([]);
  });
  it("tells the progress display of each retry as it happens", async () => {
    const server = await OpenAITestServer.start();
    cleanup.push(() => server.close());
    const retries: string[] = [];
    const engine = await createEngine(`openai:test-model@${server.baseUrl}?max_attempts=4`, {
      env: {},
      http: { backoff: { baseMs: 1, maxMs: 4 } },
      onEvent: (event) => {
        if (event.type === "request-retry") retries.push(`${event.engine} ${event.reason} ${event.attempt}`);
      },
    });
    server.script("500", "500", "ok");
    expect((await engine.chat([{ role: "user", content: "hi" }])).text).toContain("hi");
    expect(retries).toEqual([`${engine.spec} server-error 1`, `${engine.spec} server-error 2`]);
  });
});
