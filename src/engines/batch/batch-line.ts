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
  // OpenAI: `{code, message}`. vLLM run-batch: a plain string, or its ErrorResponse object
  // (`{error: {message, type, code}}`, or flat `{message, type, code}` in older releases).
  error: z.union([z.string(), z.object({}).passthrough()]).nullish(),
});

export type BatchResultLine = z.infer<typeof batchResultLineSchema>;

/** Token usage as OpenAI-compatible servers report it; embeddings have no completion tokens. */
export const usageSchema = z.object({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
});

/**
 * Whether `vllm run-batch` serves `url` (read from its entrypoint: chat completions, embeddings,
 * and any url ending in /score or /rerank). It has no `/v1/completions`, which gapfill uses for
 * scoring and prompt embeddings.
 */
export function vllmRunBatchServes(url: string): boolean {
  return url === "/v1/chat/completions" || url === "/v1/embeddings" || url.endsWith("/score") || url.endsWith("/rerank");
}

/** The message and code of a result line's `error`, whichever server wrote it. */
export function describeError(error: unknown): { message?: string; code?: string } {
  if (typeof error === "string") return { message: error };
  if (typeof error !== "object" || error === null) return {};
  const record = error as Record<string, unknown>;
  const inner = record.error;
  if (typeof inner === "string") return { message: inner, code: codeOf(record.code) };
  if (typeof inner === "object" && inner !== null) return describeError(inner);
  return { message: typeof record.message === "string" ? record.message : undefined, code: codeOf(record.code) };
}

function codeOf(code: unknown): string | undefined {
  return typeof code === "string" || typeof code === "number" ? String(code) : undefined;
}

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
