import type { Matrix } from "../../core/engine.js";
import { InputError } from "../../core/errors.js";
import { dequantize, TS_DEQUANTIZABLE } from "./gguf/dequantize.js";
import type { GgufHeader } from "./gguf/gguf-reader.js";
import { readTensorRows } from "./gguf/gguf-reader.js";
import { GGML_BLOCK } from "./gguf/gguf-types.js";
import { ggmlToFloat } from "./ffi/ggml-dequantize.js";

/** The tensor holding a llama-family model's input embeddings. */
export const TOKEN_EMBEDDING_TENSOR = "token_embd.weight";

/**
 * Rows of `token_embd.weight` for `tokens`, read straight from the GGUF file and dequantized:
 * in TypeScript for F32/F16/BF16/Q8_0/Q4_0, through ggml's `to_float` for every other type.
 */
export async function inputEmbeddingRows(header: GgufHeader, tokens: readonly number[], options: { via?: "auto" | "ggml" } = {}): Promise<Matrix> {
  const { bytes, rowBytes, rowLength, type } = await readTensorRows(header, TOKEN_EMBEDDING_TENSOR, tokens);
  if (!GGML_BLOCK[type]) {
    throw new InputError("gguf-type", `${header.path}: ${TOKEN_EMBEDDING_TENSOR} has ggml type ${type}, which gapfill cannot dequantize`, { file: header.path });
  }
  const data = new Float32Array(tokens.length * rowLength);
  if (TS_DEQUANTIZABLE.has(type) && options.via !== "ggml") {
    for (let i = 0; i < tokens.length; i++) dequantize(type, bytes.subarray(i * rowBytes, (i + 1) * rowBytes), rowLength, data, i * rowLength);
  } else if (tokens.length > 0) {
    data.set(await ggmlToFloat(type, bytes, tokens.length * rowLength));
  }
  return { data, rows: tokens.length, cols: rowLength };
}
