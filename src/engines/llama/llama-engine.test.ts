import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { GapfillError, InputError } from "../../core/errors.js";
import type { ProgressEvent } from "../../core/events.js";
import { writeTinyLlamaGguf, writeTinyLoraGguf } from "../../../test/support/tiny-gguf.js";
import { greedyFromSegments } from "./ffi/decode-embeddings.js";
import { FfiModel } from "./ffi/ffi-model.js";
import { createLlamaEngine } from "./llama-engine.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-llama-"));
const modelPath = join(dir, "tiny.gguf");
const quantPath = join(dir, "tiny-q8.gguf");

/** ln p(token) from full logits, in float64: the reference for `score`. */
function logSoftmaxAt(logits: Float32Array, token: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return logits[token] - max - Math.log(sum);
}

describe("createLlamaEngine on a tiny F32 GGUF", () => {
  let engine: Engine;
  const events: ProgressEvent[] = [];
  beforeAll(async () => {
    await writeTinyLlamaGguf(modelPath);
    engine = await createLlamaEngine(modelPath, { threads: 1, contextSize: 256, onEvent: (e) => events.push(e) });
  });
  afterAll(async () => engine?.close());

  it("declares all eight capabilities and a llama: spec", () => {
    expect([...engine.capabilities].sort()).toEqual(["chat", "complete", "decode-embeddings", "embed", "input-embed", "lora", "score", "token-embed"]);
    expect(engine.kind).toBe("llama");
    expect(engine.spec).toBe(`llama:${modelPath}`);
  });

  it("embed: one pooled row per text, distinct texts differ, progress events", async () => {
    const m = await engine.embed(["hello", "world", "hello"]);
    expect([m.rows, m.cols]).toEqual([3, 64]);
    expect(m.data.subarray(0, 64)).toEqual(m.data.subarray(128, 192));
    expect(m.data.subarray(0, 64)).not.toEqual(m.data.subarray(64, 128));
    expect(events.map((e) => e.type)).toEqual(["embed-start", "embed-progress", "embed-progress", "embed-progress", "embed-end"]);
  });

  it("tokenEmbed and inputEmbed: one row per byte token", async () => {
    const hidden = await engine.tokenEmbed("héllo");
    expect([hidden.rows, hidden.cols]).toEqual([6, 64]); // é is two bytes
    const input = await engine.inputEmbed("héllo");
    expect([input.rows, input.cols]).toEqual([6, 64]);
    expect(input.data).not.toEqual(hidden.data);
  });

  it("complete: greedy is deterministic, honours maxTokens, counts real tokens", async () => {
    const a = await engine.complete("hello", { maxTokens: 6 });
    const b = await engine.complete("hello", { maxTokens: 6 });
    expect(a.text).toBe(b.text);
    expect(a.finishReason).toBe("length");
    // node-llama-cpp's token meter: it may sample one token past maxTokens before stopping.
    expect(a.usage.completionTokens).toBeGreaterThanOrEqual(6);
    expect(a.usage.completionTokens).toBeLessThanOrEqual(7);
    expect(a.usage.promptTokens).toBe(6); // BOS + 5 byte tokens
  });

  it("complete with logprobs returns the log-prob of each token behind the text", async () => {
    const g = await engine.complete("hello", { maxTokens: 5, logprobs: true });
    expect(g.tokenLogprobs!.length).toBeGreaterThan(0);
    expect(g.tokenLogprobs!.length).toBeLessThanOrEqual(g.usage.completionTokens);
    for (const lp of g.tokenLogprobs!) expect(lp).toBeLessThanOrEqual(0);
    // Greedy picks the argmax, so the first token is at least as likely as any other: ln p ≥ −ln(vocab).
    expect(g.tokenLogprobs![0]).toBeGreaterThanOrEqual(-Math.log(259));
  });

  it("complete stops at a stop string", async () => {
    const full = await engine.complete("hello", { maxTokens: 12 });
    const stop = full.text.slice(3, 4);
    const cut = await engine.complete("hello", { maxTokens: 12, stop: [stop] });
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(cut.finishReason).toBe("stop");
  });

  it("greedy completion equals the FFI decode of the prompt's input-embedding rows", async () => {
    const completion = await engine.complete("The cat", { maxTokens: 8 });
    const decoded = await engine.decodeEmbeddings(await engine.inputEmbed("The cat"), { maxTokens: 8 });
    expect(decoded.text).toBe(completion.text);
    expect(decoded.usage.completionTokens).toBe(8);
    expect(decoded.finishReason).toBe("length");
  });

  it("chat: template applied, system + user messages, counts tokens", async () => {
    const g = await engine.chat([{ role: "system", content: "Answer briefly." }, { role: "user", content: "hi" }], { maxTokens: 5 });
    expect(g.usage.promptTokens).toBeGreaterThan(2 + "Answer briefly.".length);
    expect(g.usage.completionTokens).toBeGreaterThan(0);
    expect(g.usage.completionTokens).toBeLessThanOrEqual(5);
  });

  it("chat with a JSON schema returns JSON that matches it", async () => {
    const schema = {
      type: "object",
      properties: { answer: { enum: ["yes", "no"] }, ok: { type: "boolean" } },
      required: ["answer", "ok"],
    };
    const g = await engine.chat([{ role: "user", content: "Is it?" }], { maxTokens: 64, jsonSchema: schema });
    const parsed = JSON.parse(g.text) as { answer: string; ok: boolean };
    expect(["yes", "no"]).toContain(parsed.answer);
    expect(typeof parsed.ok).toBe("boolean");
    expect(Object.keys(parsed).sort()).toEqual(["answer", "ok"]);
  });

  it("score equals a direct log-softmax over the full logits (computed through the FFI path)", async () => {
    const prompt = "hello";
    const continuation = " world";
    const scored = await engine.score(prompt, continuation);
    const ffi = await FfiModel.load(modelPath, { threads: 1 });
    try {
      const promptTokens = ffi.tokenize(prompt, true);
      const continuationTokens = ffi.tokenize(continuation, false);
      const all = [...promptTokens, ...continuationTokens];
      const { logits } = greedyFromSegments(ffi, [{ tokens: all }], { maxTokens: 0, collectLogits: true });
      const expected = Array.from(continuationTokens, (token, i) => {
        const row = promptTokens.length - 1 + i;
        return logSoftmaxAt(logits!.data.subarray(row * logits!.cols, (row + 1) * logits!.cols), token);
      });
      expect(scored.tokenLogprobs).toHaveLength(expected.length);
      scored.tokenLogprobs.forEach((lp, i) => expect(lp).toBeCloseTo(expected[i], 4));
      expect(scored.meanLoss).toBeCloseTo(-expected.reduce((a, b) => a + b, 0) / expected.length, 4);
    } finally {
      ffi.free();
    }
  });

  it("validates input: empty texts, empty continuation, bad messages, bad matrices", async () => {
    await expect(engine.embed([])).rejects.toBeInstanceOf(InputError);
    await expect(engine.embed([""])).rejects.toThrow(/text 0 must be a non-empty string/);
    await expect(engine.tokenEmbed("")).rejects.toBeInstanceOf(InputError);
    await expect(engine.inputEmbed("")).rejects.toBeInstanceOf(InputError);
    await expect(engine.complete("")).rejects.toThrow(/prompt/);
    await expect(engine.score("a", "")).rejects.toThrow(/continuation/);
    await expect(engine.chat([])).rejects.toThrow(/at least one message/);
    await expect(engine.chat([{ role: "robot" as "user", content: "x" }])).rejects.toThrow(/role robot/);
    await expect(engine.decodeEmbeddings({ data: new Float32Array(3), rows: 2, cols: 2 })).rejects.toThrow(/rows × cols/);
    await expect(engine.decodeEmbeddings({ data: new Float32Array(10), rows: 2, cols: 5 })).rejects.toThrow(/columns/);
  });
});

