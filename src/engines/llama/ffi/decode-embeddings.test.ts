import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../../../../test/support/tiny-gguf.js";
import { readGgufHeader } from "../gguf/gguf-reader.js";
import { GgmlType } from "../gguf/gguf-types.js";
import { inputEmbeddingRows } from "../input-embed.js";
import { decodeFromEmbeddings, greedyFromSegments } from "./decode-embeddings.js";
import { FfiModel } from "./ffi-model.js";
import { tokenEmbeddings } from "./token-embed.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-ffi-"));
const TEXT = "The quick brown fox";

describe.each([
  ["f32", GgmlType.F32],
  ["q8_0", GgmlType.Q8_0],
  ["q4_0", GgmlType.Q4_0],
] as const)("decode from input embeddings, %s model", (quant, expectedType) => {
  let model: FfiModel;
  let path: string;
  beforeAll(async () => {
    path = join(dir, `tiny-${quant}.gguf`);
    await writeTinyLlamaGguf(path, { quant });
    model = await FfiModel.load(path, { threads: 1 });
  });
  afterAll(() => model?.free());

  it("token_embd is stored in the expected type", async () => {
    expect((await readGgufHeader(path)).tensors.get("token_embd.weight")?.type).toBe(expectedType);
  });

  it("input-embedding rows give exactly the logits of the tokens, at every position and generation step", async () => {
    const header = await readGgufHeader(path);
    const tokens = Array.from(model.tokenize(TEXT, false));
    const rows = await inputEmbeddingRows(header, tokens);
    expect(rows.rows).toBe(tokens.length);
    expect(rows.cols).toBe(model.nEmbdInput);
    const bos = model.tokenize("", true);
    const suffix = model.tokenize(" jumps", false);
    const fromTokens = greedyFromSegments(model, [{ tokens: bos }, { tokens }, { tokens: suffix }], { maxTokens: 10, collectLogits: true });
    const fromRows = greedyFromSegments(model, [{ tokens: bos }, { embeddings: rows }, { tokens: suffix }], { maxTokens: 10, collectLogits: true });
    expect(fromTokens.logits!.rows).toBe(bos.length + tokens.length + suffix.length + 9);
    expect(fromRows.logits!.rows).toBe(fromTokens.logits!.rows);
    let maxDifference = 0;
    for (let i = 0; i < fromTokens.logits!.data.length; i++) {
      maxDifference = Math.max(maxDifference, Math.abs(fromTokens.logits!.data[i] - fromRows.logits!.data[i]));
    }
    expect(maxDifference).toBe(0);
    expect(fromRows.tokens).toEqual(fromTokens.tokens);
    expect(fromRows.text).toBe(fromTokens.text);
    expect(fromRows.tokens).toHaveLength(10);
  });

  it("rows perturbed away from the token rows change the logits (the embd path is really used)", async () => {
    const header = await readGgufHeader(path);
    const tokens = Array.from(model.tokenize(TEXT, false));
    const rows = await inputEmbeddingRows(header, tokens);
    const shifted = { ...rows, data: rows.data.map((v) => v * 0.5) };
    const bos = model.tokenize("", true);
    const a = greedyFromSegments(model, [{ tokens: bos }, { embeddings: rows }], { maxTokens: 0, collectLogits: true });
    const b = greedyFromSegments(model, [{ tokens: bos }, { embeddings: shifted }], { maxTokens: 0, collectLogits: true });
    const last = (a.logits!.rows - 1) * model.nVocab;
    expect(a.logits!.data.subarray(last)).not.toEqual(b.logits!.data.subarray(last));
  });

  it("decodeFromEmbeddings puts prefix tokens, rows, suffix tokens in order", async () => {
    const header = await readGgufHeader(path);
    const rows = await inputEmbeddingRows(header, Array.from(model.tokenize("fox", false)));
    const viaApi = decodeFromEmbeddings(model, rows, { prefix: "Copy: ", suffix: " =", maxTokens: 6 });
    const manual = greedyFromSegments(model, [{ tokens: model.tokenize("Copy: fox =", true) }], { maxTokens: 6 });
    expect(viaApi.promptTokens).toBe(manual.promptTokens);
    expect(viaApi.tokens).toEqual(manual.tokens);
  });
});

describe("per-token embeddings (pooling none)", () => {
  let model: FfiModel;
  beforeAll(async () => {
    const path = join(dir, "tiny-embed.gguf");
    await writeTinyLlamaGguf(path, { seed: 5 });
    model = await FfiModel.load(path, { threads: 1 });
  });
  afterAll(() => model?.free());

  it("returns one hidden state per text token, causal: a prefix's rows equal the longer text's first rows", () => {
    const full = tokenEmbeddings(model, "abcdef");
    const prefix = tokenEmbeddings(model, "abc");
    expect(full.rows).toBe(6);
    expect(full.cols).toBe(64);
    expect(prefix.rows).toBe(3);
    for (let i = 0; i < prefix.data.length; i++) expect(full.data[i]).toBeCloseTo(prefix.data[i], 4);
    // Different tokens, different states: rows are not a broadcast of one pooled vector.
    expect(full.data.subarray(0, 64)).not.toEqual(full.data.subarray(64, 128));
  });

  it("refuses a text longer than the context", () => {
    expect(() => tokenEmbeddings(model, "x".repeat(400))).toThrow(/do not fit the context/);
  });
});
