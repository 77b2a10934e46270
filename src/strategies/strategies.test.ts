import { describe, expect, it } from "vitest";
import { OptionError } from "../core/errors.js";
import { activeStrategy } from "./active/index.js";
import { createEmbedSeeds, embedStrategy, pairKey, pairsOfMap, type TargetPair } from "./embed/index.js";
import { createRandomSeeds, randomStrategy, seededPermutation } from "./random/index.js";
import { getStrategy, listStrategies, registerStrategy, resolveStrategy, strategyOptions } from "./registry.js";
import { s3Strategy } from "./s3/index.js";
import { defineStrategy, type PlanContext } from "./strategy.js";
import { loadTemplates } from "./task/prompt-templates.js";
import { seedExampleTask } from "./task/seed-example-task.js";
import type { TaskContext } from "./task/teacher-task.js";

const examples = Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, question: `What is ${i} plus ${i}?`, answer: `${i} + ${i} = ${2 * i}\n#### ${2 * i}` }));

function planContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    mode: "generate",
    round: 1,
    examples,
    count: 3,
    offset: 0,
    seed: 0,
    options: {},
    datasetPath: "data/train.jsonl",
    templates: {},
    map: () => Promise.reject(new Error("no map in this test")),
    decoder: () => undefined,
    studentSignals: () => Promise.reject(new Error("no student in this test")),
    studentErrors: () => undefined,
    cache: { get: () => undefined, set: () => undefined },
    notice: () => undefined,
    ...overrides,
  };
}

describe("random seeds", () => {
  it("uses every example once before any repeats, the same for the same seed", () => {
    const pick = createRandomSeeds(examples, 3);
    const first = Array.from({ length: 7 }, (_, attempt) => pick(attempt).seeds[0].id);
    expect(new Set(first).size).toBe(7);
    expect(pick(7).seeds[0].id).toBe(first[0]);
    expect(pick(7).variation).toBe(1);
    expect(Array.from({ length: 7 }, (_, attempt) => createRandomSeeds(examples, 3)(attempt).seeds[0].id)).toEqual(first);
    expect([...seededPermutation(7, 4)]).not.toEqual([...seededPermutation(7, 3)]);
    expect(() => createRandomSeeds([], 0)).toThrow("at least one");
  });

  it("continues the sequence in later loop rounds (offset) instead of restarting it", async () => {
    const round1 = await randomStrategy.plan(planContext({ mode: "loop" }));
    const round2 = await randomStrategy.plan(planContext({ mode: "loop", round: 2, offset: 3 }));
    expect(round2.targetOf!(0).seeds[0].id).toBe(createRandomSeeds(examples, 0)(3).seeds[0].id);
    expect(round2.targetOf!(0).seeds[0].id).not.toBe(round1.targetOf!(0).seeds[0].id);
    expect(round2.targetOf!(0).attempt).toBe(0);
  });
});

describe("embed seeds", () => {
  it("goes through the pairs in order, then cycles them as new variations", () => {
    const pairs: TargetPair[] = [0, 1, 2].map((i) => ({ region: i, cell: 10 + i, midpoint: [i, i], seeds: [examples[2 * i], examples[2 * i + 1]] }));
    const pick = createEmbedSeeds(pairs);
    expect([0, 1, 2, 3, 4].map((attempt) => [pick(attempt).pairIndex, pick(attempt).variation])).toEqual([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1]]);
    expect(pick(4)).toMatchObject({ strategy: "embed", region: 1, cell: 11, midpoint: [1, 1] });
    expect(pick(4).seeds.map((seed) => seed.id)).toEqual(["e2", "e3"]);
    expect(pairKey(pick(1).seeds)).toBe(pairKey(pick(4).seeds));
    expect(() => createEmbedSeeds([])).toThrow("at least one seed pair");
  });

  it("plans from the map: each pair's target cell is the cell of its midpoint", async () => {
    const map = { grid: { shape: [4, 4], min: [0, 0], max: [4, 4] }, pairs: [{ region: 0, midpoint: [2.5, 1.5], seeds: [examples[0], examples[1]] }] };
    expect(pairsOfMap(map)[0].cell).toBe(1 * 4 + 2);
    const notices: string[] = [];
    const plan = await embedStrategy.plan(planContext({ map: async () => map, notice: (message) => notices.push(message), options: strategyOptions(embedStrategy) }));
    expect(plan.targetOf!(0)).toMatchObject({ strategy: "embed", cell: 6, seeds: [{ id: "e0" }, { id: "e1" }] });
    // Without a student that can decode, the plan says so and asks no partial.
    expect(plan.prepare).toBeUndefined();
    expect(plan.facts).toEqual({ decode: { requested: true, used: false, note: "no student given" } });
    expect(notices[0]).toContain("no decoded partials");
    const none = await embedStrategy.plan(planContext({ map: async () => map, options: { decode: "none" } }));
    expect(none.facts).toEqual({ decode: { requested: false, used: false, note: undefined } });
  });
});

