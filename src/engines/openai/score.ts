import type { ContinuationScore } from "../../core/engine.js";
import { EngineCallError } from "../../core/errors.js";
import type { ScoreMode } from "../engine-spec.js";
import type { CompletionResponse } from "./response-schemas.js";

/**
 * Teacher-forced scoring over HTTP: ask the server for the log-prob of every token of
 * `prompt + continuation` and keep the continuation's.
 *
 * - `echo` (default): `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 0` — the
 *   legacy OpenAI form. vLLM supports it; llama.cpp's server and Ollama's OpenAI route do not.
 * - `prompt_logprobs`: vLLM's extension `prompt_logprobs: 0` (one entry per prompt token).
 *
 * The servers return tokens, not a split at our boundary, so continuation tokens are found by
 * walking back from the end of the text until the continuation's characters are covered; a
 * token straddling the boundary counts as continuation. This assumes the tokenizer does not
 * merge across the boundary differently than it would split the continuation alone, which is
 * the usual approximation (and exact for the llama engine, which tokenizes the parts apart).
 */
export function scoreBody(model: string, prompt: string, continuation: string, mode: ScoreMode): Record<string, unknown> {
  const text = prompt + continuation;
  if (mode === "prompt_logprobs") return { model, prompt: text, max_tokens: 1, temperature: 0, prompt_logprobs: 0 };
  return { model, prompt: text, echo: true, logprobs: 1, max_tokens: 0, temperature: 0 };
}

/** Pick the continuation's log-probs out of a scoring answer. */
export function readScore(response: CompletionResponse, prompt: string, continuation: string, mode: ScoreMode, endpoint: string): ContinuationScore {
  const fullLength = prompt.length + continuation.length;
  const choice = response.choices[0];
  let tokens: { text: string; logprob: number | null }[];
  if (mode === "prompt_logprobs") {
    if (!choice.prompt_logprobs) throw missing(endpoint, "prompt_logprobs");
    tokens = choice.prompt_logprobs.map((entry) => {
      // With prompt_logprobs: 0 each entry holds just the prompt token; the first token has none.
      const first = entry ? Object.values(entry)[0] : undefined;
      return { text: first?.decoded_token ?? "", logprob: first?.logprob ?? null };
    });
  } else {
    const logprobs = choice.logprobs;
    if (!logprobs) throw missing(endpoint, "logprobs");
    tokens = logprobs.tokens.map((text, i) => ({ text, logprob: logprobs.token_logprobs[i] ?? null }));
    // Drop anything generated after the echoed text (servers that treat max_tokens 0 as 1).
    const offsets = logprobs.text_offset;
    if (offsets && offsets.length === tokens.length) tokens = tokens.filter((_, i) => offsets[i] < fullLength);
  }
  const picked = continuationTokens(tokens, continuation.length);
  if (picked.some((token) => token.logprob === null)) {
    throw new EngineCallError(`${endpoint}: the server gave no log-prob for the first token of the text; score needs a non-empty prompt`, {
      endpoint,
      retryable: false,
    });
  }
  const tokenLogprobs = picked.map((token) => token.logprob as number);
  const meanLoss = tokenLogprobs.length === 0 ? 0 : -tokenLogprobs.reduce((sum, value) => sum + value, 0) / tokenLogprobs.length;
  return { tokenLogprobs, meanLoss };
}

/** The trailing tokens that cover the last `length` characters. */
export function continuationTokens<T extends { text: string }>(tokens: T[], length: number): T[] {
  let covered = 0;
  let start = tokens.length;
  while (start > 0 && covered < length) {
    start -= 1;
    covered += tokens[start].text.length;
  }
  return tokens.slice(start);
}

function missing(endpoint: string, field: string): EngineCallError {
  return new EngineCallError(`${endpoint}: the answer has no ${field}; the server does not support this way of scoring (see the spec option ?score=)`, {
    endpoint,
    retryable: false,
  });
}
