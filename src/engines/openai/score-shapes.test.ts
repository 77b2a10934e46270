import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CapabilityError, GapfillError } from "../../core/errors.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { freePort } from "../../../test/support/llama-server.js";
import { createEngine } from "../create-engine.js";
import { identifyServer } from "./identify-server.js";
import { tokenLimitOf } from "./openai-engine.js";
import { gbnfLiteral } from "./score.js";

// A generous timeout: a busy machine's first request can take seconds, and a timeout would resend it.
const fastHttp = { backoff: { baseMs: 1, maxMs: 4 }, timeoutMs: 30_000 };

let server: OpenAITestServer;
beforeEach(async () => {
  server = await OpenAITestServer.start();
});
afterEach(async () => {
  await server.close();
});

/** Plays llama.cpp's server: /v1/models owned_by "llamacpp", echo ignored, logprobs.content of generated tokens. */
function playLlamaCpp(): void {
  server.handle("models", () => ({ object: "list", data: [{ id: "m", object: "model", owned_by: "llamacpp", meta: { n_ctx: 512, n_ctx_train: 2048 } }] }));
  server.handle("completions", (request) => {
    const body = request.body;
    // With a grammar that admits one literal, llama.cpp generates exactly it.
    const literal = typeof body.grammar === "string" ? (JSON.parse(body.grammar.replace(/^root ::= /, "")) as string) : "Once";
    const pieces = literal.match(/.{1,3}/gs) ?? [];
    return {
      choices: [{ text: literal, finish_reason: "stop", logprobs: { content: pieces.map((token, i) => ({ id: i, token, bytes: [], logprob: -0.5 - i, top_logprobs: [] })) } }],
      usage: { prompt_tokens: 3, completion_tokens: pieces.length },
    };
  });
}

