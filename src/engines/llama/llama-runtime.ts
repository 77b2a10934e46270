import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import type { Llama } from "node-llama-cpp";

let runtime: Promise<Llama> | undefined;

/**
 * The process-wide node-llama-cpp instance: CPU prebuilt only, never a source build.
 * Loaded once and shared, because it registers ggml's backends and the FFI layer must run
 * after that (registering them twice would list the CPU device twice).
 */
export function getLlamaRuntime(): Promise<Llama> {
  runtime ??= getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false }).catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}