describe("active and s3 plans", () => {
  it("active picks the seeds with the highest score, best first, and keeps every score", async () => {
    const losses = [0.5, 2.0, null, 1.5, 0.1, 3.0, 0.2];
    const plan = await activeStrategy.plan(
      planContext({
        mode: "loop",
        count: 3,
        options: strategyOptions(activeStrategy),
        studentSignals: async (request) => {
          expect(request).toEqual({ lossSignals: true, samples: 0 });
          return examples.map((example, k) => ({ id: example.id, ownLoss: losses[k], referenceLoss: null, sampleEntropy: null }));
        },
      }),
    );
    expect([0, 1, 2, 3].map((attempt) => plan.targetOf!(attempt).seeds[0].id)).toEqual(["e5", "e1", "e3", "e5"]);
    expect(plan.selection!.filter((entry) => entry.selectedRank !== null).map((entry) => entry.exampleId)).toEqual(["e1", "e3", "e5"]);
    const noSignal = planContext({ mode: "loop", options: strategyOptions(activeStrategy), studentSignals: async () => examples.map((example) => ({ id: example.id, ownLoss: null, referenceLoss: null, sampleEntropy: null })) });
    await expect(activeStrategy.plan(noSignal)).rejects.toBeInstanceOf(OptionError);
  });

  it("s3 synthesizes in round 1, extrapolates the previous round's errors later, and says when there are none", async () => {
    const options = strategyOptions(s3Strategy, { task: "Add numbers." });
    const first = await s3Strategy.plan(planContext({ mode: "loop", options }));
    expect(first.targetOf!(0)).toMatchObject({ kind: "synthesize", task: "Add numbers." });
    expect(first.targetOf!(0).seeds).toHaveLength(3);
    const error = { id: "v1", question: "What is 2 plus 2?", answer: "#### 4", studentOutput: "5", studentAnswer: "5" };
    const later = await s3Strategy.plan(planContext({ mode: "loop", round: 2, options, studentErrors: () => [error] }));
    expect(later.targetOf!(1)).toMatchObject({ kind: "extrapolate", error, variation: 1 });
    expect(s3Strategy.sourceOf!(later.targetOf!(0))).toBe("s3-error");
    const none = await s3Strategy.plan(planContext({ mode: "loop", round: 2, options, studentErrors: () => [] }));
    expect(none.targetOf).toBeUndefined();
    expect(none.note).toContain("no error");
  });
});

