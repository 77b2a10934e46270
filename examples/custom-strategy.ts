/**
 * A strategy of your own, run through gapfill's library: "multi-step" has the teacher write new
 * examples from the seeds whose worked solutions take the most steps (the problems a small
 * student finds hardest), one seed per example, with gapfill's built-in seed-example task.
 *
 * Everything else — the map, the request cache, resume after a crash, validation, dedup,
 * decontamination, synthetic.jsonl with provenance — is the same pipeline `gapfill generate` runs.
 *
 *   npm run build
 *   npx vite-node examples/custom-strategy.ts -- examples/word-problems.jsonl runs/multi-step ollama:qwen2.5:7b
 */
import { createEngine, defineStrategy, generateExamples, type GenerateResult, openRun, registerStrategy, seedExampleTask } from "gapfill";

/** Steps in a worked solution: its non-empty lines before the final-answer line. */
function steps(answer: string): number {
  return answer.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("####")).length;
}

export const multiStepStrategy = defineStrategy({
  name: "multi-step",
  summary: "seeds whose worked solutions take the most steps, longest first",
  modes: ["generate", "loop"],
  needs: [],
  options: [{ name: "minSteps", argument: "n", type: "integer", default: 2, description: "only seeds with at least this many solution steps" }],
  task: seedExampleTask,
  async plan(context) {
    const minSteps = Number(context.options.minSteps);
    const chosen = context.examples
      .map((seed) => ({ seed, steps: steps(seed.answer) }))
      .filter((entry) => entry.steps >= minSteps)
      .sort((a, b) => b.steps - a.steps || a.seed.id.localeCompare(b.seed.id));
    if (chosen.length === 0) return { note: `no seed has ${minSteps} or more solution steps` };
    return {
      targetOf: (attempt) => {
        const position = (context.offset + attempt) % chosen.length;
        return { strategy: "multi-step", attempt, seeds: [chosen[position].seed], variation: Math.floor((context.offset + attempt) / chosen.length) };
      },
    };
  },
  provenance: (target) => ({ seed_steps: steps(target.seeds[0].answer) }),
  report: { color: "#c2255c", label: "multi-step seeds", mapTargets: false },
});

/** Registers the strategy and generates `budget` examples with it into the run directory. */
export async function generateMultiStep(dataset: string, runDir: string, teacherSpec: string, budget = 10): Promise<GenerateResult> {
  const unregister = registerStrategy(multiStepStrategy);
  const run = await openRun(runDir, { command: "example" });
  const teacher = await createEngine(teacherSpec);
  try {
    return await generateExamples(dataset, run, {
      strategy: "multi-step",
      strategyOptions: { minSteps: 2 },
      budget,
      teacher,
      decontaminate: false,
      onEvent: (event) => {
        if (event.type === "notice" || event.type === "warning") console.error(`${event.type}: ${event.message}`);
      },
    });
  } finally {
    await teacher.close();
    run.close();
    unregister();
  }
}

// Run as a script; the test suite (VITEST is set in its workers) imports it instead.
if (!process.env.VITEST) {
  const [dataset = "examples/word-problems.jsonl", runDir = "runs/multi-step", teacher = "ollama:qwen2.5:7b"] = process.argv.slice(2).filter((arg) => arg !== "--");
  const result = await generateMultiStep(dataset, runDir, teacher);
  console.log(`${result.accepted} of ${result.budget} examples in ${result.syntheticPath}`);
}
