/**
 * `npm run bench`: prints figures and ratios for each benchmark. Speed and memory targets live
 * here, never in tests. Pick some with `npm run bench -- cli engines`.
 */
import { benchCliStartup } from "./cli-startup.js";
import { benchDecode } from "./decode-bench.js";
import { benchEngineThroughput } from "./engine-throughput.js";
import { benchEvalThroughput } from "./eval-throughput.js";
import { benchGenerateThroughput } from "./generate-throughput.js";
import { benchAnswers } from "./answers-bench.js";
import { benchEmbeddingsFile } from "./embeddings-file-bench.js";
import { benchInterop } from "./interop-bench.js";
import { benchKernels, benchPcaKernels } from "./kernels-bench.js";
import { benchLlamaEmbed } from "./llama-embed-bench.js";
import { benchKnnCheckVsExact, benchMap } from "./map-bench.js";
import { benchWholeMap } from "./map-whole-bench.js";
import { benchNonlinearMap } from "./map-nonlinear-bench.js";
import { benchRead } from "./read-bench.js";
import { benchUi } from "./ui-bench.js";
import { benchTargeting } from "./targeting-bench.js";
import { benchReliability } from "./reliability-bench.js";

type Figures = { name: string; figures: Record<string, number> };
type Bench = () => Promise<Figures | Figures[]>;

const benches: Record<string, Bench> = {
  answers: () => benchAnswers(),
  cli: () => benchCliStartup(),
  decode: () => benchDecode(),
  interop: () => benchInterop(),
  kernels: () => benchKernels(),
  "kernels-pca": () => benchPcaKernels(),
  engines: async () => [await benchEngineThroughput({ latencyMs: 50, concurrency: 32 }), await benchEngineThroughput({ latencyMs: 200, concurrency: 64 })],
  eval: async () => [await benchEvalThroughput({ latencyMs: 50, concurrency: 32 }), await benchEvalThroughput({ latencyMs: 200, concurrency: 64 })],
  generate: async () => [await benchGenerateThroughput({ latencyMs: 50, concurrency: 32 }), await benchGenerateThroughput({ latencyMs: 200, concurrency: 64 })],
  "llama-embed": () => benchLlamaEmbed(),
  map: async () => [...(await benchMap()), await benchKnnCheckVsExact()],
  "map-whole": () => benchWholeMap(),
  "embeddings-file": () => benchEmbeddingsFile(),
  "map-nonlinear": () => benchNonlinearMap(),
  read: () => benchRead(),
  ui: () => benchUi(),
  targeting: () => benchTargeting(),
  reliability: () => benchReliability(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`);
  process.exit(2);
}
for (const [key, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(key)) continue;
  const results = await run();
  for (const { name, figures } of Array.isArray(results) ? results : [results]) {
    console.log(`\n${name}`);
    for (const [figure, value] of Object.entries(figures)) {
      console.log(`  ${figure.padEnd(32)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
    }
  }
}
