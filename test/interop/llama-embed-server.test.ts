/**
 * The embedded engine's embeddings against llama.cpp's own llama-server on the same GGUF
 * (stories260K) and the same GSM8K questions: with the server's pooling (mean over every
 * position) and normalisation (unit length), the vectors agree to the server's own float16
 * rounding, and a float64 forward pass says which of the two is the closer.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FfiModel } from "../../src/engines/llama/ffi/ffi-model.js";
import { LLAMA_POOLING_TYPE_MEAN } from "../../src/engines/llama/ffi/libllama.js";
import { embeddingTokens, pooledEmbeddings } from "../../src/engines/llama/ffi/pooled-embed.js";
import { loadReferenceLlama, meanOfRows, referenceHiddenStates, unitLength } from "../support/llama-reference.js";
import { type RunningLlamaServer, startLlamaServer } from "../support/llama-server.js";
import { sharedDataPath } from "../support/shared-data.js";

function largestDifference(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  let largest = 0;
  a.forEach((row, r) => {
    expect(row.length).toBe(b[r].length);
    for (let c = 0; c < row.length; c++) largest = Math.max(largest, Math.abs(row[c] - b[r][c]));
  });
  return largest;
}

let server: RunningLlamaServer;
let model: FfiModel;

beforeAll(async () => {
  server = await startLlamaServer({ model: sharedDataPath("stories260K"), embeddings: true, context: 1024, args: ["-b", "1024", "-ub", "1024"] });
  model = await FfiModel.load(sharedDataPath("stories260K"), { threads: 1 });
}, 120_000);

afterAll(async () => {
  model?.free();
  await server?.close();
});

describe("embedded embeddings beside llama-server --embeddings --pooling mean", () => {
  it("agree to float16 rounding, and the embedded ones are the closer to a float64 forward pass", async () => {
    const texts = readFileSync(sharedDataPath("gsm8k-train"), "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .slice(0, 10)
      .map((line) => (JSON.parse(line) as { question: string }).question);
    const response = await fetch(`${server.baseUrl}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: texts, encoding_format: "float" }),
    });
    expect(response.status).toBe(200);
    const served = ((await response.json()) as { data: Array<{ index: number; embedding: number[] }> }).data
      .sort((a, b) => a.index - b.index)
      .map((item) => item.embedding);
    const { rows } = await pooledEmbeddings(model, texts, { pooling: "model", poolingType: LLAMA_POOLING_TYPE_MEAN, contextSize: 2048 });
    const ours = rows.map((row) => unitLength(row));
    const reference = await loadReferenceLlama(sharedDataPath("stories260K"));
    const exact = texts.map((text) => unitLength(meanOfRows(referenceHiddenStates(reference, embeddingTokens(model, text, 2047).ids))));

    // Measured on 200 questions: 1.4e-4 apart; server 1.1e-4 from float64, embedded 1.2e-7.
    expect(largestDifference(ours, served)).toBeLessThan(5e-4);
    const oursError = largestDifference(ours, exact);
    const serverError = largestDifference(served, exact);
    expect(oursError).toBeLessThan(1e-6);
    expect(serverError).toBeGreaterThan(10 * oursError);
  });
});
