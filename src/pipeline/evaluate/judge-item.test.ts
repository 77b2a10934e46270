import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { createEngine } from "../../engines/create-engine.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { planEvaluation } from "./evaluation-plan.js";
import { COMPLETION_STOPS, judgeItem, sampleAnswers, studentAsker } from "./judge-item.js";
import { createLossScorer } from "./loss-scorer.js";

const item: Example = { id: "q7", question: "What is 7 + 107?", answer: "Add them: 7 + 107 = 114.\n#### 114", source: { file: "bench.jsonl", line: 8 } };

let server: OpenAITestServer;
let engine: Engine;

beforeAll(async () => {
  server = await OpenAITestServer.start();
  engine = await createEngine(`openai:student@${server.baseUrl}`, { env: {} });
});
afterAll(async () => {
  await engine.close();
  await server.close();
});
beforeEach(() => server.clearRecords());

describe("judgeItem", () => {
  it("asks greedily with the stop sequences, scores the reference and the own answer, and grades", async () => {
    server.handle("completions", (request) => (request.body.echo === true ? "" : " 7 and 107 make 114.\n#### 114"));
    const plan = planEvaluation(engine, [item], { seed: 5 });
    const judged = await judgeItem(item, 7, { plan, ask: studentAsker(engine, plan.style), scorer: createLossScorer(engine) });
    expect(judged).toMatchObject({ position: 7, id: "q7", extracted: "114", referenceAnswer: "114", extractionMethod: "gsm8k", correct: true, finishReason: "stop", sampleAnswers: null, sampleEntropy: null });
    expect(judged.prompt).toMatch(/Question: What is 7 \+ 107\?\nAnswer:$/);
    const [ask] = server.requests.filter((request) => request.body.echo !== true);
    expect(ask.body).toMatchObject({ prompt: judged.prompt, temperature: 0, seed: 5, max_tokens: 512, stop: COMPLETION_STOPS });
    // Reference and own answer scored as continuations of the very prompt that was asked.
    const scored = server.requests.filter((request) => request.body.echo === true).map((request) => String(request.body.prompt));
    expect(scored.sort()).toEqual([`${judged.prompt} 7 and 107 make 114.\n#### 114`, `${judged.prompt} Add them: 7 + 107 = 114.\n#### 114`].sort());
    expect(judged.referenceLoss).toBeGreaterThan(0);
    expect(judged.ownLoss).toBeGreaterThan(0);
  });

  it("in chat style sends the prompt as one user message, with no stop sequences", async () => {
    server.handle("chat", () => "#### 115");
    const plan = planEvaluation(engine, [item], { style: "chat", lossSignals: false });
    const judged = await judgeItem(item, 0, { plan, ask: studentAsker(engine, "chat"), scorer: createLossScorer(engine, { enabled: false }) });
    expect(judged).toMatchObject({ extracted: "115", correct: false, referenceLoss: null, ownLoss: null });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body.messages).toEqual([{ role: "user", content: judged.prompt }]);
    expect(server.requests[0].body.stop).toBeUndefined();
  });
});

describe("sampleAnswers", () => {
  it("asks K times at the sample temperature with seeds seed+1…seed+K and measures the answers' entropy", async () => {
    // Answered by seed: the K requests are in flight together, so their arrival order is not k's.
    server.handle("completions", (request) => [" #### 4", " #### 4.0", " no idea", " #### 5"][Number(request.body.seed) - 11]);
    const sampled = await sampleAnswers(studentAsker(engine, "completion"), "Q: 2 + 2?\nA:", { samples: 4, sampleTemperature: 0.9, seed: 10, maxTokens: 16 });
    expect(sampled.answers).toEqual(["4", "4.0", null, "5"]);
    // Shares {4, 4.0}: 1/2, none: 1/4, 5: 1/4 (equivalent answers grouped).
    expect(sampled.entropy).toBeCloseTo(-(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)), 12);
    const sent = server.requests.map((request) => [request.body.temperature, request.body.seed, request.body.max_tokens]);
    expect(sent.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      [0.9, 11, 16],
      [0.9, 12, 16],
      [0.9, 13, 16],
      [0.9, 14, 16],
    ]);
  });
});

describe("an item's requests", () => {
  it("go out together when independent (answer, reference loss, K samples); only the answer's own loss waits for the answer", async () => {
    // Each request is held until every request the item can send before its answer is in.
    const held: Array<() => void> = [];
    let inFlight = 0;
    let peak = 0;
    const gate = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length >= 4) held.splice(0).forEach((release) => release());
        else setTimeout(() => held.splice(0).forEach((release) => release()), 200);
      });
      inFlight--;
    };
    const stub = {
      spec: "stub:m",
      kind: "stub",
      capabilities: new Set(["complete", "score"]),
      complete: async () => (await gate(), { text: " #### 114", usage: { promptTokens: 1, completionTokens: 1 } }),
      score: async () => (await gate(), { tokenLogprobs: [-1], meanLoss: 1 }),
    } as unknown as Engine;
    const plan = planEvaluation(stub, [item], { samples: 2 });
    const judged = await judgeItem(item, 0, { plan, ask: studentAsker(stub, plan.style), scorer: createLossScorer(stub) });
    expect(judged).toMatchObject({ correct: true, referenceLoss: 1, ownLoss: 1, sampleAnswers: ["114", "114"] });
    // Answer + reference loss + 2 samples at once; before, they went out one or two at a time.
    expect(peak).toBe(4);
  });
});
