import type { ContinuationScore } from "../../core/engine.js";
import { EngineCallError } from "../../core/errors.js";
import type { ScoreMode } from "../engine-spec.js";
import { badResponse } from "./openai-caller.js";
import type { CompletionResponse } from "./response-schemas.js";

/**
 * How `score` asks a server for a continuation's log-probs. The spec's `?score=` picks echo or
 * prompt_logprobs; without it the engine picks by the server it finds (see scoreModeFor).
 *
 * - `echo`: `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 0`, the legacy OpenAI
 *   form (vLLM, OpenAI's legacy models). llama.cpp's server and Ollama ignore `echo`.
 * - `prompt_logprobs`: vLLM's extension `prompt_logprobs: 0` (one entry per prompt token).
 * - `forced`: llama.cpp's server has no prompt log-probs at all, so the continuation is generated
 *   under a grammar that admits exactly its text, greedily, with `logprobs: 1`. llama.cpp reports
 *   each sampled token's log-prob from the raw logits (before the grammar), which is the
 *   teacher-forced log-prob; the prompt is tokenized alone, as the llama engine does.
 */
export type ScoreMethod = ScoreMode | "forced";

/**
 * The servers return tokens, not a split at our boundary, so for echo and prompt_logprobs the
 * continuation tokens are found by walking back from the end of the text until the
 * continuation's characters are covered; a token straddling the boundary counts as continuation.
 */
export function scoreBody(model: string, prompt: string, continuation: string, mode: ScoreMethod): Record<string, unknown> {
  const text = prompt + continuation;
  if (mode === "prompt_logprobs") return { model, prompt: text, max_tokens: 1, temperature: 0, prompt_logprobs: 0 };
  if (mode === "forced") {
    return {
      model,
      prompt,
      // At most one token per byte, plus the end token the grammar leaves as the only choice.
      max_tokens: Buffer.byteLength(continuation, "utf8") + 1,
      temperature: 0,
      logprobs: 1,
      grammar: `root ::= ${gbnfLiteral(continuation)}`,
    };
  }
  return { model, prompt: text, echo: true, logprobs: 1, max_tokens: 0, temperature: 0 };
}

/** A GBNF string literal for `text` (quotes, backslashes and line breaks escaped). */
export function gbnfLiteral(text: string): string {
  return `"${text.replace(/[\\"\n\r\t]/g, (char) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[char]!)}"`;
}

/** Pick the continuation's log-probs out of a scoring answer; `server` names it in errors. */
export function readScore(response: CompletionResponse, prompt: string, continuation: string, mode: ScoreMethod, endpoint: string, server: string): ContinuationScore {
  const fullLength = prompt.length + continuation.length;
  const choice = response.choices[0];
  let tokens: { text: string; logprob: number | null }[];
  if (mode === "prompt_logprobs") {
    if (!choice.prompt_logprobs) throw badResponse(server, endpoint, "no choices[0].prompt_logprobs: prompt_logprobs is a vLLM extension; leave ?score= out and gapfill picks what the server offers");
    tokens = choice.prompt_logprobs.map((entry) => {
      // With prompt_logprobs: 0 each entry holds just the prompt token; the first token has none.
      const first = entry ? Object.values(entry)[0] : undefined;
      return { text: first?.decoded_token ?? "", logprob: first?.logprob ?? null };
    });
  } else if (mode === "forced") {
    const content = choice.logprobs?.content;
    if (!content) throw badResponse(server, endpoint, "no choices[0].logprobs.content for the forced continuation");
    const forced = leadingTokens(content.map((entry) => ({ text: entry.token, logprob: entry.logprob })), continuation.length);
    const written = forced.map((token) => token.text).join("");
    if (written !== continuation) {
      throw badResponse(server, endpoint, `the forced continuation came back as ${JSON.stringify(written.slice(0, 60))}, not the text asked for: the server ignored the grammar`);
    }
    return summarize(forced.map((token) => token.logprob as number));
  } else {
    const logprobs = choice.logprobs;
    if (!logprobs?.tokens || !logprobs.token_logprobs) {
      const why = logprobs?.content
        ? "choices[0].logprobs has content (generated tokens) but no tokens/token_logprobs: the server ignores echo, as llama.cpp's does; leave ?score= out and gapfill scores by forced decoding there"
        : "no choices[0].logprobs.tokens: the server ignores echo with logprobs; leave ?score= out and gapfill picks what the server offers";
      throw badResponse(server, endpoint, why);
    }
    const values = logprobs.token_logprobs;
    tokens = logprobs.tokens.map((text, i) => ({ text, logprob: values[i] ?? null }));
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
  return summarize(picked.map((token) => token.logprob as number));
}

function summarize(tokenLogprobs: number[]): ContinuationScore {
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

/** The leading tokens that cover the first `length` characters (the end token after them is dropped). */
function leadingTokens<T extends { text: string }>(tokens: T[], length: number): T[] {
  let covered = 0;
  let end = 0;
  while (end < tokens.length && covered < length) {
    covered += tokens[end].text.length;
    end += 1;
  }
  return tokens.slice(0, end);
}
