import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedDataPath } from "../../../../test/support/shared-data.js";
import { writeTinyLlamaGguf } from "../../../../test/support/tiny-gguf.js";
import { getLlamaRuntime } from "../llama-runtime.js";
import { FfiModel } from "./ffi-model.js";
import { packSequences, pooledEmbeddings } from "./pooled-embed.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-pooled-"));

const TEXTS = [
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
  "hi",
  "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?",
  "Once upon a time, there was a little girl named Lily.",
  "a",
  "Betty is saving money for a new wallet which costs $100.",
  "hi",
];

describe("packSequences", () => {
  it("keeps order, fills each pack up to the token budget and the sequence cap", () => {
    // Padded to the longest of the pack: 4×2 fits 8; then 5×2 would not, so 5 starts a pack; 5 and 1 make 10.
    expect(packSequences([3, 4, 5, 1], 8, 10)).toEqual([{ start: 0, end: 2 }, { start: 2, end: 3 }, { start: 3, end: 4 }]);
    expect(packSequences([4, 3, 2, 2], 8, 10)).toEqual([{ start: 0, end: 2 }, { start: 2, end: 4 }]);
    expect(packSequences([1, 1, 1, 1, 1], 100, 2)).toEqual([{ start: 0, end: 2 }, { start: 2, end: 4 }, { start: 4, end: 5 }]);
  });

  it("refuses a sequence longer than the budget", () => {
    expect(() => packSequences([3, 9], 8, 10)).toThrow(/9 tokens does not fit a decode of 8/);
  });
});

/**
 * Batched (many sequences per llama_decode) against node-llama-cpp's embedding context, one
 * text per call: the vectors gapfill returned before batching. threads: 1 on both sides.
 */
describe.each([
  ["the tiny GGUF", async () => {
    const path = join(dir, "tiny.gguf");
    await writeTinyLlamaGguf(path, { seed: 7 });
    return path;
  }],
  ["stories260K", async () => sharedDataPath("stories260K")],
] as const)("pooled embeddings on %s", (_name, modelPath) => {
  let ffi: FfiModel;
  let model: LlamaModel;
  let oneByOne: Float32Array[];
  beforeAll(async () => {
    const path = await modelPath();
    ffi = await FfiModel.load(path, { threads: 1 });
    model = await (await getLlamaRuntime()).loadModel({ modelPath: path, gpuLayers: 0 });
    const context = await model.createEmbeddingContext({ contextSize: Math.min(512, model.trainContextSize), threads: 1 });
    oneByOne = [];
    for (const text of TEXTS) oneByOne.push(Float32Array.from((await context.getEmbeddingFor(text)).vector));
    await context.dispose();
  });
  afterAll(async () => {
    ffi?.free();
    await model?.dispose();
  });

  const maxDifference = (a: Float32Array[], b: Float32Array[]) =>
    Math.max(...a.map((row, i) => Math.max(...row.map((v, c) => Math.abs(v - b[i][c])))));

  it("equals node-llama-cpp's one-text-per-call vectors within 1e-5, several texts per decode", () => {
    const sequences = TEXTS.map((text) => ffi.tokenize(text, true));
    let decodes = 0;
    const batched = pooledEmbeddings(ffi, sequences, { batchTokens: 512, maxSequences: 4, onProgress: () => decodes++ });
    // Several texts per decode, at most 4 (maxSequences): 7 texts take 2 to 6 decodes, never 7.
    expect(decodes).toBeGreaterThanOrEqual(2);
    expect(decodes).toBeLessThan(TEXTS.length);
    expect(batched).toHaveLength(TEXTS.length);
    expect(batched[0]).toHaveLength(oneByOne[0].length);
    expect(maxDifference(batched, oneByOne)).toBeLessThan(1e-5);
    // Not a broadcast: different texts, different vectors; the same text, the same vector.
    expect(maxDifference([batched[0]], [batched[2]])).toBeGreaterThan(1e-3);
    expect(maxDifference([batched[1]], [batched[6]])).toBeLessThan(1e-5);
  });

  it("gives the same vectors one sequence per decode as many per decode", () => {
    const sequences = TEXTS.map((text) => ffi.tokenize(text, true));
    const single = pooledEmbeddings(ffi, sequences, { batchTokens: 512, maxSequences: 1 });
    const many = pooledEmbeddings(ffi, sequences, { batchTokens: 512, maxSequences: 64 });
    expect(maxDifference(single, many)).toBeLessThan(1e-5);
  });
});
