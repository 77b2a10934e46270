import { availableParallelism } from "node:os";
import { getLlama, LlamaLogLevel, NoBinaryFoundError } from "node-llama-cpp";
import type { Llama } from "node-llama-cpp";
import { llamaUnavailableError } from "./load-llama-engine.js";

let runtime: Promise<Llama> | undefined;

/**
 * The process-wide node-llama-cpp instance: CPU prebuilt only, never a source build.
 * Loaded once and shared, because it registers ggml's backends and the FFI layer must run
 * after that (registering them twice would list the CPU device twice).
 */
export function getLlamaRuntime(): Promise<Llama> {
  runtime ??= getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false }).catch((error: unknown) => {
    runtime = undefined;
    // node-llama-cpp installed without its @node-llama-cpp/<platform> package (optional
    // dependencies omitted, or a platform with no prebuilt): we never build from source.
    throw error instanceof NoBinaryFoundError ? llamaUnavailableError(`no prebuilt llama.cpp binary was found for ${process.platform}-${process.arch}`, error) : error;
  });
  return runtime;
}

/**
 * Threads for llama.cpp work when the caller names none: all cores but one, at most 4.
 * llama.cpp's workers spin while they wait, so on a small shared machine more threads than
 * free cores makes every decode many times slower (measured here: a smoke script of every capability on the tiny model
 * took 29 s with 2 threads on a loaded 2-core box, 2.6 s with 1).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}
