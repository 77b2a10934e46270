import type { Engine } from "../../core/engine.js";
import { type BlendSettings, blendSequences, DEFAULT_BLEND } from "./seed-blend.js";

/** Capabilities the student needs to decode an interpolated pair (§3.5–§3.6). */
export const DECODE_CAPABILITIES = ["input-embed", "decode-embeddings"] as const;

/** Why a student cannot decode, or undefined when it can. */
export function decodeUnavailable(student: Engine | undefined): string | undefined {
  if (!student) return "no student given";
  const missing = DECODE_CAPABILITIES.filter((capability) => !student.capabilities.has(capability));
  if (missing.length === 0) return undefined;
  return `${student.spec} lacks ${missing.map((capability) => `"${capability}"`).join(" and ")} (decoding needs a llama: GGUF student)`;
}

/**
 * §3.5–§3.6: the input-layer token embeddings of the two seed questions, blended as eq. 4 allows
 * (default: unit token weights, zero padding; see seed-blend.ts), fed to the student after the copy
 * prompt's prefix and before its suffix; the student's greedy continuation is the decoded partial.
 * With a small student it is often garbled: the teacher prompt says so and uses it as a hint only.
 */
export async function decodePartial(
  student: Engine,
  questions: readonly [string, string],
  copy: { prefix: string; suffix: string },
  maxTokens: number,
  blend: BlendSettings = DEFAULT_BLEND,
): Promise<string> {
  const [a, b] = await Promise.all(questions.map((question) => student.inputEmbed(question)));
  const blended = blendSequences(a, b, blend);
  const generation = await student.decodeEmbeddings(blended, { prefix: copy.prefix, suffix: copy.suffix, maxTokens, stage: "generate-decode" });
  return cleanPartial(generation.text);
}

/** The copy prompt around the embeddings: the text before and after `{{embeddings}}`. */
export function copyPromptParts(template: { text: string }): { prefix: string; suffix: string } {
  const [prefix, suffix] = template.text.split(/\{\{\s*embeddings\s*\}\}/);
  return { prefix, suffix: suffix ?? "" };
}

/** Control characters and broken surrogates from a random-weight or byte-level model never reach a prompt (exported for the decode benchmark). */
export function cleanPartial(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
    .trim();
}
