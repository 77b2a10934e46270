import type { Matrix } from "../../../core/engine.js";
import type { FfiModel } from "./ffi-model.js";
import { decodeSegment } from "./decode-batch.js";
import { readFloats } from "./libllama.js";
import { decodesExactly } from "./pooled-embed.js";

/**
 * Per-token hidden states of `text` (context with embeddings on, pooling NONE): one row per
 * token of the text. The model sees BOS first when its vocab adds one, but the BOS row is
 * not returned, so row i belongs to the text's i-th token. Attention in float32 where it fits,
 * as `embed` decodes, so a "mean" pooled row is the mean of these rows.
 */
export function tokenEmbeddings(model: FfiModel, text: string): Matrix {
  const withSpecial = model.tokenize(text, true);
  const plain = model.tokenize(text, false);
  // Where the text's own tokens start (after BOS, when the vocab adds one).
  let skip = 0;
  while (skip < withSpecial.length - plain.length && withSpecial[skip] !== plain[0]) skip++;
  return model.withContext({ tokens: withSpecial.length, embeddings: true, exact: decodesExactly(withSpecial.length, model.nHead) }, (context) => {
    decodeSegment(model, context, { tokens: withSpecial }, 0, "all");
    const rows = plain.length;
    const data = new Float32Array(rows * model.nEmbd);
    for (let i = 0; i < rows; i++) data.set(readFloats(model.lib.llama.getEmbeddingsIth(context, skip + i), model.nEmbd), i * model.nEmbd);
    return { data, rows, cols: model.nEmbd };
  });
}
