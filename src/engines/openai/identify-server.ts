import { z } from "zod";
import { EngineCallError } from "../../core/errors.js";
import { redact } from "../http/redact.js";

/** The OpenAI-compatible servers gapfill tells apart; each extends the protocol differently. */
export type ServerKind = "vllm" | "llama.cpp" | "ollama" | "openai-compatible";

/** Human names, for messages ("llama.cpp server answered …"). */
export const SERVER_NAMES: Record<ServerKind, string> = {
  vllm: "vLLM",
  "llama.cpp": "llama.cpp server",
  ollama: "Ollama",
  "openai-compatible": "OpenAI-compatible server",
};

/** What a server said about itself. */
export interface ServerIdentity {
  kind: ServerKind;
  /** Version or build, when the server tells. */
  version?: string;
  /** Per-request context the server runs with (llama.cpp's `n_ctx`), when it tells. */
  contextSize?: number;
  /** The model's training context (llama.cpp's `n_ctx_train`), when it tells. */
  trainingContext?: number;
}

export interface IdentifyOptions {
  fetch?: typeof fetch;
  apiKey?: string;
  /** Per probe; a server that does not answer a GET in this time is reported as down. Default 5 s. */
  timeoutMs?: number;
}

const modelsSchema = z.object({
  data: z
    .array(
      z.object({
        owned_by: z.string().nullish(),
        meta: z.object({ n_ctx: z.number().nullish(), n_ctx_train: z.number().nullish() }).nullish(),
      }),
    )
    .nullish(),
});
const versionSchema = z.object({ version: z.string() });
const propsSchema = z.object({ build_info: z.string().nullish(), default_generation_settings: z.object({ n_ctx: z.number().nullish() }).nullish() });

/**
 * Identify the server behind an OpenAI base URL from its own routes, in parallel, all GETs with a
 * short timeout: `/v1/models` (`owned_by` "llamacpp" or "vllm"), llama.cpp's `/props`
 * (`build_info`), vLLM's `/version`, Ollama's `/api/version`. A server that refuses the
 * connection or does not answer fails in seconds with a retryable EngineCallError naming the URL.
 */
export async function identifyServer(baseUrl: string, options: IdentifyOptions = {}): Promise<ServerIdentity> {
  const root = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  const get = (path: string) => probe(`${root}${path}`, options);
  const [models, props, vllmVersion, ollamaVersion] = await Promise.all([get("/v1/models"), get("/props"), get("/version"), get("/api/version")]);
  if (models.unreachable && props.unreachable) {
    throw new EngineCallError(redact(`${root} is not answering (${models.unreachable}); is the server running, and is the URL right?`, [options.apiKey]), {
      endpoint: `${root}/v1/models`,
      retryable: true,
    });
  }
  const listed = modelsSchema.safeParse(models.json).data?.data ?? [];
  const owner = listed[0]?.owned_by ?? "";
  const meta = listed[0]?.meta;
  const llamaProps = propsSchema.safeParse(props.json).data;
  if (owner === "llamacpp" || llamaProps?.build_info) {
    return {
      kind: "llama.cpp",
      version: llamaProps?.build_info ?? undefined,
      contextSize: meta?.n_ctx ?? llamaProps?.default_generation_settings?.n_ctx ?? undefined,
      trainingContext: meta?.n_ctx_train ?? undefined,
    };
  }
  const ollama = versionSchema.safeParse(ollamaVersion.json).data;
  if (ollama) return { kind: "ollama", version: ollama.version };
  const vllm = versionSchema.safeParse(vllmVersion.json).data;
  if (owner === "vllm" || vllm) return { kind: "vllm", version: vllm?.version };
  return { kind: "openai-compatible" };
}

interface ProbeResult {
  json?: unknown;
  /** Why the server could not be reached at all (refused, timed out, DNS). */
  unreachable?: string;
}

async function probe(url: string, options: IdentifyOptions): Promise<ProbeResult> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const response = await fetchImpl(url, {
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) return {};
    try {
      return { json: JSON.parse(text) };
    } catch {
      return {};
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") return { unreachable: `no answer within ${timeoutMs} ms` };
    if (cause?.code === "ECONNREFUSED") return { unreachable: "connection refused" };
    return { unreachable: cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)) };
  }
}
