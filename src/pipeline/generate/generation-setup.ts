import { MinHashIndex } from "../../data/near-duplicates.js";
import type { AnyStrategy } from "../../strategies/strategy.js";
import type { SeedText } from "../../strategies/target.js";
import { loadTemplates, type TemplateSet, type TemplateSpec } from "../../strategies/task/prompt-templates.js";

/** The teacher solves a new question again, for verification. */
export const SOLVE_TEMPLATE: TemplateSpec = { name: "solve", placeholders: ["question"] };

/** The templates a strategy renders (its task's and its own), plus `solve` for verification; user overrides applied. */
export function loadStrategyTemplates(strategies: readonly AnyStrategy[], promptsDir: string | undefined): TemplateSet {
  const specs = new Map<string, TemplateSpec>([[SOLVE_TEMPLATE.name, SOLVE_TEMPLATE]]);
  for (const strategy of strategies) {
    for (const spec of [...strategy.task.templates, ...(strategy.templates ?? [])]) specs.set(spec.name, spec);
  }
  return loadTemplates([...specs.values()], promptsDir);
}

/** Short hashes of the templates, for stage signatures and provenance. */
export function templateHashes(templates: TemplateSet): Record<string, string> {
  return Object.fromEntries(Object.values(templates).map((template) => [template.name, template.hash]));
}

/** A near-duplicate index holding the seed questions (ids `seed:<id>`) and the given accepted records. */
export function duplicateIndex(seeds: readonly SeedText[], accepted: Iterable<{ id: string; question: string }>, threshold: number): MinHashIndex {
  const index = new MinHashIndex({ threshold });
  for (const seed of seeds) index.add(`seed:${seed.id}`, seed.question);
  for (const record of accepted) index.add(record.id, record.question);
  return index;
}

/** The dataset's examples as strategies see them. */
export function seedTexts(examples: ReadonlyArray<{ id: string; question: string; answer: string }>): SeedText[] {
  return examples.map((example) => ({ id: example.id, question: example.question, answer: example.answer }));
}
