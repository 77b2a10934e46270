import { InputError } from "../../core/errors.js";
import type { Engine } from "../../core/engine.js";
import { defineStrategy, type PlanContext } from "../strategy.js";
import { templateOf, type TemplateSpec } from "../task/prompt-templates.js";
import { seedExampleTask } from "../task/seed-example-task.js";
import { copyPromptParts, decodePartial, decodeUnavailable } from "./decode-partial.js";
import { BLEND_PADDING, BLEND_WEIGHTS, type BlendPadding, type BlendSettings, type BlendWeights, DEFAULT_BLEND, padTokenRow, tokenIdf } from "./seed-blend.js";
import { createEmbedSeeds, type EmbedTarget, pairKey, pairsOfMap } from "./seed-pairs.js";

/** The copy prompt around the interpolated embeddings the student decodes (§3.6). */
const COPY_TEMPLATE: TemplateSpec = {
  name: "copy",
  placeholders: ["embeddings"],
  check(text, file) {
    if ((text.match(/\{\{\s*embeddings\s*\}\}/g) ?? []).length !== 1) {
      throw new InputError("prompt-template", `${file}: copy.md must contain {{embeddings}} exactly once (where the interpolated embeddings go)`, { file });
    }
  },
};

/**
 * EmbedSDG (§3.2–§3.7): the map's seed pairs sit on opposing sides of sparse cells; each attempt
 * takes the next pair, the student decodes the pair's interpolated input embeddings into a
 * partial (when it can), and the teacher writes a new example between the two seeds.
 */
export const embedStrategy = defineStrategy<EmbedTarget>({
  name: "embed",
  summary: "seed pairs across the map's sparse cells, with the student's decoded interpolation (EmbedSDG §3.4–§3.7)",
  modes: ["generate", "loop"],
  needs: ["map"],
  options: [
    { name: "decode", argument: "mode", type: "string", choices: ["student", "none"], default: "student", description: "student: decode each pair's interpolated embeddings into a partial for the teacher | none" },
    { name: "decodeTokens", argument: "n", type: "integer", default: 64, description: "tokens the student decodes per pair" },
    {
      name: "blendWeights",
      argument: "weights",
      type: "string",
      choices: BLEND_WEIGHTS,
      default: DEFAULT_BLEND.weights,
      description: "token weights of the seeds' blend (eq. 4): unit (measured best) | uniform 1/m | idf over the seed questions",
    },
    {
      name: "blendPadding",
      argument: "padding",
      type: "string",
      choices: BLEND_PADDING,
      default: DEFAULT_BLEND.padding,
      description: "what pads the shorter seed: zero rows (the paper, measured best) | the student's pad-token row",
    },
  ],
  task: seedExampleTask,
  templates: [COPY_TEMPLATE],
  async plan(context) {
    const pairs = pairsOfMap(await context.map());
    const base = createEmbedSeeds(pairs);
    const targetOf = (attempt: number) => ({ ...base(context.offset + attempt), attempt });
    // The loop trains on what the teacher writes; decoding there would add a student call per pair for a hint.
    const requested = context.mode === "generate" && context.options.decode !== "none";
    const decoder = context.decoder();
    const why = requested ? decodeUnavailable(decoder) : undefined;
    if (requested && why) context.notice(`no decoded partials: ${why}; the teacher sees the two seeds only`);
    const facts = { decode: { requested, used: requested && !why, note: why } };
    if (!requested || why || !decoder) return { targetOf, facts };

    const copy = copyPromptParts(templateOf(context.templates, COPY_TEMPLATE.name));
    const maxTokens = Number(context.options.decodeTokens ?? 64);
    const blend = await blendSettings(decoder, context);
    const pending = new Map<string, Promise<string>>();
    const partialOf = (target: EmbedTarget): Promise<string> => {
      // The default blend keeps the bare pair key: a run resumed from before blend options reuses its partials as they are.
      const key = blend.weights === DEFAULT_BLEND.weights && blend.padding === DEFAULT_BLEND.padding ? pairKey(target.seeds) : `${pairKey(target.seeds)}\u0000${blend.weights}/${blend.padding}`;
      const known = context.cache.get(key);
      if (known !== undefined) return Promise.resolve(known);
      let decoding = pending.get(key);
      if (!decoding) {
        const begun = performance.now();
        decoding = decodePartial(decoder, [target.seeds[0].question, target.seeds[1].question], copy, maxTokens, blend).then((text) => {
          context.cache.set(key, text, (performance.now() - begun) / 1000);
          return text;
        });
        pending.set(key, decoding);
      }
      return decoding;
    };
    return { targetOf, facts, prepare: async (target) => ({ ...target, partial: await partialOf(target) }) };
  },
  provenance: (target) => ({ window: target.window, region: target.region, cell: target.cell, midpoint: target.midpoint, decoded_partial: target.partial ?? null }),
  signature: (options) => ({
    decode: options.decode ?? "student",
    // Absent when default, so runs made before blends were options keep their stage signature.
    ...(options.blendWeights !== undefined && options.blendWeights !== DEFAULT_BLEND.weights ? { blendWeights: options.blendWeights } : {}),
    ...(options.blendPadding !== undefined && options.blendPadding !== DEFAULT_BLEND.padding ? { blendPadding: options.blendPadding } : {}),
  }),
  report: { color: "#e8590c", label: "seed pairs across sparse cells", mapTargets: true },
});

/** The blend the options ask for, with its IDF table or pad row; a pad row the student lacks falls back to zeros, said once. */
async function blendSettings(decoder: Engine, context: PlanContext): Promise<BlendSettings> {
  const weights = (context.options.blendWeights ?? DEFAULT_BLEND.weights) as BlendWeights;
  let padding = (context.options.blendPadding ?? DEFAULT_BLEND.padding) as BlendPadding;
  const padRow = padding === "pad-token" ? await padTokenRow(decoder) : undefined;
  if (padding === "pad-token" && !padRow) {
    context.notice(`${decoder.spec} names no pad or end token row to pad with; padding with zeros`);
    padding = "zero";
  }
  // IDF over a sample of the seed questions: the weights need the set's word frequencies, not all of it.
  const idf = weights === "idf" ? await tokenIdf(decoder, context.examples.slice(0, IDF_SAMPLE).map((example) => example.question)) : undefined;
  return { weights, padding, idf, padRow };
}

/** Seed questions the IDF weights are counted over. */
const IDF_SAMPLE = 2000;

export { createEmbedSeeds, pairKey, pairsOfMap } from "./seed-pairs.js";
export type { EmbedTarget, TargetPair } from "./seed-pairs.js";
