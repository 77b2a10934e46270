import { createHash } from "node:crypto";
import { GapfillError } from "../../core/errors.js";

/**
 * Run-time LoRA loading on vLLM: `POST /v1/load_lora_adapter {lora_name, lora_path}` on every
 * base URL (the path is read by the server, so it must exist where the server runs). Afterwards
 * requests name the adapter as their `model`, which also keeps cached answers of the base
 * model and of each adapter apart.
 */
export interface LoraRequest {
  name: string;
  body: { lora_name: string; lora_path: string };
}

export function loraRequest(path: string, options: { name?: string; scale?: number }): LoraRequest {
  if (options.scale !== undefined && options.scale !== 1) {
    throw new GapfillError("lora-scale-unsupported", `vLLM's load_lora_adapter has no scale; cannot load ${path} at scale ${options.scale}`, {
      userFixable: true,
    });
  }
  // Default name from the path: a new round's adapter (a new path) gets a new name and cache keys.
  const name = options.name ?? `lora-${createHash("sha256").update(path).digest("hex").slice(0, 12)}`;
  return { name, body: { lora_name: name, lora_path: path } };
}

/** vLLM answers 400 when an adapter of that name is loaded already: that is success for us. */
export function isAlreadyLoaded(message: string): boolean {
  return /already (been )?loaded/i.test(message);
}
