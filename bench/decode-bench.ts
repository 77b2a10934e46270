/**
 * The decode step (§3.5–§3.6) on a real trained student, stories260K (a TinyStories llama), with
 * every blend eq. 4 allows here: unit, uniform (1/m) and IDF token weights, each with zero padding
 * and with the pad-token row. For each blend and seed pair, the student decodes the blend through
 * the copy prompt, and two closeness figures are taken:
 * - word share: the share of the decoded text's words found in either seed;
 * - midpoint distance: the distance of the decoded text's embedding (mean of its input token rows,
 *   the map's `input-unit` view) to the midpoint of the two seeds' embeddings, over half the
 *   distance between the seeds (1: as far as a seed is; lower is closer).
 * Seeds: short stories the student writes itself (its own domain) and the first sentences of GSM8K
 * questions. threads: 1 (llama.cpp threads collapse under contention). Returns figures, prints nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine, Matrix } from "../src/core/engine.js";
import { createLlamaEngine } from "../src/engines/llama/llama-engine.js";
import { tokenize } from "../src/geometry/tfidf.js";
import { cleanPartial, copyPromptParts } from "../src/strategies/embed/decode-partial.js";
import { BLEND_PADDING, BLEND_WEIGHTS, type BlendSettings, blendSequences, padTokenRow, tokenIdf } from "../src/strategies/embed/seed-blend.js";
import { sharedDataPath } from "../test/support/shared-data.js";

/** `npm run bench` runs from the repository root; compiled into dist/, the test helpers' own root would be dist/. */
const ROOT = process.cwd();

const OPENERS = ["Once upon a time, there was a little girl named Lily.", "Tom had a big red ball.", "One day, a cat went to the park.", "Sue liked to bake cakes with her mom.", "There was a small bird in a tree.", "Ben and his dog played in the rain.", "A boy found a shiny rock.", "The sun was hot and the fish were happy."];

/** Benchmarks every blend on `pairs` story pairs and as many GSM8K pairs. */
export async function benchDecode(options: { pairs?: number; maxTokens?: number } = {}): Promise<{ name: string; figures: Record<string, number> }[]> {
  const pairs = options.pairs ?? 24;
  const maxTokens = options.maxTokens ?? 40;
  const student = await createLlamaEngine(sharedDataPath("stories260K", { root: ROOT }), { threads: 1 });
  try {
    const copy = copyPromptParts({ text: readFileSync(join(ROOT, "prompts", "copy.md"), "utf8") });
    const stories: string[] = [];
    for (let i = 0; i < 2 * pairs; i++) {
      const opener = OPENERS[i % OPENERS.length];
      const story = await student.complete(opener, { maxTokens: 30, temperature: 0.8, seed: i + 1 });
      stories.push(firstSentences(`${opener} ${story.text}`, 2));
    }
    const questions = readFileSync(sharedDataPath("gsm8k-train", { root: ROOT }), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(0, 2 * pairs)
      .map((line) => firstSentences((JSON.parse(line) as { question: string }).question, 1));
    const results: { name: string; figures: Record<string, number> }[] = [];
    const padRow = await padTokenRow(student);
    for (const [label, texts] of [["stories", stories], ["gsm8k", questions]] as const) {
      const idf = await tokenIdf(student, texts);
      for (const weights of BLEND_WEIGHTS) {
        for (const padding of BLEND_PADDING) {
          const settings: BlendSettings = { weights, padding, idf, padRow };
          results.push({ name: `decode ${label}: ${weights} weights, ${padding} padding`, figures: await measure(student, texts, copy, settings, maxTokens) });
        }
      }
    }
    return results;
  } finally {
    await student.close();
  }
}

async function measure(student: Engine, texts: readonly string[], copy: { prefix: string; suffix: string }, settings: BlendSettings, maxTokens: number): Promise<Record<string, number>> {
  let wordShare = 0;
  let distance = 0;
  let empty = 0;
  let degenerate = 0;
  const pairs = Math.floor(texts.length / 2);
  for (let p = 0; p < pairs; p++) {
    const [a, b] = [texts[2 * p], texts[2 * p + 1]];
    const [ea, eb] = await Promise.all([student.inputEmbed(a), student.inputEmbed(b)]);
    const decoded = cleanPartial((await student.decodeEmbeddings(blendSequences(ea, eb, settings), { ...copy, maxTokens, stage: "bench" })).text);
    const words = tokenize(decoded);
    // An empty decode shares no words and has no embedding: it counts 0 in the share and is left out of the distance.
    if (words.length === 0) {
      empty++;
      continue;
    }
    const seedWords = new Set([...tokenize(a), ...tokenize(b)]);
    wordShare += words.filter((word) => seedWords.has(word)).length / words.length;
    const [ma, mb, md] = [meanRow(ea), meanRow(eb), meanRow(await student.inputEmbed(decoded))];
    const half = euclidean(ma, mb) / 2;
    // Two seeds that embed alike (the same opening sentence) have no gap to measure against.
    if (half < 1e-6) {
      degenerate++;
      continue;
    }
    distance += euclidean(md, ma.map((v, i) => (v + mb[i]) / 2)) / half;
  }
  return { pairs, word_share_in_seeds: wordShare / pairs, midpoint_distance_over_half_gap: distance / Math.max(1, pairs - empty - degenerate), empty_decodes: empty };
}

function firstSentences(text: string, count: number): string {
  const sentences = text.replace(/\s+/g, " ").match(/[^.!?]+[.!?]/g) ?? [text];
  return sentences.slice(0, count).join("").trim();
}

function meanRow(matrix: Matrix): number[] {
  const out = new Array<number>(matrix.cols).fill(0);
  for (let r = 0; r < matrix.rows; r++) for (let c = 0; c < matrix.cols; c++) out[c] += matrix.data[r * matrix.cols + c] / matrix.rows;
  return out;
}

function euclidean(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}
