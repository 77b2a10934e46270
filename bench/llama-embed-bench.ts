/**
 * Embedded-engine embedding throughput: stories260K, the first 500 GSM8K train questions,
 * threads: 1. Texts/s of `embed` (many texts per `llama_decode` through the FFI) beside
 * node-llama-cpp's embedding context one text per call (what `embed` did before), and the
 * largest difference between the two vectors of a text. Returns figures, prints nothing.
 */
import { readFileSync } from "node:fs";
import { createLlamaEngine } from "../src/engines/llama/llama-engine.js";
import { getLlamaRuntime } from "../src/engines/llama/llama-runtime.js";
import { sharedDataPath } from "../test/support/shared-data.js";

/** Options of {@link benchLlamaEmbed}. */
export interface LlamaEmbedBenchOptions {
  /** GSM8K questions to embed. Default 500. */
  texts?: number;
  /** CPU threads on both sides. Default 1 (stories260K is too small to split). */
  threads?: number;
}

export async function benchLlamaEmbed(options: LlamaEmbedBenchOptions = {}): Promise<{ name: string; figures: Record<string, number> }> {
  const count = options.texts ?? 500;
  const threads = options.threads ?? 1;
  const model = sharedDataPath("stories260K");
  const texts = readFileSync(sharedDataPath("gsm8k-train"), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .slice(0, count)
    .map((line) => (JSON.parse(line) as { question: string }).question);

  // Before: node-llama-cpp's embedding context, one text per call.
  const llamaModel = await (await getLlamaRuntime()).loadModel({ modelPath: model, gpuLayers: 0 });
  const context = await llamaModel.createEmbeddingContext({ contextSize: Math.min(4096, llamaModel.trainContextSize), threads });
  await context.getEmbeddingFor(texts[0]);
  let started = performance.now();
  const before: Float32Array[] = [];
  for (const text of texts) before.push(Float32Array.from((await context.getEmbeddingFor(text)).vector));
  const beforeSeconds = (performance.now() - started) / 1000;
  await context.dispose();
  await llamaModel.dispose();

  // After: the engine's embed, batched.
  const engine = await createLlamaEngine(model, { threads });
  await engine.embed(texts.slice(0, 1));
  started = performance.now();
  const after = await engine.embed(texts);
  const afterSeconds = (performance.now() - started) / 1000;
  await engine.close();

  let maxDifference = 0;
  before.forEach((row, i) => row.forEach((v, c) => (maxDifference = Math.max(maxDifference, Math.abs(v - after.data[i * after.cols + c])))));
  return {
    name: `llama embed, stories260K, ${texts.length} GSM8K questions, threads ${threads}`,
    figures: {
      "one text per call texts/s": texts.length / beforeSeconds,
      "batched embed texts/s": texts.length / afterSeconds,
      "speedup": beforeSeconds / afterSeconds,
      "max |difference|": maxDifference,
    },
  };
}
