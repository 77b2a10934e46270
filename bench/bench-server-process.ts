import { fork } from "node:child_process";
import { median } from "./median.js";

export interface ServerCount {
  received: number;
  cpuMs: number;
  /** Answers sent so far. */
  held: number;
  /** Their latencies summed, in ms (arrival to answer, as the server measured them). */
  heldMs: number;
}

/** What the server spent on each request of a run, and how long it really held each. */
export interface ServerShare {
  /** Server CPU per request, ms. */
  serverCpuMs: number;
  /** Mean latency the server really gave, ms (it never answers early; its timers fire a little late). */
  heldMs: number;
}

/** The server's share of a run of `requests` requests, from the counts before and after it. */
export function serverShare(before: ServerCount, after: ServerCount, requests: number): ServerShare {
  return { serverCpuMs: (after.cpuMs - before.cpuMs) / Math.max(1, requests), heldMs: (after.heldMs - before.heldMs) / Math.max(1, after.held - before.held) };
}

/**
 * The server's figures over repeated runs (medians), with the ratio against the capacity the
 * server really gave (`concurrency` ÷ held latency): what the client alone leaves unused.
 */
export function serverFigures(runs: ReadonlyArray<ServerShare & { rate: number }>, concurrency: number): Record<string, number> {
  return {
    server_cpu_ms_per_request: median(runs.map((run) => run.serverCpuMs)),
    server_held_ms_per_request: median(runs.map((run) => run.heldMs)),
    ratio_of_held_capacity: median(runs.map((run) => (run.rate * run.heldMs) / 1000 / concurrency)),
  };
}

/** The OpenAI test server running in a child process, as the throughput benchmarks use it. */
export interface BenchServer {
  /** `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  /** Requests received so far, the server process's CPU time in ms, and the answers sent with the ms they were held. */
  count(): Promise<ServerCount>;
  close(): Promise<void>;
}

/**
 * Starts `engine-throughput-server.js` (beside this module, compiled) in its own process with a
 * fixed answer latency; `teacher` answers chats as a generate teacher does (JSON examples, some
 * unusable on purpose). A server in a worker thread shared the client's process, and its
 * requests' CPU showed up as the client's; a real model server runs elsewhere.
 */
export async function startBenchServer(options: { latencyMs: number; teacher?: boolean }): Promise<BenchServer> {
  const child = fork(new URL("./engine-throughput-server.js", import.meta.url), [String(options.latencyMs), options.teacher ? "teacher" : "plain"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the benchmark server exited (${code})`));
      child.once("exit", onExit);
      child.once("message", (message) => {
        child.off("exit", onExit);
        resolve(message as T);
      });
    });
  const { baseUrl } = await next<{ baseUrl: string }>();
  return {
    baseUrl,
    count: () => {
      const answer = next<ServerCount>();
      child.send("count");
      return answer;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("close");
      await exited;
    },
  };
}
