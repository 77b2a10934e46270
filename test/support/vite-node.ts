/**
 * How tests run a TypeScript file in a child process: through vite-node, which package.json
 * declares (pinned to the version vitest itself installs), found through its package rather
 * than a `node_modules/.bin` path, and run by this same Node binary, so it works wherever the
 * checkout sits and on platforms where `.bin` entries are shims rather than scripts.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { shellQuote } from "../../src/pipeline/train/shell-quote.js";
import { REPOSITORY_ROOT } from "./repository-root.js";

function resolveViteNodeScript(): string {
  const manifestPath = createRequire(import.meta.url).resolve("vite-node/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.["vite-node"];
  if (!bin) throw new Error(`vite-node's package.json (${manifestPath}) declares no vite-node bin`);
  return resolve(dirname(manifestPath), bin);
}

/** The vite-node CLI script (its package's `bin`), run with `process.execPath`. */
export const VITE_NODE_SCRIPT: string = resolveViteNodeScript();

/** The argument list for `process.execPath` that runs `script` (repository-relative or absolute) with `args`. */
export function viteNodeArgs(script: string, args: readonly string[] = []): string[] {
  return [VITE_NODE_SCRIPT, resolve(REPOSITORY_ROOT, script), ...args];
}

/** Spawns `script` through vite-node; `args` pass through as given (add "--" to keep flags from vite-node). */
export function spawnViteNode(script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, viteNodeArgs(script, args), options);
}

/** Runs `script` through vite-node and waits for it. */
export function spawnViteNodeSync(script: string, args: readonly string[] = [], options: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, viteNodeArgs(script, args), { encoding: "utf8", ...options }) as SpawnSyncReturns<string>;
}

/**
 * A shell command line that runs `script` through vite-node, for places that take a command
 * string (a `command:` trainer). `rest` is appended verbatim, so it may carry `{placeholders}`.
 */
export function viteNodeCommandLine(script: string, rest = ""): string {
  const line = [process.execPath, ...viteNodeArgs(script)].map(shellQuote).join(" ");
  return rest ? `${line} ${rest}` : line;
}
