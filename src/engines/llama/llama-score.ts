import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { ContinuationScore } from "../../core/engine.js";
import { GapfillError } from "../../core/errors.js";

/**
 * Teacher-forced log-probabilities of `continuation` tokens after `prompt` tokens, through
 * node-llama-cpp's `controlledEvaluate`: for each continuation token, the raw logit of that
 * token, the max logit (via the top-1 token) and the total weight Σexp(logit − max) give
 * ln p = logit − max − ln(total). No sampling options apply, so these are the model's own
 * probabilities. The sequence is cleared first.
 */
export async function scoreContinuation(sequence: LlamaContextSequence, prompt: readonly Token[], continuation: readonly Token[]): Promise<ContinuationScore> {
  await sequence.clearHistory();
  const all = [...prompt, ...continuation];
  const input = all.slice(0, -1).map((token, i) => {
    const target = all[i + 1];
    if (i < prompt.length - 1) return token;
    return [token, { generateNext: { logits: { filter: { tokens: [target], includeTop: 1 } }, totalLogitWeight: true } }] as const;
  });
  const results = await sequence.controlledEvaluate(input as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
  const tokenLogprobs: number[] = [];
  for (let i = prompt.length - 1; i < all.length - 1; i++) {
    const next = results[i]?.next;
    const logits = next?.logits;
    const total = next?.totalLogitWeight;
    const target = all[i + 1];
    const logit = logits?.get(target);
    // The filter includes the top-1 token, so the largest value in the map is the max logit.
    // (node-llama-cpp 3.22.1's `includeMax` returned only the filtered tokens.)
    const max = logits && logits.size ? Math.max(...logits.values()) : undefined;
    if (logit === undefined || max === undefined || total === undefined) throw new GapfillError("llama-logits", `node-llama-cpp returned no logits for position ${i}`);
    tokenLogprobs.push(logit - max - Math.log(total));
  }
  const meanLoss = tokenLogprobs.length ? -tokenLogprobs.reduce((a, b) => a + b, 0) / tokenLogprobs.length : 0;
  return { tokenLogprobs, meanLoss };
}
