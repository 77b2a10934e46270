import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadReferenceLlama, meanOfRows, type ReferenceLlama, referenceHiddenStates } from "../../../../test/support/llama-reference.js";
import { sharedDataPath } from "../../../../test/support/shared-data.js";
import { writeTinyLlamaGguf } from "../../../../test/support/tiny-gguf.js";
import { getLlamaRuntime } from "../llama-runtime.js";
import { FfiModel } from "./ffi-model.js";
import { LLAMA_POOLING_TYPE_MEAN } from "./libllama.js";
import { decodesExactly, embeddingTokens, pooledEmbeddings } from "./pooled-embed.js";

/** Largest |a − b| over all rows, and the largest |b| (the scale it is measured against). */
function largestDifference(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): { difference: number; scale: number } {
  let difference = 0;
  let scale = 0;
  a.forEach((row, r) => {
    expect(row.length).toBe(b[r].length);
    for (let c = 0; c < row.length; c++) {
      difference = Math.max(difference, Math.abs(row[c] - b[r][c]));
      scale = Math.max(scale, Math.abs(b[r][c]));
    }
  });
  return { difference, scale };
}

describe("pooled embeddings on stories260K against a float64 forward pass", () => {
  let model: FfiModel;
  let reference: ReferenceLlama;
  let texts: string[];
  let states: Float64Array[][];
  beforeAll(async () => {
    const path = sharedDataPath("stories260K");
    model = await FfiModel.load(path, { threads: 1 });
    reference = await loadReferenceLlama(path);
    texts = readFileSync(sharedDataPath("gsm8k-train"), "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .slice(0, 12)
      .map((line) => (JSON.parse(line) as { question: string }).question);
    states = texts.map((text) => referenceHiddenStates(reference, embeddingTokens(model, text, 2047).ids));
  });
  afterAll(() => model?.free());

  it("model pooling (none in this GGUF) is the last token's state, to float32 rounding", async () => {
    const { rows, truncated } = await pooledEmbeddings(model, texts, { pooling: "model", contextSize: 2048 });
    expect(truncated).toBe(0);
    const { difference, scale } = largestDifference(rows, states.map((s) => s[s.length - 1]));
    expect(scale).toBeGreaterThan(1);
    // Measured 2.6e-6 on states up to 10.5; flash attention's float16 (node-llama-cpp, llama-server) is 4.7e-3 off.
    expect(difference).toBeLessThan(2e-5);
  });

  it("two lanes (two one-thread contexts side by side) give the very vectors one lane gives, in input order", async () => {
    const one = await pooledEmbeddings(model, texts, { pooling: "model", contextSize: 2048 });
    let ticks = 0;
    const two = await pooledEmbeddings(model, texts, { pooling: "model", contextSize: 2048, lanes: 2, onProgress: () => ticks++ });
    expect(two.rows).toEqual(one.rows);
    expect(ticks).toBe(texts.length);
  });

  it("mean pooling averages the text's own tokens, BOS not counted", async () => {
    const { rows } = await pooledEmbeddings(model, texts, { pooling: "mean", contextSize: 2048 });
    expect(largestDifference(rows, states.map((s) => meanOfRows(s, 1))).difference).toBeLessThan(1e-5);
    // Counting BOS would be another vector.
    expect(largestDifference(rows, states.map((s) => meanOfRows(s, 0))).difference).toBeGreaterThan(1e-3);
  });

  it("llama.cpp's own mean pooling (llama-server --pooling mean) averages every position", async () => {
    const { rows } = await pooledEmbeddings(model, texts, { pooling: "model", poolingType: LLAMA_POOLING_TYPE_MEAN, contextSize: 2048 });
    expect(largestDifference(rows, states.map((s) => meanOfRows(s, 0))).difference).toBeLessThan(1e-5);
  });

  it("is close to node-llama-cpp's embedding context, the path it replaced (float16 attention there)", async () => {
    const llamaModel = await (await getLlamaRuntime()).loadModel({ modelPath: sharedDataPath("stories260K"), gpuLayers: 0 });
    const context = await llamaModel.createEmbeddingContext({ contextSize: 2048, threads: 1 });
    try {
      const before: number[][] = [];
      for (const text of texts.slice(0, 4)) before.push([...(await context.getEmbeddingFor(text)).vector]);
      const { rows } = await pooledEmbeddings(model, texts.slice(0, 4), { pooling: "model", contextSize: 2048 });
      const { difference, scale } = largestDifference(rows, before);
      expect(difference).toBeLessThan(1e-3 * scale);
      expect(difference).toBeGreaterThan(0);
    } finally {
      await context.dispose();
      await llamaModel.dispose();
    }
  });

  it("a text at the context is cut to its first tokens, BOS kept, and counted", async () => {
    const long = texts.join(" ");
    const cut = embeddingTokens(model, long, 63);
    expect(cut.truncated).toBe(true);
    expect(cut.ids.length).toBe(63);
    expect(cut.ids[0]).toBe(1); // BOS
    expect(Array.from(cut.ids.subarray(1))).toEqual(Array.from(model.tokenize(long, false).subarray(0, 62)));
    const { rows, truncated } = await pooledEmbeddings(model, ["Lily went to the park.", long], { pooling: "model", contextSize: 64 });
    expect(truncated).toBe(1);
    const expected = referenceHiddenStates(reference, cut.ids);
    expect(largestDifference([rows[1]], [expected[expected.length - 1]]).difference).toBeLessThan(2e-5);
  });
});

describe("a GGUF that names its pooling", () => {
  it("model pooling pools as the GGUF says (mean here), exactly as the float64 forward pass", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "gapfill-pooled-")), "mean-pooling.gguf");
    await writeTinyLlamaGguf(path, { seed: 9, poolingType: 1 });
    const model = await FfiModel.load(path, { threads: 1 });
    try {
      const reference = await loadReferenceLlama(path);
      const texts = ["hello", "a longer text of bytes"];
      const { rows } = await pooledEmbeddings(model, texts, { pooling: "model", contextSize: 256 });
      const expected = texts.map((text) => meanOfRows(referenceHiddenStates(reference, model.tokenize(text, true))));
      const { difference, scale } = largestDifference(rows, expected);
      expect(difference).toBeLessThan(1e-5 * Math.max(1, scale));
    } finally {
      model.free();
    }
  });
});

