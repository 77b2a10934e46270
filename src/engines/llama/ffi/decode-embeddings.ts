import type { Matrix } from "../../../core/engine.js";
import type { FfiModel } from "./ffi-model.js";
import type { Segment } from "./decode-batch.js";
import { decodeSegment, segmentLength } from "./decode-batch.js";
import { readFloats } from "./libllama.js";

export interface GreedyOptions {
  maxTokens: number;
  stop?: readonly string[];
  /** Also return the logits of every prompt position and every generation step. */
  collectLogits?: boolean;
}

export interface GreedyResult {
  tokens: number[];
  text: string;
  promptTokens: number;
  finishReason: "stop" | "length";
  /** prompt positions × vocab, then one row per generated token (when collectLogits). */
  logits?: Matrix;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Evaluate prompt segments in order (one `llama_decode` each), then greedy-decode: argmax of
 * the last position's logits, stop at an end-of-generation token, a stop string or `maxTokens`.
 * The context is created for this call and freed afterwards.
 */
export function greedyFromSegments(model: FfiModel, segments: readonly Segment[], options: GreedyOptions): GreedyResult {
  const promptTokens = segments.reduce((sum, s) => sum + segmentLength(s), 0);
  // Generation stops with "length" where the context ends, rather than refusing a long maxTokens.
  const room = Math.max(0, model.contextLimit - promptTokens);
  const maxTokens = Math.min(options.maxTokens, room);
  return model.withContext({ tokens: promptTokens + maxTokens }, (context) => {
    const { llama } = model.lib;
    const collected: Float32Array[] = [];
    let position = 0;
    segments.forEach((segment, index) => {
      const isLast = index === segments.length - 1;
      decodeSegment(model, context, segment, position, options.collectLogits ? "all" : isLast ? "last" : "none");
      if (options.collectLogits) {
        for (let i = 0; i < segmentLength(segment); i++) collected.push(readFloats(llama.getLogitsIth(context, i), model.nVocab));
      }
      position += segmentLength(segment);
    });
    const tokens: number[] = [];
    let finishReason: "stop" | "length" = "length";
    let text = "";
    let logits = promptTokens > 0 ? readFloats(llama.getLogitsIth(context, -1), model.nVocab) : new Float32Array(0);
    while (tokens.length < maxTokens && logits.length) {
      const next = argmax(logits);
      if (model.isEndOfGeneration(next)) {
        finishReason = "stop";
        break;
      }
      tokens.push(next);
      text = model.detokenize(tokens);
      const hit = options.stop?.map((s) => (s ? text.indexOf(s) : -1)).filter((i) => i >= 0);
      if (hit?.length) {
        text = text.slice(0, Math.min(...hit));
        finishReason = "stop";
        break;
      }
      if (tokens.length === maxTokens) break;
      decodeSegment(model, context, { tokens: [next] }, position++, "last");
      logits = readFloats(llama.getLogitsIth(context, -1), model.nVocab);
      if (options.collectLogits) collected.push(logits);
    }
    const result: GreedyResult = { tokens, text, promptTokens, finishReason };
    if (options.collectLogits) {
      const data = new Float32Array(collected.length * model.nVocab);
      collected.forEach((row, i) => data.set(row, i * model.nVocab));
      result.logits = { data, rows: collected.length, cols: model.nVocab };
    }
    return result;
  });
}

/**
 * The §3.6 decode step: BOS + `prefix` tokens, then the embedding rows through
 * `llama_batch.embd`, then `suffix` tokens, then greedy decoding.
 */
export function decodeFromEmbeddings(
  model: FfiModel,
  embeddings: Matrix,
  options: { prefix?: string; suffix?: string; maxTokens: number; stop?: readonly string[] },
): GreedyResult {
  const segments: Segment[] = [{ tokens: model.tokenize(options.prefix ?? "", true) }, { embeddings }];
  if (options.suffix) segments.push({ tokens: model.tokenize(options.suffix, false) });
  return greedyFromSegments(model, segments, options);
}