describe("LoRA", () => {
  it("a non-zero GGUF LoRA loads and changes the scores; a zero one does not", async () => {
    const base = join(dir, "lora-base.gguf");
    await writeTinyLlamaGguf(base, { seed: 3 });
    const lora = join(dir, "adapter.gguf");
    const zero = join(dir, "zero.gguf");
    await writeTinyLoraGguf(lora, base, { strength: 0.5 });
    await writeTinyLoraGguf(zero, base, { strength: 0 });
    const plain = await createLlamaEngine(base, { threads: 1, contextSize: 256 });
    const withZero = await createLlamaEngine(base, { threads: 1, contextSize: 256 });
    try {
      const before = await plain.score("abc", "def");
      const hiddenBefore = await plain.tokenEmbed("abc");
      await withZero.loadLora(zero);
      expect((await withZero.score("abc", "def")).tokenLogprobs).toEqual(before.tokenLogprobs);
      await plain.loadLora(lora, { scale: 1 });
      const after = await plain.score("abc", "def");
      const changed = after.tokenLogprobs.map((lp, i) => Math.abs(lp - before.tokenLogprobs[i]));
      expect(Math.max(...changed)).toBeGreaterThan(1e-3);
      // The FFI path (per-token embeddings, decode from embeddings) gets the adapter too.
      const hiddenAfter = await plain.tokenEmbed("abc");
      expect(hiddenAfter.data).not.toEqual(hiddenBefore.data);
    } finally {
      await plain.close();
      await withZero.close();
    }
  });

  it("refuses a file that is not a LoRA adapter, and a model file passed as one", async () => {
    const engine = await createLlamaEngine(modelPath, { threads: 1, contextSize: 256 });
    try {
      await expect(engine.loadLora(modelPath)).rejects.toThrow(/is not a GGUF LoRA adapter/);
      await expect(engine.loadLora(join(dir, "nope.gguf"))).rejects.toThrow(/nope\.gguf/);
    } finally {
      await engine.close();
    }
    const adapter = join(dir, "adapter-only.gguf");
    await writeTinyLoraGguf(adapter, {});
    await expect(createLlamaEngine(adapter)).rejects.toThrow(/is a LoRA adapter, not a model/);
  });
});

