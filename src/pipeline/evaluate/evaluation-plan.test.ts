import { describe, expect, it } from "vitest";
import type { Capability, Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { OptionError } from "../../core/errors.js";
import { planEvaluation, planPrompt } from "./evaluation-plan.js";

const items: Example[] = [
  { id: "a", question: "1 + 1?", answer: "#### 2", source: { file: "b.jsonl", line: 1 } },
  { id: "b", question: "2 + 2?", answer: "#### 4", source: { file: "b.jsonl", line: 2 } },
];

/** Only what planning reads of an engine: no request is ever sent. */
function engineWith(capabilities: Capability[], kind: Engine["kind"] = "openai"): Engine {
  return { spec: `${kind}:m`, kind, capabilities: new Set(capabilities) } as unknown as Engine;
}

describe("planEvaluation", () => {
  it("keeps the engine's concurrency busy: twice its requests at once in flight as items, 8 when it declares none, 1 embedded", () => {
    const engine = { ...engineWith(["complete"]), concurrency: 32 } as Engine;
    expect(planEvaluation(engine, items).concurrency).toBe(64);
    expect(planEvaluation(engine, items, { concurrency: 3 }).concurrency).toBe(3);
    expect(planEvaluation(engineWith(["complete"]), items).concurrency).toBe(8);
    expect(planEvaluation({ ...engineWith(["complete"], "llama"), concurrency: 4 } as Engine, items).concurrency).toBe(1);
  });

  it("fills the defaults: greedy 512-token completions, no sampling, loss signals on, 8 in flight over HTTP and 1 embedded", () => {
    const plan = planEvaluation(engineWith(["complete", "score"]), items);
    expect(plan).toMatchObject({ name: "eval", style: "completion", maxTokens: 512, samples: 0, sampleTemperature: 0.7, seed: 0, lossSignals: true, concurrency: 8 });
    expect(plan.record).toMatchObject({ name: "eval", student: "openai:m", benchmark: "", items: 2 });
    expect(plan.record.params).toMatchObject({ style: "completion", shotCount: 0, maxTokens: 512, samples: 0, sampleTemperature: null, seed: 0 });
    expect(planEvaluation(engineWith(["complete"], "llama"), items).concurrency).toBe(1);
    expect(planPrompt(plan, "  3 + 3? ")).toMatch(/Question: 3 \+ 3\?\nAnswer:$/);
  });

  it("stores what changes a verdict (items, shots, sampling) and not what only changes speed (concurrency)", () => {
    const engine = engineWith(["complete"]);
    const base = planEvaluation(engine, items).record;
    expect(planEvaluation(engine, items, { concurrency: 2 }).record).toEqual(base);
    expect(planEvaluation(engine, items.slice(0, 1)).record.benchmarkDigest).not.toBe(base.benchmarkDigest);
    expect(planEvaluation(engine, [{ ...items[0], answer: "#### 3" }, items[1]]).record.benchmarkDigest).not.toBe(base.benchmarkDigest);
    expect(planEvaluation(engine, items, { shots: items.slice(0, 1) }).record.params).toMatchObject({ shotCount: 1 });
    expect(planEvaluation(engine, items, { shots: items.slice(0, 1) }).record.params.shots).not.toBe(base.params.shots);
    expect(planEvaluation(engine, items, { samples: 3 }).record.params).toMatchObject({ samples: 3, sampleTemperature: 0.7 });
    // Answer extraction changes verdicts; at its defaults the header is the one stored before it existed.
    expect(planEvaluation(engine, items, { answerBoxes: "last", lastNumberFallback: false }).record).toEqual(base);
    expect(planEvaluation(engine, items, { answerBoxes: "all" }).record.params).toMatchObject({ answerBoxes: "all" });
    expect(planEvaluation(engine, items, { lastNumberFallback: true }).record.params).toMatchObject({ lastNumberFallback: true });
    expect(planEvaluation(engine, items, { answerBoxes: "first" }).extraction).toEqual({ boxes: "first", lastNumberFallback: false });
  });

  it("refuses bad values naming the library option, never a CLI flag", () => {
    const engine = engineWith(["complete", "chat"]);
    const cases: Array<[Parameters<typeof planEvaluation>[2], string]> = [
      [{ maxTokens: 0 }, "maxTokens"],
      [{ samples: -1 }, "samples"],
      [{ samples: 1.5 }, "samples"],
      [{ sampleTemperature: 0 }, "sampleTemperature"],
      [{ seed: -2 }, "seed"],
      [{ concurrency: 0 }, "concurrency"],
      [{ answerBoxes: "middle" as "last" }, "answerBoxes"],
    ];
    for (const [options, option] of cases) {
      const error = captured(() => planEvaluation(engine, items, options));
      expect(error, option).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe(option);
      expect(error.message).not.toContain("--");
    }
  });

  it("checks the capability the prompt style needs before anything is sent, and names the other style", () => {
    const chatOnly = captured(() => planEvaluation(engineWith(["chat"]), items, { style: "completion" })) as OptionError;
    expect(chatOnly).toBeInstanceOf(OptionError);
    expect(chatOnly).toMatchObject({ option: "style", code: "capability-missing", userFixable: true });
    expect(chatOnly.message).toBe('style "completion" needs the "complete" capability, which openai:m does not have: use "chat"');
    expect(captured(() => planEvaluation(engineWith(["complete"]), items, { style: "chat" })).message).toMatch(/"chat" capability.*use "completion"/);
  });
});

function captured(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}
