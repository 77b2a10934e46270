import type { GenerateOptions, Generation } from "../../core/engine.js";
import { finishReason, samplingFields, usageOf } from "./chat.js";
import type { CompletionResponse } from "./response-schemas.js";

/** The `/v1/completions` body; `logprobs: 1` is the legacy API's "log-prob of each sampled token". */
export function completionBody(model: string, prompt: string, options: GenerateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { model, prompt, ...samplingFields(options) };
  if (options.logprobs) body.logprobs = 1;
  return body;
}

/** A Generation from a completions answer (first choice). */
export function readCompletion(response: CompletionResponse, cached: boolean): Generation {
  const choice = response.choices[0];
  const generation: Generation = {
    text: choice.text,
    usage: usageOf(response.usage),
    finishReason: finishReason(choice.finish_reason),
    cached,
  };
  const logprobs = choice.logprobs;
  if (logprobs?.token_logprobs) generation.tokenLogprobs = logprobs.token_logprobs.map((value) => value ?? 0);
  else if (logprobs?.content) generation.tokenLogprobs = logprobs.content.map((entry) => entry.logprob);
  return generation;
}
