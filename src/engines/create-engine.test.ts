import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineCallError, GapfillError, OptionError } from "../core/errors.js";
import { createEngine } from "./create-engine.js";
import { writeTinyLlamaGguf } from "../../test/support/tiny-gguf.js";

/** A fetch that records calls and answers a fixed chat completion. */
function recordingFetch() {
  const calls: { url: string; headers: Record<string, string>; body: unknown }[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify({ choices: [{ message: { content: "ok" }, finish_reason: "stop" }] }), { status: 200 });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe("createEngine", () => {
  it("routes ollama:MODEL to the local OpenAI-compatible route without sending OPENAI_API_KEY", async () => {
    const { calls, fetchImpl } = recordingFetch();
    const engine = await createEngine("ollama:llama3.1:8b", { fetch: fetchImpl, env: { OPENAI_API_KEY: "sk-not-for-ollama" } });
    expect(engine.spec).toBe("ollama:llama3.1:8b");
    expect((await engine.chat([{ role: "user", content: "hi" }])).text).toBe("ok");
    expect(calls[0].url).toBe("http://127.0.0.1:11434/v1/chat/completions");
    expect(calls[0].headers.authorization).toBeUndefined();
    expect(calls[0].body).toMatchObject({ model: "llama3.1:8b" });
  });

  it("sends the key from the variable the spec names, and keeps it out of the spec", async () => {
    const { calls, fetchImpl } = recordingFetch();
    const engine = await createEngine("openai:gpt-x@https://api.example.test/v1?api_key_env=TEAM_KEY", {
      fetch: fetchImpl,
      env: { TEAM_KEY: "sk-team-secret", OPENAI_API_KEY: "sk-other" },
    });
    await engine.chat([{ role: "user", content: "hi" }]);
    expect(calls[0].headers.authorization).toBe("Bearer sk-team-secret");
    expect(engine.spec).not.toContain("sk-team-secret");
    expect(engine.spec).toBe("openai:gpt-x@https://api.example.test/v1?api_key_env=TEAM_KEY");
  });

  it("fails with an OptionError naming the option for a bad spec, and a coded error for a missing key variable", async () => {
    await expect(createEngine("nonsense", { option: "teacher" })).rejects.toMatchObject({ option: "teacher", code: "bad-engine-spec" });
    await expect(createEngine("nonsense", { flag: "--student" })).rejects.toBeInstanceOf(OptionError);
    await expect(createEngine("nonsense", { flag: "--student" })).rejects.toMatchObject({ option: "student" });
    const missingKey = createEngine("openai:m@http://127.0.0.1:9/v1?api_key_env=ABSENT", { env: {} });
    await expect(missingKey).rejects.toBeInstanceOf(GapfillError);
    await expect(missingKey).rejects.toMatchObject({ code: "api-key-missing", userFixable: true });
  });

  it("applies spec transport options over the context's (timeout here)", async () => {
    const hanging = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
    const engine = await createEngine("openai:m@http://127.0.0.1:9/v1?timeout=0.05&max_attempts=2", {
      fetch: hanging,
      env: {},
      http: { timeoutMs: 60_000, maxAttempts: 9, backoff: { baseMs: 1, maxMs: 2 } },
    });
    const error = (await engine.chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e)) as EngineCallError;
    expect(error).toBeInstanceOf(EngineCallError);
    expect(error.message).toContain("within 50 ms");
    expect(error.message).toContain("gave up after 2 attempts");
  });

  it("loads a llama: spec through the llama engine with the spec's options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-create-"));
    try {
      const path = join(dir, "tiny.gguf");
      await writeTinyLlamaGguf(path);
      const engine = await createEngine(`llama:${path}?threads=1&context=128`);
      try {
        expect(engine.kind).toBe("llama");
        expect(engine.capabilities.has("input-embed")).toBe(true);
        const generation = await engine.complete("ab", { maxTokens: 2 });
        expect(generation.finishReason).toBe("length");
        expect(generation.text.length).toBeGreaterThan(0);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
