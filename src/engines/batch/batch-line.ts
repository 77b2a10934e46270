import { z } from "zod";

/**
 * The two line shapes of the OpenAI Batch file format, shared by the OpenAI Batch API and
 * `vllm run-batch`. Only the fields gapfill reads are validated; anything else passes through.
 */

/** One request line: what `exportBatch` writes. */
export interface BatchRequestLine {
  custom_id: string;
  method: "POST";
  url: string;
  body: Record<string, unknown>;
}

/**
 * One result line. OpenAI puts failed requests in a separate error file with the same shape
 * (`response: null`, `error: {code, message}`); vLLM puts them inline with a non-200 status.
 */
export const batchResultLineSchema = z.object({
  custom_id: z.string().min(1),
  response: z
    .object({
      status_code: z.number().int(),
      request_id: z.string().nullish(),
      body: z.unknown(),
    })
    .nullish(),
  error: z
    .object({
      code: z.union([z.string(), z.number()]).nullish(),
      message: z.string().nullish(),
    })
    .passthrough()
    .nullish(),
});

export type BatchResultLine = z.infer<typeof batchResultLineSchema>;

/** Token usage as OpenAI-compatible servers report it; embeddings have no completion tokens. */
export const usageSchema = z.object({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
});

/**
 * Endpoints `vllm run-batch` accepts (read from its entrypoint): chat, embeddings, score and
 * rerank. It has no `/v1/completions`, which gapfill uses for scoring and prompt embeddings.
 */
export const VLLM_BATCH_URLS: ReadonlySet<string> = new Set([
  "/v1/chat/completions",
  "/v1/embeddings",
  "/score",
  "/v1/score",
  "/rerank",
  "/v1/rerank",
  "/v2/rerank",
]);

/**
 * The batch `url` for a stored endpoint. The request cache stores a path, but a full URL is
 * accepted too (a base URL with a path prefix would otherwise leak the host into the file).
 */
export function batchUrl(endpoint: string): string {
  if (/^https?:\/\//i.test(endpoint)) return new URL(endpoint).pathname;
  return endpoint.startsWith("/") ? endpoint : `/${endpoint}`;
}

/** A file-name-safe slug of a batch url: `/v1/chat/completions` → `chat-completions`. */
export function urlSlug(url: string): string {
  const slug = url
    .replace(/^\/v\d+\//, "/")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug === "" ? "root" : slug;
}
