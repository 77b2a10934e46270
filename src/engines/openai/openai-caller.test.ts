import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { migrate } from "../../store/migrations.js";
import { HttpClient } from "../http/http-client.js";
import { RequestCache } from "../request-cache.js";
import { chatResponseSchema } from "./response-schemas.js";
import { CHAT } from "./endpoints.js";
import { OpenAICaller, WRONG_SHAPE_ASKS } from "./openai-caller.js";

let server: OpenAITestServer;
let client: HttpClient;
beforeEach(async () => {
  server = await OpenAITestServer.start();
  client = new HttpClient({ baseUrls: [server.baseUrl], backoff: { baseMs: 1, maxMs: 5 } });
});
afterEach(async () => {
  await client.close();
  await server.close();
});

/** The chat schema, counting how often an answer is validated. */
function countingSchema() {
  const counter = { parses: 0 };
  const schema = chatResponseSchema.superRefine(() => {
    counter.parses++;
  });
  return { schema, counter };
}
const body = (content: string) => ({ model: "m", messages: [{ role: "user", content }] });

describe("OpenAICaller", () => {
  it("validates a live answer once, with or without the request cache, and a cached answer once", async () => {
    const { schema, counter } = countingSchema();
    const plain = new OpenAICaller(client, undefined, "openai", async () => "the server");
    expect((await plain.call(CHAT, body("a"), schema)).value.choices[0].message.content).toBe("echo: a");
    expect(counter.parses).toBe(1);

    const db = new Database(":memory:");
    migrate(db);
    const cached = new OpenAICaller(client, new RequestCache(db), "openai", async () => "the server");
    counter.parses = 0;
    const first = await cached.call(CHAT, body("b"), schema);
    expect(first).toMatchObject({ cached: false, value: { choices: [{ message: { content: "echo: b" } }] } });
    expect(counter.parses).toBe(1);
    counter.parses = 0;
    const again = await cached.call(CHAT, body("b"), schema);
    expect(again).toMatchObject({ cached: true, value: { choices: [{ message: { content: "echo: b" } }] } });
    // Once, as the cache checks the stored answer is usable; the read takes that parse.
    expect(counter.parses).toBe(1);
    expect(server.requests).toHaveLength(2);
    db.close();
  });

  it("asks a wrong-shaped answer again, and names the field when every ask came back wrong", async () => {
    const { schema } = countingSchema();
    const caller = new OpenAICaller(client, undefined, "openai", async () => "the test server");
    server.script("missing-fields", "ok");
    expect((await caller.call(CHAT, body("c"), schema)).value.choices[0].message.content).toBe("echo: c");
    server.clearRecords();
    server.script(...Array.from({ length: WRONG_SHAPE_ASKS }, () => "missing-fields" as const));
    await expect(caller.call(CHAT, body("d"), schema)).rejects.toThrow(/the test server answered \/v1\/chat\/completions in a shape .*choices/);
    expect(server.requests).toHaveLength(WRONG_SHAPE_ASKS);
  });
});
