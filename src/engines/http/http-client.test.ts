import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { EngineCallError } from "../../core/errors.js";
import { OpenAITestServer, Reply, type Fault } from "../../../test/support/openai-test-server.js";
import { HttpClient, type HttpClientOptions } from "./http-client.js";

const KEY = "sk-test-very-secret-key";
const chatSchema = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) });

let server: OpenAITestServer;
beforeEach(async () => {
  server = await OpenAITestServer.start();
});
afterEach(async () => {
  await server.close();
});

function client(options: Partial<HttpClientOptions> = {}) {
  return new HttpClient({ baseUrls: [server.baseUrl], apiKey: KEY, backoff: { baseMs: 1, maxMs: 5 }, timeoutMs: 2000, ...options });
}
const chatBody = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("HttpClient", () => {
  it("declares the requests it sends at once: the limit summed over its URLs (a stage sizes its work from it)", () => {
    expect(client().concurrency).toBe(8);
    expect(client({ baseUrls: [server.baseUrl, "http://127.0.0.1:9"], concurrency: 5 }).concurrency).toBe(10);
  });

  it("sends JSON with the bearer key to the right path", async () => {
    const answer = await client().post("/chat/completions", chatBody, { schema: chatSchema });
    expect(answer.choices[0].message.content).toBe("echo: hi");
    const [request] = server.requests;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.body).toEqual(chatBody);
  });

  for (const fault of ["429", "500", "truncated", "non-json", "missing-fields"] as Fault[]) {
    it(`recovers from ${fault}`, async () => {
      server.script(fault, fault);
      const answer = await client().post("/chat/completions", chatBody, { schema: chatSchema });
      expect(answer.choices[0].message.content).toBe("echo: hi");
      expect(server.requests).toHaveLength(3);
      expect(server.answered).toHaveLength(1);
    });
  }

  it("recovers from a hang through the per-attempt timeout", async () => {
    server.script("hang");
    const answer = await client({ timeoutMs: 150 }).post("/chat/completions", chatBody, { schema: chatSchema });
    expect(answer.choices[0].message.content).toBe("echo: hi");
    expect(server.requests).toHaveLength(2);
  });

  it("waits at least Retry-After before the next attempt", async () => {
    await server.close();
    server = await OpenAITestServer.start({ retryAfter: "0.3" });
    const arrivals: number[] = [];
    server.handle("chat", (request) => {
      arrivals.push(Date.now());
      return `ok ${String((request.body.messages as { content: string }[])[0].content)}`;
    });
    server.script("429");
    const before = Date.now();
    await client().post("/chat/completions", chatBody, { schema: chatSchema });
    expect(server.requests).toHaveLength(2);
    // The 429 came right away; the successful attempt only after the server's 300 ms.
    expect(arrivals[0] - before).toBeGreaterThanOrEqual(290);
  });

  it("gives up after maxAttempts with the status, URL and no key", async () => {
    server.handle("chat", () => ({ leak: `authorization: Bearer ${KEY}` }));
    server.script("500", "500", "500");
    const error = await client({ maxAttempts: 3 })
      .post("/chat/completions", chatBody, { schema: chatSchema })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    const callError = error as EngineCallError;
    expect(callError.statusCode).toBe(500);
    expect(callError.endpoint).toBe(`${server.baseUrl}/chat/completions`);
    expect(callError.message).toContain("gave up after 3 attempts");
    expect(server.requests).toHaveLength(3);
  });

  it("redacts the key when the server echoes it back", async () => {
    server.handle("chat", (request) => ({ echoed: request.headers.authorization }));
    const error = (await client({ maxAttempts: 1 })
      .post("/chat/completions", chatBody, { schema: chatSchema })
      .catch((e: unknown) => e)) as EngineCallError;
    expect(error.message).toContain("misses fields");
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it("does not retry a 400 and adds the hint on 404", async () => {
    server.handle("chat", () => new Reply(400, { error: { message: "bad request" } }));
    const bad = (await client().post("/chat/completions", chatBody).catch((e: unknown) => e)) as EngineCallError;
    expect(bad.statusCode).toBe(400);
    expect(bad.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
    const missing = (await client()
      .post("/nothing-here", {}, { hints: { 404: "start the server with --flag" } })
      .catch((e: unknown) => e)) as EngineCallError;
    expect(missing.statusCode).toBe(404);
    expect(missing.message).toContain("start the server with --flag");
  });

  it("reports a connection refused as a retryable EngineCallError", async () => {
    const url = server.baseUrl;
    await server.close();
    server = await OpenAITestServer.start();
    const error = (await new HttpClient({ baseUrls: [url], maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } })
      .post("/chat/completions", chatBody)
      .catch((e: unknown) => e)) as EngineCallError;
    expect(error).toBeInstanceOf(EngineCallError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("request failed");
  });

  it("stops at once when the caller aborts", async () => {
    server.script("hang");
    const controller = new AbortController();
    const pending = client({ timeoutMs: 10_000 }).post("/chat/completions", chatBody, { signal: controller.signal });
    // Aborted once the server holds the request (a first connection can take a while on a busy machine).
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("user stopped"));
    await expect(pending).rejects.toThrow("user stopped");
    expect(server.requests).toHaveLength(1);
  });

  it("spreads requests over several base URLs and posts to each when asked", async () => {
    const other = await OpenAITestServer.start();
    try {
      const both = client({ baseUrls: [server.baseUrl, other.baseUrl], concurrency: 2 });
      await Promise.all(Array.from({ length: 8 }, () => both.post("/chat/completions", chatBody, { schema: chatSchema })));
      expect(server.requests.length).toBeGreaterThan(0);
      expect(other.requests.length).toBeGreaterThan(0);
      expect(server.requests.length + other.requests.length).toBe(8);
      const texts = await both.postEach("/load_lora_adapter", { lora_name: "a", lora_path: "/x" }, { expect: "text" });
      expect(texts).toHaveLength(2);
      expect(server.loras.get("a")).toBe("/x");
      expect(other.loras.get("a")).toBe("/x");
    } finally {
      await other.close();
    }
  });

  it("keeps answering when one of several URLs is down", async () => {
    const dead = await OpenAITestServer.start();
    const deadUrl = dead.baseUrl;
    await dead.close();
    const both = client({ baseUrls: [deadUrl, server.baseUrl], concurrency: 4 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => both.post("/chat/completions", chatBody, { schema: chatSchema })));
    expect(answers).toHaveLength(20);
    expect(server.answered).toHaveLength(20);
    expect(both.snapshot().find((e) => e.baseUrl === deadUrl)?.limit).toBe(1);
  });

  it("cuts a hang at the adaptive timeout once the endpoint has shown fast answers, and says so", async () => {
    const retries: string[] = [];
    const http = client({ timeoutMs: 60_000, timeoutFloorMs: 200, onRetry: (info) => retries.push(`${info.reason}#${info.attempt}`) });
    for (let i = 0; i < 8; i++) await http.post("/chat/completions", chatBody, { schema: chatSchema });
    // A multiple of the fast answers' high percentile, never under the floor (on a loaded machine
    // the answers are slower, so the exact value is not fixed; it is far below the initial 60 s).
    const adapted = http.currentTimeoutMs("/chat/completions");
    expect(adapted).toBeGreaterThanOrEqual(200);
    expect(adapted).toBeLessThan(10_000);
    // A different path has shown nothing yet: it keeps the initial timeout.
    expect(http.currentTimeoutMs("/embeddings")).toBe(60_000);
    server.script("hang");
    const answer = await http.post("/chat/completions", chatBody, { schema: chatSchema });
    expect(answer.choices[0].message.content).toBe("echo: hi");
    expect(retries).toEqual(["timeout#1"]);
  });

  it("applies a timeout that falls while a request is already hanging, and says so without a retry listener", async () => {
    const notices: string[] = [];
    const http = client({ timeoutMs: 60_000, timeoutFloorMs: 300, concurrency: 8, onNotice: (message) => notices.push(message) });
    server.script("hang");
    const hanging = http.post("/chat/completions", chatBody, { schema: chatSchema });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 8; i++) await http.post("/chat/completions", chatBody, { schema: chatSchema });
    // Without re-reading the timeout, the first request would wait 60 s for its hang.
    expect((await hanging).choices[0].message.content).toBe("echo: hi");
    expect(server.requests).toHaveLength(10);
    expect(notices).toContain("1 request timed out so far, retrying (timeout now 0.3 s)");
  });

  it("keeps its concurrency on 500s and halves it on 503 and timeouts", async () => {
    const http = client({ concurrency: 8 });
    server.script("500", "500", "500");
    await Promise.all(Array.from({ length: 3 }, () => http.post("/chat/completions", chatBody, { schema: chatSchema })));
    expect(http.snapshot()[0].limit).toBe(8);
    server.handle("chat", () => new Reply(503, { error: { message: "loading" } }));
    await http.post("/chat/completions", chatBody, { schema: chatSchema }).catch(() => undefined);
    expect(http.snapshot()[0].limit).toBeLessThan(8);
  });
});
