/**
 * `gapfill eval`'s request rate against what the endpoint can take. The server answers every
 * request after a fixed latency, so it can serve at most concurrency ÷ latency requests per
 * second; an evaluation sends three per item (the greedy answer, the reference's loss, the
 * answer's loss), the last of which waits for the answer. The ratio says how much of the
 * endpoint the stage keeps busy. Measured twice in one run: with 8 items in flight (the
 * default before the plan sized it from the engine) and with the default.
 *
 * The server runs in a worker thread so its event loop is not the client's; each evaluation
 * gets a fresh run directory, so nothing comes from the request cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { Example } from "../src/core/example.js";
import { createEngine } from "../src/engines/create-engine.js";
import { RequestCache } from "../src/engines/request-cache.js";
import { evaluateStudent } from "../src/pipeline/evaluate/evaluate-student.js";
import { openRun } from "../src/store/index.js";

/** GSM8K-shaped items: a question and a worked answer ending in "#### N". */
function benchItems(count: number): Example[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `q${i}`,
    question: `A shop sells ${i + 3} apples a day. How many apples does it sell in ${(i % 9) + 2} days?`,
    answer: `${i + 3} × ${(i % 9) + 2} = ${(i + 3) * ((i % 9) + 2)}\n#### ${(i + 3) * ((i % 9) + 2)}`,
    source: { file: "bench.jsonl", line: i + 1 },
  }));
}

/**
 * @param options.items items per evaluation (three requests each)
 * @param options.latencyMs the server's fixed answer time
 * @param options.concurrency the engine's `?concurrency=`
 */
export async function benchEvalThroughput(
  options: { items?: number; latencyMs?: number; concurrency?: number } = {},
): Promise<{ name: string; figures: Record<string, number> }> {
  const ITEMS = options.items ?? 400;
  const LATENCY_MS = options.latencyMs ?? 50;
  const CONCURRENCY = options.concurrency ?? 32;
  const capacity = CONCURRENCY / (LATENCY_MS / 1000);
  const worker = new Worker(new URL("./engine-throughput-server.js", import.meta.url), { workerData: { latencyMs: LATENCY_MS } });
  const { baseUrl } = await nextMessage<{ baseUrl: string }>(worker);
  const items = benchItems(ITEMS);
  const evaluate = async (itemConcurrency: number | undefined, list = items): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-eval-bench-"));
    const run = await openRun(join(dir, "run"), { command: "eval" });
    const engine = await createEngine(`openai:bench-model@${baseUrl}?concurrency=${CONCURRENCY}`, { cache: new RequestCache(run.db), env: {} });
    try {
      worker.postMessage("count");
      const before = (await nextMessage<{ received: number }>(worker)).received;
      const started = performance.now();
      await evaluateStudent(engine, list, run, { concurrency: itemConcurrency });
      const seconds = (performance.now() - started) / 1000;
      worker.postMessage("count");
      const requests = (await nextMessage<{ received: number }>(worker)).received - before;
      return requests / seconds;
    } finally {
      await engine.close();
      run.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    // Warm-up: connections, JIT; not counted.
    await evaluate(undefined, items.slice(0, 64));
    const eightInFlight = await evaluate(8);
    const sized = await evaluate(undefined);
    return {
      name: `eval throughput: ${ITEMS} items, concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms`,
      figures: {
        capacity_per_s: capacity,
        eight_items_requests_per_s: eightInFlight,
        eight_items_ratio: eightInFlight / capacity,
        default_requests_per_s: sized,
        default_ratio: sized / capacity,
      },
    };
  } finally {
    worker.postMessage("close");
    await nextMessage(worker);
    await worker.terminate();
  }
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}
