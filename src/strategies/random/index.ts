import { defineStrategy } from "../strategy.js";
import { seedExampleTask } from "../task/seed-example-task.js";
import { createRandomSeeds } from "./random-seeds.js";

/** The baseline: the teacher writes each new example from one seed drawn at random. */
export const randomStrategy = defineStrategy({
  name: "random",
  summary: "one random seed per new example (the baseline)",
  modes: ["generate", "loop"],
  needs: [],
  options: [],
  task: seedExampleTask,
  async plan(context) {
    const base = createRandomSeeds(context.examples, context.seed);
    return { targetOf: (attempt) => ({ ...base(context.offset + attempt), attempt }) };
  },
  provenance: () => ({}),
  report: { color: "#1c7ed6", label: "random seeds", mapTargets: false },
});

export { createRandomSeeds, seededPermutation } from "./random-seeds.js";