describe("a quantized (Q8_0) model", () => {
  it("runs every capability", async () => {
    await writeTinyLlamaGguf(quantPath, { quant: "q8_0", seed: 4 });
    const engine = await createLlamaEngine(`llama:${quantPath}`, { threads: 1, contextSize: 256, pooling: "mean" });
    try {
      const pooled = await engine.embed(["abc"]);
      const hidden = await engine.tokenEmbed("abc");
      // Mean pooling = the average of the per-token states.
      for (let c = 0; c < hidden.cols; c++) {
        const mean = (hidden.data[c] + hidden.data[64 + c] + hidden.data[128 + c]) / 3;
        expect(pooled.data[c]).toBeCloseTo(mean, 5);
      }
      const rows = await engine.inputEmbed("abc");
      const decoded = await engine.decodeEmbeddings(rows, { prefix: "Copy: ", maxTokens: 4 });
      expect(decoded.usage.completionTokens).toBeLessThanOrEqual(4);
      const completion = await engine.complete("abc", { maxTokens: 3 });
      expect(completion.usage.promptTokens).toBe(4);
      expect(completion.usage.completionTokens).toBeGreaterThan(0);
      expect((await engine.chat([{ role: "user", content: "abc" }], { maxTokens: 3 })).usage.completionTokens).toBeGreaterThan(0);
      expect((await engine.score("ab", "c")).tokenLogprobs).toHaveLength(1);
    } finally {
      await engine.close();
    }
    await expect(engine.complete("x")).rejects.toThrow(/closed/);
  });
});

describe("model sources", () => {
  it("a missing file is an InputError naming the path", async () => {
    const missing = join(dir, "missing.gguf");
    const error = await createLlamaEngine(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(missing);
  });

  it("a non-GGUF file is a clear error", async () => {
    const path = join(dir, "weights.bin");
    writeFileSync(path, Buffer.alloc(64, 7));
    await expect(createLlamaEngine(path)).rejects.toThrow(/is not a GGUF file/);
  });

  it("an hf: URI that cannot be downloaded fails with a GapfillError naming the URI", async () => {
    const error = await createLlamaEngine("hf:nobody/nothing:Q4_K_M", { modelsDirectory: join(dir, "models"), downloadTimeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GapfillError);
    expect((error as GapfillError).code).toBe("model-download");
    expect((error as Error).message).toContain("hf:nobody/nothing:Q4_K_M");
    expect((error as Error).message).toMatch(/download failed/);
  });
});