describe("teacher tasks", () => {
  const context: TaskContext = { templates: loadTemplates([...seedExampleTask.templates, ...s3Strategy.task.templates]), style: "gsm8k", jsonSchema: true };

  it("the seed-example task asks from one seed or between two (with the partial), and reads the reply", () => {
    const one = seedExampleTask.formatInput({ strategy: "random", attempt: 0, seeds: [examples[1]], variation: 0 }, context);
    expect(one.template.name).toBe("one-seed");
    expect(one.messages[0].content).toContain(examples[1].question);
    expect(one.jsonSchema).toBeDefined();
    const two = seedExampleTask.formatInput({ strategy: "embed", attempt: 0, seeds: [examples[1], examples[2]], variation: 1, partial: "a blended fragment" }, context);
    expect(two.template.name).toBe("two-seed");
    expect(two.messages[0].content).toContain("a blended fragment");
    expect(two.messages[0].content).toContain("version 2");
    const target = { strategy: "random", attempt: 0, seeds: [examples[1]], variation: 0 };
    const reply = JSON.stringify({ question: "Tom has 3 apples and buys 4 more. How many now?", answer: "3 + 4 = 7\n#### 7", final_answer: "7" });
    expect(seedExampleTask.formatOutput(reply, target, context)).toMatchObject({ ok: true, example: { finalAnswer: "7" } });
    expect(seedExampleTask.formatOutput("I cannot help with that.", target, context)).toMatchObject({ ok: false, reason: "unparseable" });
  });

  it("the s3 task keeps the teacher's rationale", () => {
    const target = { strategy: "s3" as const, kind: "synthesize" as const, attempt: 0, seeds: [examples[1]], variation: 0, task: "Add numbers." };
    const request = s3Strategy.task.formatInput(target, context);
    expect(request.messages[0].content).toContain("Add numbers.");
    // The schema asks for the rationale first, then the example (explain, then generate).
    expect(Object.keys((request.jsonSchema as { properties: object }).properties)).toEqual(["rationale", "question", "answer", "final_answer"]);
    const reply = JSON.stringify({ rationale: "practise carrying", question: "What is 19 plus 23 in total?", answer: "19 + 23 = 42\n#### 42", final_answer: "42" });
    expect(s3Strategy.task.formatOutput(reply, target, context)).toMatchObject({ ok: true, provenance: { rationale: "practise carrying" } });
  });
});

describe("the registry", () => {
  it("lists the strategies per mode and refuses unknown or misplaced ones by option name", () => {
    expect(listStrategies("generate").map((strategy) => strategy.name)).toEqual(["embed", "random"]);
    expect(listStrategies("loop").map((strategy) => strategy.name)).toEqual(["embed", "random", "active", "s3"]);
    expect(getStrategy("s3", "loop")).toBe(s3Strategy);
    expect(() => getStrategy("s3", "generate")).toThrow(OptionError);
    expect(() => getStrategy("s3", "generate")).toThrow(/does not run for generate/);
    const unknown = (() => {
      try {
        getStrategy("nope");
      } catch (error) {
        return error as OptionError;
      }
    })();
    expect(unknown).toMatchObject({ option: "strategy", userFixable: true });
    expect(unknown?.message).toContain("embed, random, active, s3");
  });

  it("fills option defaults and checks choices and integers", () => {
    expect(strategyOptions(activeStrategy)).toEqual({ score: "own-loss", samples: 4 });
    expect(strategyOptions(activeStrategy, { samples: "8" })).toEqual({ score: "own-loss", samples: 8 });
    expect(() => strategyOptions(activeStrategy, { score: "vibes" })).toThrow(/score must be one of own-loss/);
    expect(() => strategyOptions(s3Strategy, { s3Shots: 0 })).toThrow(/s3Shots must be a positive integer/);
  });

  it("takes a new strategy from its definition plus one registration", async () => {
    const toy = defineStrategy({
      name: "toy-longest",
      summary: "the longest questions first",
      modes: ["generate", "loop"],
      needs: [],
      options: [],
      task: seedExampleTask,
      async plan(context) {
        const longest = [...context.examples].sort((a, b) => b.question.length - a.question.length);
        return { targetOf: (attempt) => ({ strategy: "toy-longest", attempt, seeds: [longest[attempt % longest.length]], variation: 0 }) };
      },
      provenance: () => ({ toy: true }),
      report: { color: "#000000", label: "toy", mapTargets: false },
    });
    expect(() => getStrategy("toy-longest")).toThrow(OptionError);
    const unregister = registerStrategy(toy);
    expect(getStrategy("toy-longest", "generate")).toBe(toy);
    expect(listStrategies("loop").map((strategy) => strategy.name)).toContain("toy-longest");
    expect(() => registerStrategy(toy)).toThrow(/already registered/);
    unregister();
    expect(listStrategies().map((strategy) => strategy.name)).not.toContain("toy-longest");
    expect(resolveStrategy(toy, "loop")).toBe(toy);
    const plan = await toy.plan(planContext({ examples: [examples[0], { ...examples[1], question: "A much longer question about apples?" }] }));
    expect(plan.targetOf!(0).seeds[0].id).toBe("e1");
  });
});