describe("texts too long for a float32 attention matrix", () => {
  it("decode with flash attention, beside short ones in float32, each row in its place", async () => {
    // A 1 MiB budget: 300 tokens × 512 cells × 4 heads × 4 bytes is 2.3 MiB, 12 tokens × 256 × 4 × 4 is 48 KiB.
    const budget = 2 ** 20;
    const path = join(mkdtempSync(join(tmpdir(), "gapfill-pooled-")), "long-text.gguf");
    await writeTinyLlamaGguf(path, { seed: 3, context: 1024 });
    const model = await FfiModel.load(path, { threads: 1 });
    try {
      const reference = await loadReferenceLlama(path);
      const texts = ["ab".repeat(150), "a short text"];
      const inputs = texts.map((text) => embeddingTokens(model, text, 1023).ids);
      expect(inputs.map((ids) => decodesExactly(ids.length, model.nHead, budget))).toEqual([false, true]);
      const { rows } = await pooledEmbeddings(model, texts, { pooling: "model", contextSize: 1024, lanes: 2, exactAttentionBytes: budget });
      const expected = inputs.map((ids) => {
        const states = referenceHiddenStates(reference, ids);
        return states[states.length - 1];
      });
      const long = largestDifference([rows[0]], [expected[0]]);
      const short = largestDifference([rows[1]], [expected[1]]);
      expect(short.difference).toBeLessThan(1e-5 * Math.max(1, short.scale));
      // Flash attention's float16 shows (the same text in float32 is 10× closer), but it is the same vector.
      const inFloat32 = await pooledEmbeddings(model, [texts[0]], { pooling: "model", contextSize: 1024 });
      const exactLong = largestDifference(inFloat32.rows, [expected[0]]);
      expect(exactLong.difference).toBeLessThan(1e-5 * Math.max(1, exactLong.scale));
      expect(long.difference).toBeGreaterThan(10 * exactLong.difference);
      expect(long.difference).toBeLessThan(2e-2 * long.scale);
    } finally {
      model.free();
    }
  });
});

describe("which texts decode in float32", () => {
  it("follows the attention matrix's size: tokens × 256-cell blocks × heads × 4 bytes within 256 MiB", () => {
    expect(decodesExactly(2048, 8)).toBe(true); // stories260K's whole trained context: 128 MiB
    expect(decodesExactly(4096, 8)).toBe(false); // 512 MiB
    expect(decodesExactly(1280, 32)).toBe(true); // 1280 × 1280 cells × 32 × 4: 200 MiB
    expect(decodesExactly(1300, 32)).toBe(true); // 1300 × 1536 cells (the 256-cell padding) × 32 × 4: 244 MiB
    expect(decodesExactly(1400, 32)).toBe(false); // 1400 × 1536 × 32 × 4: 262.5 MiB

  });
});
