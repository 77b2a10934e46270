import type { Target } from "../target.js";
import { renderTemplate, templateOf, type TemplateSpec } from "./prompt-templates.js";
import { EXAMPLE_JSON_SCHEMA, readExample, type TeacherTask, variationNumber } from "./teacher-task.js";

/** The one-seed prompt: a new example in the spirit of one seed (random, active). */
export const ONE_SEED_TEMPLATE: TemplateSpec = { name: "one-seed", placeholders: ["seed_question", "seed_answer", "variation"] };

/** The two-seed prompt: a new example between two seeds, with the student's decoded partial as a hint (embed). */
export const TWO_SEED_TEMPLATE: TemplateSpec = {
  name: "two-seed",
  placeholders: ["seed1_question", "seed1_answer", "seed2_question", "seed2_answer", "partial", "variation"],
};

/** A target the seed-example task can read: its seeds, and for two seeds an optional decoded partial. */
export interface SeedExampleTarget extends Target {
  partial?: string;
}

/**
 * The task behind embed, random and active: the teacher writes one new example from one seed or
 * between two (with the student's decoded partial when there is one), as JSON with question,
 * worked answer and final answer.
 */
export const seedExampleTask: TeacherTask<SeedExampleTarget> = {
  templates: [ONE_SEED_TEMPLATE, TWO_SEED_TEMPLATE],
  formatInput(target, context) {
    const variation = variationNumber(target);
    const [first, second] = target.seeds;
    const template = templateOf(context.templates, second ? TWO_SEED_TEMPLATE.name : ONE_SEED_TEMPLATE.name);
    const content = second
      ? renderTemplate(template, {
          seed1_question: first.question,
          seed1_answer: first.answer,
          seed2_question: second.question,
          seed2_answer: second.answer,
          partial: target.partial,
          variation,
        })
      : renderTemplate(template, { seed_question: first.question, seed_answer: first.answer, variation });
    return { messages: [{ role: "user", content }], template, jsonSchema: context.jsonSchema ? EXAMPLE_JSON_SCHEMA : undefined };
  },
  formatOutput: (text, _target, context) => readExample(text, context),
};
