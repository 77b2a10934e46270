import { GapfillError } from "../../../core/errors.js";
import { GgmlType } from "../gguf/gguf-types.js";
import { callToFloat, loadLibllama, readTypeTraits } from "./libllama.js";

/**
 * Dequantize `count` values of ggml type `type` with ggml's own `type_traits.to_float` (works
 * for every type the shipped ggml knows: K-quants, IQ types, …).
 */
export async function ggmlToFloat(type: number, bytes: Uint8Array, count: number): Promise<Float32Array> {
  // ggml gives F32 no converter (there is nothing to convert).
  if (type === GgmlType.F32) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
  const { ggml } = await loadLibllama();
  const traits = readTypeTraits(ggml.getTypeTraits(type));
  if (!traits.to_float) throw new GapfillError("ggml-type", `ggml has no to_float for type ${traits.type_name ?? type}`);
  return callToFloat(traits.to_float, bytes, count);
}
