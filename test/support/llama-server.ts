/**
 * llama.cpp's own `llama-server` as a test dependency: the real thing gapfill must interoperate
 * with, built from the llama.cpp source node-llama-cpp ships (scripts/build-llama-server.sh).
 * Tests start one on 127.0.0.1 with a free port and a given GGUF, wait for `/health` 200 (it
 * answers 503 while loading), and stop it. A checkout without the binary fails such tests with
 * one line naming the build script.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "./repository-root.js";

/** The binary the build script leaves, keyed by the bundled llama.cpp commit (same rule as the script). */
export function llamaServerPath(start: string = REPOSITORY_ROOT): string {
  // Compiled into dist/ (the benchmarks), this file sits one level deeper: find the checkout.
  const root = [start, join(start, ".."), join(start, "../..")].find((dir) => existsSync(join(dir, "node_modules/node-llama-cpp"))) ?? start;
  const bundle = join(root, "node_modules/node-llama-cpp/llama/gitRelease.bundle");
  const heads = existsSync(bundle) ? execFileSync("git", ["bundle", "list-heads", bundle], { encoding: "utf8" }) : "";
  const commit = heads.trim().split(/\s+/)[0]?.slice(0, 12) ?? "";
  const cache = process.env.GAPFILL_LLAMA_SERVER_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "gapfill", "llama-server");
  return join(cache, commit, "llama-server");
}

/** A test needs llama-server and the checkout has not built it. */
export class MissingLlamaServerError extends Error {
  readonly code = "missing-llama-server";
  constructor(path: string) {
    super(`llama-server is not built (${path} is missing): run scripts/build-llama-server.sh (about 25 minutes on 2 cores)`);
    this.name = "MissingLlamaServerError";
    // One line: the stack would only point into this helper.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export interface LlamaServerOptions {
  /** The GGUF to serve. */
  model: string;
  /** Per-slot context (`-c`). Default 512, stories260K's trained length. */
  context?: number;
  /** Serve `/v1/embeddings` (`--embeddings --pooling mean`). */
  embeddings?: boolean;
  /** Extra command-line arguments (e.g. `--override-kv`, `-ub`). */
  args?: string[];
  /** Milliseconds to wait for `/health` 200. Default 60 s. */
  startTimeoutMs?: number;
}

/** A running llama-server; `close()` stops it. */
export interface RunningLlamaServer {
  /** `http://127.0.0.1:PORT` (no `/v1`). */
  url: string;
  /** The OpenAI base URL, `url + "/v1"`. */
  baseUrl: string;
  /** What the server wrote on stderr so far (its log), for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** Start llama-server on a free loopback port and wait until it answers `/health` with 200. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<RunningLlamaServer> {
  const binary = llamaServerPath();
  if (!existsSync(binary)) throw new MissingLlamaServerError(binary);
  const port = await freePort();
  const args = [
    "-m", options.model,
    "--host", "127.0.0.1",
    "--port", String(port),
    "-c", String(options.context ?? 512),
    // One slot and one thread: the test machines are small and busy (see the model's README).
    "-np", "1",
    "-t", "1",
    "--no-webui",
    ...(options.embeddings ? ["--embeddings", "--pooling", "mean"] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-20_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const running: RunningLlamaServer = { url, baseUrl: `${url}/v1`, log: () => log, close: () => stop(child) };
  try {
    await waitForHealth(url, child, options.startTimeoutMs ?? 60_000, () => log);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return running;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode} before it was ready:\n${log().slice(-2000)}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`llama-server did not answer /health with 200 within ${timeoutMs} ms:\n${log().slice(-2000)}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A port the OS says is free now (another process could take it before llama-server binds; rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
