import type { GenerateOptions, Matrix } from "../../core/engine.js";
import { GapfillError } from "../../core/errors.js";
import { samplingFields } from "./chat.js";
import { torchSaveFloat32 } from "./torch-save.js";

/**
 * Decoding from input embeddings over HTTP (vLLM `--enable-prompt-embeds`): `/v1/completions`
 * with `prompt_embeds` = base64 of a `torch.save` file of a float32 (rows × hidden) tensor.
 *
 * vLLM applies no chat template and no text around the embeddings: the matrix is the whole
 * prompt. An OpenAI engine cannot turn prefix or suffix text into input-embedding rows (it has
 * no `input-embed` capability), so over HTTP the caller passes the full matrix — e.g. built from
 * a llama engine's `inputEmbed` of the same model — and no `prefix`/`suffix`.
 */
export function promptEmbedsBody(
  model: string,
  embeddings: Matrix,
  options: GenerateOptions & { prefix?: string; suffix?: string },
): Record<string, unknown> {
  if (options.prefix || options.suffix) {
    throw new GapfillError(
      "decode-embeddings-full-matrix",
      "an OpenAI-compatible engine decodes a full input-embedding matrix only: vLLM applies no template and this engine cannot embed prefix/suffix text. " +
        "Build the whole prompt's rows (e.g. with a llama engine's inputEmbed of the same model) and pass no prefix/suffix",
      { userFixable: true },
    );
  }
  if (embeddings.rows === 0 || embeddings.cols === 0) {
    throw new GapfillError("invalid-matrix", `decodeEmbeddings needs at least one row, got ${embeddings.rows}×${embeddings.cols}`, { userFixable: true });
  }
  const bytes = torchSaveFloat32(embeddings);
  return {
    model,
    prompt_embeds: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
    ...samplingFields(options),
  };
}
