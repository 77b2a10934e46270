/**
 * Embedding throughput of the embedded engine against llama.cpp's own server (issue 16): the
 * same GGUF (stories260K), the same texts (the first 500 GSM8K train questions, ~146 tokens
 * each with its byte-heavy 512-token vocab), the same threads (1, then 2), in one run.
 *
 * Timed, interleaved per round so load from other processes falls on all alike (medians):
 * - embedded: `embed` of the llama engine as gapfill's map calls it (`llama:…?threads=N`, its
 *   default pooling), all texts in one call;
 * - node-llama-cpp: its embedding context one text per call, the path `embed` took before;
 * - server via gapfill: `llama-server --embeddings --pooling mean -t N -np 1`, through the
 *   OpenAI engine's `embed` (64 texts per request, requests in flight as its limiter allows);
 * - server raw: every text in one `/v1/embeddings` request.
 * Vectors: the engine's FFI path with llama.cpp's mean pooling (what the server was told to use),
 * normalised as the server normalises, against the server's own; both against a float64
 * forward pass on the first 40 texts. Returns figures, prints nothing.
 */
import { readFileSync } from "node:fs";
import type { Engine } from "../src/core/engine.js";
import { createEngine } from "../src/engines/create-engine.js";
import { FfiModel } from "../src/engines/llama/ffi/ffi-model.js";
import { LLAMA_POOLING_TYPE_MEAN } from "../src/engines/llama/ffi/libllama.js";
import { embeddingTokens, pooledEmbeddings } from "../src/engines/llama/ffi/pooled-embed.js";
import { createLlamaEngine } from "../src/engines/llama/llama-engine.js";
import { getLlamaRuntime } from "../src/engines/llama/llama-runtime.js";
import { loadReferenceLlama, meanOfRows, referenceHiddenStates, unitLength } from "../test/support/llama-reference.js";
import { startLlamaServer } from "../test/support/llama-server.js";
import { sharedDataPath } from "../test/support/shared-data.js";
import { median } from "./median.js";

/** `npm run bench` runs from the repository root; compiled into dist/, the test helpers' own root would be dist/. */
const ROOT = process.cwd();

export interface LlamaEmbedBenchOptions {
  /** GSM8K questions to embed. Default 500. */
  texts?: number;
  /** Thread counts, each compared on both sides. Default [1, 2]. */
  threads?: number[];
  /** Interleaved rounds per thread count. Default 3. */
  rounds?: number;
  /** Texts checked against the float64 forward pass. Default 40. */
  referenceTexts?: number;
  /** Compare the vectors too (a server more, and the float64 pass). Default true. */
  vectors?: boolean;
  /**
   * Time node-llama-cpp's embedding context (the path `embed` took before) at these thread
   * counts. Default [1]: one context split over two threads collapses on a busy machine
   * (0.6 texts/s measured), which would make the run take most of an hour.
   */
  beforeThreads?: number[];
}

type Figures = { name: string; figures: Record<string, number> };

