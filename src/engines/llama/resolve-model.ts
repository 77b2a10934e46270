import { GapfillError } from "../../core/errors.js";

/** Model URIs node-llama-cpp's downloader understands (Hugging Face and plain URLs). */
export function isRemoteModelUri(spec: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(spec);
}

export interface ResolveOptions {
  /** Where downloaded models are kept. Default: node-llama-cpp's models folder. */
  directory?: string;
  /** Give up on the download after this long. Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Turn an `hf:` (or URL) model URI into a local GGUF path through node-llama-cpp's
 * `resolveModelFile`, downloading it when it is not cached. Failures become a GapfillError
 * naming the URI; the message never carries tokens or headers.
 */
export async function resolveRemoteModel(uri: string, options: ResolveOptions = {}): Promise<string> {
  const { resolveModelFile } = await import("node-llama-cpp");
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 600_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await resolveModelFile(uri, { directory: options.directory, cli: false, signal });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GapfillError(
      "model-download",
      `could not resolve or download the model ${uri}: the download failed (${reason}). Without internet access, download the GGUF elsewhere and pass llama:PATH.gguf`,
      { cause: error, retryable: true },
    );
  }
}
