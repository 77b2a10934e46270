/**
 * `gapfill eval`'s request rate against what the endpoint can take. The server answers every
 * request after a fixed latency, so it can serve at most concurrency ÷ latency requests per
 * second; an evaluation sends three per item (the greedy answer, the reference's loss, the
 * answer's loss), the last of which waits for the answer. The ratio says how much of the
 * endpoint the stage keeps busy. Target ≥ 0.9.
 *
 * 1,319 items (GSM8K's test set), three evaluations, the median counts. The server runs in its
 * own process; each evaluation gets a fresh run directory, so nothing comes from the request
 * cache. The client's and the server's CPU per request are reported beside the rate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Example } from "../src/core/example.js";
import { createEngine } from "../src/engines/create-engine.js";
import { RequestCache } from "../src/engines/request-cache.js";
import { evaluateStudent } from "../src/pipeline/evaluate/evaluate-student.js";
import { openRun } from "../src/store/index.js";
import { type BenchServer, serverFigures, serverShare, type ServerShare, startBenchServer } from "./bench-server-process.js";
import { median } from "./median.js";

const REPEATS = 3;

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
  const ITEMS = options.items ?? 1319;
  const LATENCY_MS = options.latencyMs ?? 50;
  const CONCURRENCY = options.concurrency ?? 32;
  const capacity = CONCURRENCY / (LATENCY_MS / 1000);
  const server = await startBenchServer({ latencyMs: LATENCY_MS });
  const items = benchItems(ITEMS);
  try {
    // Warm-up: connections, JIT; not counted.
    await evaluateOnce(server, CONCURRENCY, items.slice(0, 64));
    const runs: Evaluation[] = [];
    for (let rep = 0; rep < REPEATS; rep += 1) runs.push(await evaluateOnce(server, CONCURRENCY, items));
    const rate = median(runs.map((run) => run.rate));
    return {
      name: `eval throughput: ${ITEMS} items, concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms (server in its own process, median of ${REPEATS})`,
      figures: {
        capacity_per_s: capacity,
        requests_per_s: rate,
        ratio_of_capacity: rate / capacity,
        seconds: median(runs.map((run) => run.seconds)),
        client_cpu_ms_per_request: median(runs.map((run) => run.clientCpuMs)),
        ...serverFigures(runs, CONCURRENCY),
      },
    };
  } finally {
    await server.close();
  }
}

interface Evaluation extends ServerShare {
  rate: number;
  seconds: number;
  clientCpuMs: number;
}

async function evaluateOnce(server: BenchServer, concurrency: number, items: Example[]): Promise<Evaluation> {
  const dir = mkdtempSync(join(tmpdir(), "gapfill-eval-bench-"));
  const run = await openRun(join(dir, "run"), { command: "eval" });
  const engine = await createEngine(`openai:bench-model@${server.baseUrl}?concurrency=${concurrency}`, { cache: new RequestCache(run.db), env: {} });
  try {
    const before = await server.count();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await evaluateStudent(engine, items, run);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const after = await server.count();
    const requests = Math.max(1, after.received - before.received);
    return { rate: requests / seconds, seconds, clientCpuMs: (cpu.user + cpu.system) / 1000 / requests, ...serverShare(before, after, requests) };
  } finally {
    await engine.close();
    run.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
