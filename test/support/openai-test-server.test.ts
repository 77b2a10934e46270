import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAITestServer, Reply, type Fault } from "./openai-test-server.js";

let server: OpenAITestServer;
beforeEach(async () => {
  server = await OpenAITestServer.start({ dimensions: 6 });
});
afterEach(async () => {
  await server.close();
});

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...init });
const chat = (content: string) => post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content }] });

describe("OpenAITestServer", () => {
  it("listens on loopback and records every request with headers and body", async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] }, {
      headers: { "content-type": "application/json", authorization: "Bearer k" },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ route: "chat", method: "POST", path: "/v1/chat/completions", body: { model: "m" } });
    expect(server.requests[0].headers.authorization).toBe("Bearer k");
    expect(server.answered).toHaveLength(1);
  });

  it("answers embeddings with deterministic unit vectors of the configured size", async () => {
    const first = (await (await post("/v1/embeddings", { model: "m", input: ["a", "b"] })).json()) as { data: { embedding: number[] }[] };
    const again = (await (await post("/v1/embeddings", { model: "m", input: ["a"] })).json()) as { data: { embedding: number[] }[] };
    expect(first.data).toHaveLength(2);
    expect(first.data[0].embedding).toHaveLength(6);
    expect(Math.hypot(...first.data[0].embedding)).toBeCloseTo(1, 6);
    expect(again.data[0].embedding).toEqual(first.data[0].embedding);
    expect(first.data[1].embedding).not.toEqual(first.data[0].embedding);
  });

  it("lets a test replace a route's answer with a string, a body or a Reply", async () => {
    server.handle("chat", (request) => `you said ${(request.body.messages as { content: string }[])[0].content}`);
    const text = (await (await chat("x")).json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    expect(text.choices[0].message.content).toBe("you said x");
    expect(text.usage.completion_tokens).toBe(3);
    server.handle("chat", () => new Reply(418, { error: "teapot" }, { "x-test": "1" }));
    const response = await chat("y");
    expect(response.status).toBe(418);
    expect(response.headers.get("x-test")).toBe("1");
    expect(server.answered).toHaveLength(1);
  });

  it("plays scripted faults in order, then answers normally", async () => {
    server.script("429", "500", "non-json", "missing-fields", "truncated", "ok");
    const limited = await chat("a");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("0");
    expect((await chat("b")).status).toBe(500);
    const html = await chat("c");
    expect(html.headers.get("content-type")).toBe("text/html");
    await expect(html.json()).rejects.toThrow();
    const missing = (await (await chat("d")).json()) as Record<string, unknown>;
    expect(missing.choices).toBeUndefined();
    const truncated = await chat("e");
    await expect(truncated.text()).rejects.toThrow();
    expect((await chat("f")).status).toBe(200);
    expect(server.requests).toHaveLength(6);
    expect(server.answered.map((r) => (r.body.messages as { content: string }[])[0].content)).toEqual(["f"]);
  });

  it("hangs until the client gives up, and close() cuts hung connections", async () => {
    server.script("hang");
    const controller = new AbortController();
    const pending = chat("h").catch((e: unknown) => e);
    const aborted = post("/v1/chat/completions", {}, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
    server = await OpenAITestServer.start();
  });

  it("draws random faults reproducibly from its seed", async () => {
    const statuses = async (seed: number) => {
      server.setFaults(0.5, ["429", "500"] as Fault[], seed);
      const out: number[] = [];
      for (let i = 0; i < 12; i += 1) out.push((await chat(`r${i}`)).status);
      return out;
    };
    const first = await statuses(7);
    expect(await statuses(7)).toEqual(first);
    expect(first.some((status) => status !== 200)).toBe(true);
    expect(first.some((status) => status === 200)).toBe(true);
  });

  it("answers 404 for unknown and disabled routes, loads LoRAs and lists them", async () => {
    expect((await post("/v1/nothing", {})).status).toBe(404);
    await server.close();
    server = await OpenAITestServer.start({ disabledRoutes: ["pooling"] });
    expect((await post("/pooling", { input: "x", task: "token_embed" })).status).toBe(404);
    const loaded = await post("/v1/load_lora_adapter", { lora_name: "r1", lora_path: "/a" });
    expect(await loaded.text()).toContain("added successfully");
    expect((await post("/v1/load_lora_adapter", { lora_name: "r1" })).status).toBe(400);
    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["test-model", "r1"]);
  });
});