describe("scoring on every server that can score", () => {
  it("on llama.cpp's server: echo is ignored there, so the engine finds the server and scores by forced decoding", async () => {
    playLlamaCpp();
    const engine = await createEngine(`openai:m@${server.baseUrl}`, { env: {}, http: fastHttp });
    const score = await engine.score("The sky is", ' "blue"\nnow');
    expect(score.tokenLogprobs).toEqual([-0.5, -1.5, -2.5, -3.5]);
    expect(score.meanLoss).toBeCloseTo(2, 10);
    const completions = server.requests.filter((request) => request.route === "completions");
    expect(completions[0].body).toMatchObject({ echo: true, max_tokens: 0 });
    expect(completions[1].body).toEqual({ model: "m", prompt: "The sky is", max_tokens: 12, temperature: 0, logprobs: 1, grammar: 'root ::= " \\"blue\\"\\nnow"' });
    // The method is remembered: the next score goes straight to forced decoding.
    server.clearRecords();
    await engine.score("The sky is", " red");
    expect(server.requests.map((request) => request.route)).toEqual(["completions"]);
  });

  it("concurrent scores that all meet the wrong shape all switch to forced decoding", async () => {
    playLlamaCpp();
    const engine = await createEngine(`openai:m@${server.baseUrl}?concurrency=4`, { env: {}, http: fastHttp });
    const scores = await Promise.all(["a", "b", "c", "d"].map((word) => engine.score("The sky is", ` ${word}`)));
    expect(scores.map((score) => score.tokenLogprobs)).toEqual([[-0.5], [-0.5], [-0.5], [-0.5]]);
  });

  it("a wrong shape under a named ?score= is a bad-response naming the server kind and the field, sent once", async () => {
    playLlamaCpp();
    const engine = await createEngine(`openai:m@${server.baseUrl}?score=echo&max_attempts=6`, { env: {}, http: fastHttp });
    const error = (await engine.score("The sky is", " blue").catch((e: unknown) => e)) as GapfillError;
    expect(error).toBeInstanceOf(GapfillError);
    expect(error.code).toBe("bad-response");
    expect(error.message).toMatch(/^llama\.cpp server at http:\/\/127\.0\.0\.1:\d+\/v1 answered \/v1\/completions .*choices\[0\]\.logprobs has content .* no tokens\/token_logprobs/);
    expect(server.requests.filter((request) => request.route === "completions")).toHaveLength(1);
  });

  it("vLLM prompt_logprobs: a missing field names the field", async () => {
    server.handle("completions", () => ({ choices: [{ text: "", finish_reason: "length" }] }));
    const engine = await createEngine(`openai:m@${server.baseUrl}?score=prompt_logprobs`, { env: {}, http: fastHttp });
    await expect(engine.score("a", "b")).rejects.toThrow(/answered \/v1\/completions in a shape gapfill cannot read \(no choices\[0\]\.prompt_logprobs/);
  });

  it("a forced continuation that comes back different (grammar ignored) is a bad-response, not a wrong score", async () => {
    playLlamaCpp();
    server.handle("completions", () => ({ choices: [{ text: "x", logprobs: { content: [{ token: "Once", logprob: -1 }] } }] }));
    const engine = await createEngine(`openai:m@${server.baseUrl}`, { env: {}, http: fastHttp });
    await expect(engine.score("a", " b")).rejects.toThrow(/ignored the grammar/);
  });

  it("on Ollama, score is not offered: a CapabilityError naming the servers that score", async () => {
    server.handle("completions", () => ({ choices: [{ text: "hi", logprobs: null }] }));
    const realFetch = globalThis.fetch;
    const fetchLikeOllama: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.endsWith("/api/version")) return new Response(JSON.stringify({ version: "0.12.11" }), { status: 200 });
      return realFetch(input, init);
    };
    const engine = await createEngine(`openai:m@${server.baseUrl}`, { env: {}, http: fastHttp, fetch: fetchLikeOllama });
    const error = await engine.score("a", "b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/Ollama gives log-probs of generated tokens only, not of a given text; vLLM and llama.cpp's server do/);
  });

  it("reads the token limit out of llama.cpp's too-long-input errors", () => {
    expect(tokenLimitOf('POST http://x/v1/embeddings: HTTP 500: {"error":{"message":"input (713 tokens) is too large to process. increase the physical batch size (current batch size: 512)"}}')).toBe(512);
    expect(tokenLimitOf("input (713 tokens) is larger than the max context size (256 tokens). skipping")).toBe(256);
    expect(tokenLimitOf("HTTP 500: internal error")).toBeUndefined();
  });

  it("escapes GBNF literals", () => {
    expect(gbnfLiteral('a"b\\c\nd\te')).toBe('"a\\"b\\\\c\\nd\\te"');
  });
});

describe("identifyServer", () => {
  it("tells llama.cpp, vLLM and a plain OpenAI-compatible server apart from their routes", async () => {
    expect(await identifyServer(server.baseUrl)).toEqual({ kind: "openai-compatible" });
    server.handle("models", () => ({ data: [{ id: "m", owned_by: "vllm" }] }));
    expect((await identifyServer(server.baseUrl)).kind).toBe("vllm");
    playLlamaCpp();
    expect(await identifyServer(server.baseUrl)).toEqual({ kind: "llama.cpp", contextSize: 512, trainingContext: 2048 });
  });

  it("says a server is not answering when nothing listens (no retries: one refused connection decides)", async () => {
    const port = await freePort();
    const error = await identifyServer(`http://127.0.0.1:${port}/v1`).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`http://127.0.0.1:${port} is not answering (connection refused); is the server running, and is the URL right?`);
  });

  it("reports a server that accepts the connection but never answers after the probe timeout", async () => {
    const hanging = await OpenAITestServer.start({ faultRate: 1, faultKinds: ["hang"] });
    try {
      const error = await identifyServer(hanging.baseUrl, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/is not answering \(no answer within 300 ms\)/);
    } finally {
      await hanging.close();
    }
  });
});
