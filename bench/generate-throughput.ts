/**
 * `gapfill generate`'s request rate against what the teacher endpoint can take: the server
 * answers every chat after a fixed latency, so it serves at most concurrency ÷ latency requests
 * per second. The teacher is the test server's fake teacher (JSON examples; every 5th reply
 * unusable, some duplicates), and the random strategy picks the targets, so what is measured is
 * the job runner: attempts dispatched, each answer read, checked and accepted durably. Target ≥ 0.9.
 *
 * Timed from the first attempt to the last (the map and the setup before it are not); the budget
 * is sized to about ten seconds at capacity. Three jobs, each in a fresh run, the median counts;
 * one more with 4 attempts in flight (generate's default before it followed the teacher's
 * concurrency) on a small budget. The server runs in its own process.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ProgressEvent } from "../src/core/events.js";
import { createEngine } from "../src/engines/create-engine.js";
import { RequestCache } from "../src/engines/request-cache.js";
import { prepareGenerate } from "../src/pipeline/generate/generate-examples.js";
import { runGeneration } from "../src/pipeline/generate/run-generation.js";
import { openRun } from "../src/store/index.js";
import { type BenchServer, serverFigures, serverShare, type ServerShare, startBenchServer } from "./bench-server-process.js";
import { median } from "./median.js";

const REPEATS = 3;
/** Share of the fake teacher's replies that become accepted examples (measured: about two in three). */
const ACCEPTED_SHARE = 0.65;

/**
 * @param options.latencyMs the server's fixed answer time
 * @param options.concurrency the teacher's `?concurrency=`
 * @param options.seconds the length of one job at capacity, which sizes the budget
 */
export async function benchGenerateThroughput(
  options: { latencyMs?: number; concurrency?: number; seconds?: number } = {},
): Promise<{ name: string; figures: Record<string, number> }> {
  const LATENCY_MS = options.latencyMs ?? 50;
  const CONCURRENCY = options.concurrency ?? 32;
  const capacity = CONCURRENCY / (LATENCY_MS / 1000);
  const budget = Math.round(capacity * (options.seconds ?? 10) * ACCEPTED_SHARE);
  const server = await startBenchServer({ latencyMs: LATENCY_MS, teacher: true });
  const dir = mkdtempSync(join(tmpdir(), "gapfill-generate-bench-"));
  const dataset = join(dir, "train.jsonl");
  writeFileSync(
    dataset,
    Array.from({ length: 200 }, (_, i) => JSON.stringify({ question: `A farmer has ${i + 4} cows and buys ${(i % 7) + 1} more. How many cows now?`, answer: `${i + 4} + ${(i % 7) + 1} = ${i + 5 + (i % 7)}\n#### ${i + 5 + (i % 7)}` })).join("\n") + "\n",
  );
  try {
    // Warm-up: connections, JIT; not counted.
    await generateOnce(server, dir, dataset, CONCURRENCY, 64);
    const jobs: Job[] = [];
    for (let rep = 0; rep < REPEATS; rep += 1) jobs.push(await generateOnce(server, dir, dataset, CONCURRENCY, budget));
    const fourInFlight = await generateOnce(server, dir, dataset, CONCURRENCY, Math.max(32, Math.round(budget / 40)), 4);
    const rate = median(jobs.map((job) => job.rate));
    return {
      name: `generate throughput: budget ${budget}, teacher concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms (server in its own process, median of ${REPEATS})`,
      figures: {
        capacity_per_s: capacity,
        requests_per_s: rate,
        ratio_of_capacity: rate / capacity,
        seconds: median(jobs.map((job) => job.seconds)),
        accepted_per_s: median(jobs.map((job) => job.acceptedRate)),
        // Usable answers that came back after the budget was reached (kept in the request cache,
        // not written): the price of keeping the tail's slots busy.
        spare_answers_per_job: median(jobs.map((job) => job.spare)),
        client_cpu_ms_per_request: median(jobs.map((job) => job.clientCpuMs)),
        ...serverFigures(jobs, CONCURRENCY),
        four_in_flight_requests_per_s: fourInFlight.rate,
        four_in_flight_ratio: fourInFlight.rate / capacity,
      },
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Job extends ServerShare {
  rate: number;
  acceptedRate: number;
  spare: number;
  seconds: number;
  clientCpuMs: number;
}

async function generateOnce(server: BenchServer, dir: string, dataset: string, concurrency: number, budget: number, attemptsInFlight?: number): Promise<Job> {
  const run = await openRun(mkdtempSync(join(dir, "run-")), { command: "generate" });
  const teacher = await createEngine(`openai:teacher@${server.baseUrl}?concurrency=${concurrency}`, { cache: new RequestCache(run.db), env: {} });
  try {
    let spare = 0;
    const onEvent = (event: ProgressEvent) => {
      const counted = event.type === "notice" ? /(\d+) usable answers? came back after the count/.exec(event.message) : null;
      if (counted) spare += Number(counted[1]);
    };
    const { job } = await prepareGenerate(dataset, run, { strategy: "random", budget, teacher, decontaminate: false, concurrency: attemptsInFlight, onEvent });
    const before = await server.count();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runGeneration(job);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const after = await server.count();
    const requests = Math.max(1, after.received - before.received);
    return {
      rate: requests / seconds,
      acceptedRate: result.accepted / seconds,
      spare,
      seconds,
      clientCpuMs: (cpu.user + cpu.system) / 1000 / requests,
      ...serverShare(before, after, requests),
    };
  } finally {
    await teacher.close();
    run.close();
  }
}
