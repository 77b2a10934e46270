import { fork } from "node:child_process";

/** The OpenAI test server running in a child process, as the throughput benchmarks use it. */
export interface BenchServer {
  /** `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  /** Requests received so far and the server process's CPU time in ms. */
  count(): Promise<{ received: number; cpuMs: number }>;
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
      const answer = next<{ received: number; cpuMs: number }>();
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
