/**
 * Loads the embedded llama engine on demand. node-llama-cpp (with its per-platform prebuilt
 * binaries) and koffi are optional peer dependencies: a user who only talks to OpenAI-compatible
 * servers installs gapfill on any platform without them, and a `llama:` spec then says how to
 * enable it instead of failing with a module-resolution stack trace.
 *
 * This file must not import node-llama-cpp or koffi, not even through another module: it is what
 * runs when they are absent.
 */
import type { Engine } from "../../core/engine.js";
import { GapfillError } from "../../core/errors.js";
import type { ProgressListener } from "../../core/events.js";
import type { LlamaSpecOptions } from "../engine-spec.js";

/** The packages a `llama:` engine needs beyond gapfill's own dependencies. */
export const LLAMA_PACKAGES = ["node-llama-cpp", "koffi"] as const;

/** The command that enables `llama:` engines. */
export const ENABLE_LLAMA_COMMAND = `npm install ${LLAMA_PACKAGES.join(" ")}`;

/**
 * The part of `llama-engine.ts` that {@link loadLlamaEngine} hands back. Written out rather than
 * `typeof import(…)`, so the published declarations never name node-llama-cpp's types: a
 * TypeScript user without it still type-checks.
 */
export interface LlamaEngineModule {
  createLlamaEngine(modelPath: string, options?: LlamaSpecOptions & { onEvent?: ProgressListener }): Promise<Engine>;
}

/** How the module is imported; tests inject one that fails as a missing package does. */
export type LlamaEngineImporter = () => Promise<LlamaEngineModule>;

// Typed as an importer, so a change to createLlamaEngine's signature fails to compile here.
const importLlamaEngine: LlamaEngineImporter = () => import("./llama-engine.js");

/**
 * The `llama:` engine is not available on this install; `reason` says what was missing.
 * userFixable: the fix is {@link ENABLE_LLAMA_COMMAND}.
 */
export function llamaUnavailableError(reason: string, cause?: unknown): GapfillError {
  return new GapfillError(
    "llama-unavailable",
    `llama: engines need the optional packages ${LLAMA_PACKAGES.join(" and ")} (${reason}): run \`${ENABLE_LLAMA_COMMAND}\` to enable them, with optional dependencies included so the prebuilt llama.cpp binary for ${process.platform}-${process.arch} comes too; openai: and ollama: engines work without them`,
    { cause, userFixable: true },
  );
}

/** The package a module-resolution error says is missing, when it is one of ours to explain. */
export function missingLlamaPackage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  // Node: "Cannot find package 'node-llama-cpp' imported from …"; the per-platform binaries
  // live in @node-llama-cpp/<platform> packages.
  const named = /Cannot find (?:package|module) '((?:@node-llama-cpp\/)?[^'/]+(?:\/[^'/]+)?)'/.exec(error.message)?.[1];
  if (!named) return undefined;
  return LLAMA_PACKAGES.some((name) => named === name || named.startsWith(`${name}/`)) || named.startsWith("@node-llama-cpp/") ? named : undefined;
}

/**
 * Imports the llama engine module, turning "package not installed" into a
 * {@link llamaUnavailableError}; any other failure is a bug and passes through unchanged.
 */
export async function loadLlamaEngine(importModule: LlamaEngineImporter = importLlamaEngine): Promise<LlamaEngineModule> {
  try {
    return await importModule();
  } catch (error) {
    const missing = missingLlamaPackage(error);
    if (missing) throw llamaUnavailableError(`${missing} is not installed`, error);
    throw error;
  }
}
