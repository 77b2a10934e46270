import type { ChatMessage, GenerateOptions, Generation } from "../../core/engine.js";
import type { ChatResponse } from "./response-schemas.js";

/** Sampling fields shared by chat and completions; greedy unless a temperature is given. */
export function samplingFields(options: GenerateOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = { temperature: options.temperature ?? 0 };
  if (options.maxTokens !== undefined) fields.max_tokens = options.maxTokens;
  if (options.seed !== undefined) fields.seed = options.seed;
  if (options.stop !== undefined && options.stop.length > 0) fields.stop = options.stop;
  if (options.jsonSchema !== undefined) {
    // OpenAI's structured outputs shape; vLLM accepts it on chat and on completions.
    fields.response_format = { type: "json_schema", json_schema: { name: "output", schema: options.jsonSchema, strict: true } };
  }
  return fields;
}

/** The `/v1/chat/completions` body. */
export function chatBody(model: string, messages: ChatMessage[], options: GenerateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: messages.map(({ role, content }) => ({ role, content })),
    ...samplingFields(options),
  };
  if (options.logprobs) body.logprobs = true;
  return body;
}

export function finishReason(reason: string | null | undefined): Generation["finishReason"] {
  if (reason === "stop" || reason === "length") return reason;
  return "other";
}

export function usageOf(usage: { prompt_tokens?: number | null; completion_tokens?: number | null } | null | undefined): Generation["usage"] {
  return { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
}

/** A Generation from a chat answer (first choice). */
export function readChat(response: ChatResponse, cached: boolean): Generation {
  const choice = response.choices[0];
  const generation: Generation = {
    text: choice.message.content ?? "",
    usage: usageOf(response.usage),
    finishReason: finishReason(choice.finish_reason),
    cached,
  };
  const logprobs = choice.logprobs?.content;
  if (logprobs) generation.tokenLogprobs = logprobs.map((entry) => entry.logprob);
  return generation;
}
