import { z } from "zod";

/**
 * What gapfill reads from OpenAI-compatible answers, and nothing more: servers differ in the
 * fields they add (vLLM, llama.cpp, Ollama, hosted APIs), so only the fields used are checked.
 */

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
        logprobs: z.object({ content: z.array(z.object({ logprob: z.number() })).nullish() }).nullish(),
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
            tokens: z.array(z.string()).nullish(),
            token_logprobs: z.array(z.number().nullable()).nullish(),
            text_offset: z.array(z.number()).nullish(),
            content: z.array(z.object({ token: z.string(), logprob: z.number() })).nullish(),
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
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
  usage: usageSchema,
});
export type EmbeddingsResponse = z.infer<typeof embeddingsResponseSchema>;

/** vLLM `/pooling` with `task: "token_embed"`: one row per token. */
export const poolingResponseSchema = z.object({
  data: z.array(z.object({ data: z.array(z.array(z.number())) })).min(1),
  usage: usageSchema,
});
export type PoolingResponse = z.infer<typeof poolingResponseSchema>;
