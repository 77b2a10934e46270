import { z } from "zod";

/**
 * What gapfill reads from OpenAI-compatible answers, and nothing more: servers differ in the
 * fields they add (vLLM, llama.cpp, Ollama, hosted APIs), so only the fields used are checked.
 */

/**
 * An array every element of which passes `isElement`, checked in one plain loop and passed on
 * as it came. zod's own array parse visits and copies element by element: about 1 µs per number,
 * so a 64-text batch of 4096-dim embeddings took 200–270 ms of the client's one thread to check.
 */
function arrayOf<T>(isElement: (value: unknown) => value is T, what: string) {
  return z.custom<T[]>(
    (value) => {
      if (!Array.isArray(value)) return false;
      for (const element of value) if (!isElement(element)) return false;
      return true;
    },
    { message: `expected an array of ${what}` },
  );
}
const isNumber = (value: unknown): value is number => typeof value === "number";
const isString = (value: unknown): value is string => typeof value === "string";
const isNumberOrNull = (value: unknown): value is number | null => value === null || typeof value === "number";
const numbers = arrayOf(isNumber, "numbers");
const isNumberArray = (value: unknown): value is number[] => Array.isArray(value) && value.every(isNumber);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

export const usageSchema = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .nullish();

export const chatResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        // null when a model refuses or calls a tool; read as empty text.
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ content: arrayOf((entry): entry is { logprob: number } => isRecord(entry) && isNumber(entry.logprob), "{logprob} objects").nullish() }).nullish(),
      }),
    )
    .min(1),
  usage: usageSchema,
});
export type ChatResponse = z.infer<typeof chatResponseSchema>;

/** A prompt token's entry in vLLM's `prompt_logprobs` list: token id → its log-prob. */
const promptLogprobEntry = z.record(z.object({ logprob: z.number(), decoded_token: z.string().nullish() })).nullable();

export const completionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string(),
        finish_reason: z.string().nullish(),
        // Legacy OpenAI / vLLM: parallel `tokens` and `token_logprobs`. llama.cpp's server answers
        // in the chat shape instead: `content: [{token, logprob}]`, generated tokens only.
        logprobs: z
          .object({
            tokens: arrayOf(isString, "strings").nullish(),
            token_logprobs: arrayOf(isNumberOrNull, "numbers or nulls").nullish(),
            text_offset: numbers.nullish(),
            content: arrayOf((entry): entry is { token: string; logprob: number } => isRecord(entry) && isString(entry.token) && isNumber(entry.logprob), "{token, logprob} objects").nullish(),
          })
          .nullish(),
        prompt_logprobs: z.array(promptLogprobEntry).nullish(),
      }),
    )
    .min(1),
  usage: usageSchema,
});
export type CompletionResponse = z.infer<typeof completionResponseSchema>;

export const embeddingsResponseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: numbers })),
  usage: usageSchema,
});
export type EmbeddingsResponse = z.infer<typeof embeddingsResponseSchema>;

/** vLLM `/pooling` with `task: "token_embed"`: one row per token. */
export const poolingResponseSchema = z.object({
  data: z.array(z.object({ data: arrayOf(isNumberArray, "rows of numbers") })).min(1),
  usage: usageSchema,
});
export type PoolingResponse = z.infer<typeof poolingResponseSchema>;
