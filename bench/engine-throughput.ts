/**
 * Orchestration throughput of the OpenAI engine against the local test server: a server that
 * answers every request after a fixed latency can serve at most concurrency ÷ latency requests
 * per second; the ratio says how much of that the engine's path (limiter, retry wrapper,
 * validation, request cache, the HTTP client) leaves on the table. Target ≥ 0.98.
 *
 * The server runs in its own process, as a real model server does; both still share the
 * machine, so the client's and the server's CPU per request are reported beside the rate (they
 * depend less on what else the machine runs). Plain and cached runs alternate, three of each,
 * and the medians count.
 */
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { createEngine } from "../src/engines/create-engine.js";
import { RequestCache } from "../src/engines/request-cache.js";
import { migrate } from "../src/store/migrations.js";
import { serverFigures, serverShare, type ServerShare, startBenchServer } from "./bench-server-process.js";
import { median } from "./median.js";

// A whole number of waves at both concurrencies, so a partial last wave does not count as lost throughput.
const REQUESTS = 2048;
const REPEATS = 3;

/**
 * @param options.latencyMs the server's fixed answer time (50 ms stresses the orchestration on
 * two shared cores; 200 ms is nearer a real model server)
 */
export async function benchEngineThroughput(options: { latencyMs?: number; concurrency?: number } = {}): Promise<{ name: string; figures: Record<string, number> }> {
  const LATENCY_MS = options.latencyMs ?? 50;
  const CONCURRENCY = options.concurrency ?? 32;
  const server = await startBenchServer({ latencyMs: LATENCY_MS });
  const db = new Database(":memory:");
  migrate(db);
  try {
    const capacity = CONCURRENCY / (LATENCY_MS / 1000);
    const spec = `openai:bench-model@${server.baseUrl}?concurrency=${CONCURRENCY}`;
    // Warm-up: connections, JIT; not counted.
    const warm = await createEngine(spec, { env: {} });
    await Promise.all(Array.from({ length: CONCURRENCY * 4 }, (_, i) => warm.chat([{ role: "user", content: `warm ${i}` }])));
    await warm.close();

    const plain: Phase[] = [];
    const cached: Phase[] = [];
    for (let rep = 0; rep < REPEATS; rep += 1) {
      plain.push(await timeRequests(spec, {}, `plain ${rep}`, server));
      cached.push(await timeRequests(spec, { cache: new RequestCache(db) }, `cached ${rep}`, server));
    }
    const replay = await timeRequests(spec, { cache: new RequestCache(db) }, "cached 0", server);
    const idle = await idleRoundTrip(server);
    const rate = median(plain.map((phase) => phase.rate));
    const cachedRate = median(cached.map((phase) => phase.rate));
    return {
      name: `engine throughput: ${REQUESTS} chats, concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms (server in its own process, medians of ${REPEATS})`,
      figures: {
        capacity_per_s: capacity,
        requests_per_s: rate,
        ratio_of_capacity: rate / capacity,
        client_loop_busy_ms_per_request: median(plain.map((phase) => phase.loopBusyMs)),
        client_cpu_ms_per_request: median(plain.map((phase) => phase.clientCpuMs)),
        ...serverFigures(plain, CONCURRENCY),
        with_cache_requests_per_s: cachedRate,
        with_cache_ratio: cachedRate / capacity,
        with_cache_client_cpu_ms_per_request: median(cached.map((phase) => phase.clientCpuMs)),
        cache_replay_per_s: replay.rate,
        // One request at a time, both processes idle between them: what a round trip over this
        // machine's loopback costs beyond the server's latency (waking two sleeping processes).
        // Every request of the runs above pays it too; the client cannot win it back.
        idle_round_trip_overhead_ms: idle,
      },
    };
  } finally {
    db.close();
    await server.close();
  }
}

interface Phase extends ServerShare {
  rate: number;
  loopBusyMs: number;
  clientCpuMs: number;
}

async function timeRequests(spec: string, context: { cache?: RequestCache }, prefix: string, server: Awaited<ReturnType<typeof startBenchServer>>): Promise<Phase> {
  const engine = await createEngine(spec, { env: {}, ...context });
  try {
    const serverBefore = await server.count();
    const cpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    const started = performance.now();
    // Keep the prefix unique per configuration so cached phases never replay another one's answers.
    await Promise.all(Array.from({ length: REQUESTS }, (_, i) => engine.chat([{ role: "user", content: `${prefix} ${i}` }])));
    const seconds = (performance.now() - started) / 1000;
    const loop = performance.eventLoopUtilization(loopBefore);
    const cpu = process.cpuUsage(cpuBefore);
    const serverAfter = await server.count();
    const sent = Math.max(1, serverAfter.received - serverBefore.received);
    return {
      rate: REQUESTS / seconds,
      loopBusyMs: loop.active / REQUESTS,
      clientCpuMs: (cpu.user + cpu.system) / 1000 / REQUESTS,
      ...serverShare(serverBefore, serverAfter, sent),
    };
  } finally {
    await engine.close();
  }
}

/**
 * Mean ms a lone request takes beyond the latency the server held it: 40 requests one after
 * another, nothing else running.
 */
async function idleRoundTrip(server: Awaited<ReturnType<typeof startBenchServer>>): Promise<number> {
  const engine = await createEngine(`openai:bench-model@${server.baseUrl}?concurrency=1`, { env: {} });
  try {
    await engine.chat([{ role: "user", content: "idle warm" }]);
    const before = await server.count();
    const started = performance.now();
    const COUNT = 40;
    for (let i = 0; i < COUNT; i += 1) await engine.chat([{ role: "user", content: `idle ${i}` }]);
    const perRequest = (performance.now() - started) / COUNT;
    return perRequest - serverShare(before, await server.count(), COUNT).heldMs;
  } finally {
    await engine.close();
  }
}