export async function benchLlamaEmbed(options: LlamaEmbedBenchOptions = {}): Promise<Figures[]> {
  const modelPath = sharedDataPath("stories260K", { root: ROOT });
  const texts = readFileSync(sharedDataPath("gsm8k-train", { root: ROOT }), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .slice(0, options.texts ?? 500)
    .map((line) => (JSON.parse(line) as { question: string }).question);
  const results: Figures[] = [];
  for (const threads of options.threads ?? [1, 2]) {
    results.push(await compare(modelPath, texts, threads, options.rounds ?? 3, (options.beforeThreads ?? [1]).includes(threads)));
  }
  if (options.vectors ?? true) results.push(await vectors(modelPath, texts, options.referenceTexts ?? 40));
  return results;
}

async function compare(modelPath: string, texts: string[], threads: number, rounds: number, timeBefore: boolean): Promise<Figures> {
  // -c 1024: every question fits one slot (the longest of the 500 is ~430 tokens); -b/-ub follow.
  const server = await startLlamaServer({ model: modelPath, embeddings: true, context: 1024, args: ["-t", String(threads), "-tb", String(threads), "-b", "1024", "-ub", "1024"] });
  const embedded = await createLlamaEngine(modelPath, { threads });
  const llamaModel = await (await getLlamaRuntime()).loadModel({ modelPath, gpuLayers: 0 });
  const previous = await llamaModel.createEmbeddingContext({ contextSize: 2048, threads });
  let viaGapfill: Engine | undefined;
  try {
    viaGapfill = await createEngine(`openai:stories@${server.baseUrl}`, { env: {} });
    const raw = async () => {
      const response = await fetch(`${server.baseUrl}/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: texts, encoding_format: "float" }),
      });
      if (response.status !== 200) throw new Error(`llama-server /v1/embeddings answered ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { data: unknown[] };
      if (body.data.length !== texts.length) throw new Error(`llama-server returned ${body.data.length} embeddings for ${texts.length} texts`);
    };
    const sides: Record<string, () => Promise<unknown>> = {
      embedded: () => embedded.embed(texts),
      "server via gapfill": () => viaGapfill!.embed(texts),
      "server raw": raw,
    };
    if (timeBefore) {
      sides["node-llama-cpp (before)"] = async () => {
        for (const text of texts) await previous.getEmbeddingFor(text);
      };
    }
    // Warm-up: first calls pay for lazy loading (the FFI model, the HTTP pool, the graph).
    for (const run of [() => embedded.embed(texts.slice(0, 4)), () => viaGapfill!.embed(texts.slice(0, 4)), () => previous.getEmbeddingFor(texts[0])]) await run();
    const rates: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [side, run] of Object.entries(sides)) {
        const started = performance.now();
        await run();
        rates[side].push(texts.length / ((performance.now() - started) / 1000));
      }
    }
    const m = Object.fromEntries(Object.entries(rates).map(([side, values]) => [side, median(values)]));
    const figures: Record<string, number> = {
      "embedded texts/s": m.embedded,
      "server via gapfill texts/s": m["server via gapfill"],
      "server raw texts/s": m["server raw"],
      "embedded / server via gapfill": m.embedded / m["server via gapfill"],
      "embedded / server raw": m.embedded / m["server raw"],
    };
    if (timeBefore) {
      figures["node-llama-cpp (before) texts/s"] = m["node-llama-cpp (before)"];
      figures["embedded / before"] = m.embedded / m["node-llama-cpp (before)"];
    }
    return { name: `llama embed vs llama-server --embeddings, stories260K, ${texts.length} GSM8K questions, threads ${threads} (medians of ${rounds} interleaved rounds)`, figures };
  } finally {
    await viaGapfill?.close();
    await previous.dispose();
    await llamaModel.dispose();
    await embedded.close();
    await server.close();
  }
}

/** Largest |difference| of the engine's vectors (server's pooling and normalisation) from the server's, and of both from float64. */
async function vectors(modelPath: string, texts: string[], referenceCount: number): Promise<Figures> {
  const server = await startLlamaServer({ model: modelPath, embeddings: true, context: 1024, args: ["-b", "1024", "-ub", "1024"] });
  const model = await FfiModel.load(modelPath, { threads: 1 });
  try {
    const response = await fetch(`${server.baseUrl}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: texts, encoding_format: "float" }),
    });
    const served = ((await response.json()) as { data: Array<{ index: number; embedding: number[] }> }).data.sort((a, b) => a.index - b.index).map((item) => item.embedding);
    const ours = (await pooledEmbeddings(model, texts, { pooling: "model", poolingType: LLAMA_POOLING_TYPE_MEAN, contextSize: 2048 })).rows.map((row) => unitLength(row));
    const reference = await loadReferenceLlama(modelPath);
    const exact = texts.slice(0, referenceCount).map((text) => unitLength(meanOfRows(referenceHiddenStates(reference, embeddingTokens(model, text, 2047).ids))));
    return {
      name: `llama embed vectors: llama.cpp mean pooling, unit length, ${texts.length} GSM8K questions (float64 check on the first ${exact.length})`,
      figures: {
        // In millionths: the bench prints three decimals.
        "max |embedded - server| e-6": 1e6 * largestDifference(ours, served),
        "max |embedded - float64| e-6": 1e6 * largestDifference(ours.slice(0, exact.length), exact),
        "max |server - float64| e-6": 1e6 * largestDifference(served.slice(0, exact.length), exact),
      },
    };
  } finally {
    model.free();
    await server.close();
  }
}

function largestDifference(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  let largest = 0;
  a.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) largest = Math.max(largest, Math.abs(row[c] - b[r][c]));
  });
  return largest;
}
