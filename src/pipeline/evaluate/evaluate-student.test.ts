import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import type { ProgressEvent } from "../../core/events.js";
import { createEngine } from "../../engines/create-engine.js";
import { RequestCache } from "../../engines/request-cache.js";
import { OpenAITestServer, type ReceivedRequest } from "../../../test/support/openai-test-server.js";
import { openRun, type Run } from "../../store/index.js";
import { evaluateStudent } from "./evaluate-student.js";
import { LOSS_FAILURES_BEFORE_OFF } from "./loss-scorer.js";
import { readEvaluatedItems, readEvaluationRecord } from "./evaluation-store.js";
import { ItemFailures } from "../item-failures.js";
import { Reply } from "../../../test/support/openai-test-server.js";

/** Ten GSM8K-style items "a + b"; the student answers items 0–6 right and 7–9 wrong. */
const items: Example[] = Array.from({ length: 10 }, (_, i) => ({
  id: `q${i}`,
  question: `What is ${i} + ${i + 100}?`,
  answer: `Add them: ${i} + ${i + 100} = ${2 * i + 100}.\n#### ${2 * i + 100}`,
  source: { file: "bench.jsonl", line: i + 1 },
}));

function studentAnswer(request: ReceivedRequest): string {
  const prompt = String(request.body.prompt ?? "");
  if (request.body.echo === true) return "";
  const match = /Question: What is (\d+) \+ (\d+)\?\nAnswer:$/.exec(prompt);
  if (!match) return "I do not know.";
  const i = Number(match[1]);
  const sum = Number(match[1]) + Number(match[2]);
  return i < 7 ? ` ${match[1]} plus ${match[2]} is ${sum}.\n#### ${sum}` : ` It is ${sum + 1}.\n#### ${sum + 1}`;
}

let server: OpenAITestServer;
let dir: string;
let run: Run | undefined;
let engine: Engine | undefined;

beforeEach(async () => {
  server = await OpenAITestServer.start();
});
afterEach(async () => {
  await server.close();
  await engine?.close();
  run?.close();
  engine = undefined;
  run = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<{ run: Run; engine: Engine }> {
  dir = mkdtempSync(join(tmpdir(), "gapfill-eval-"));
  run = await openRun(join(dir, "run"), { command: "eval" });
  engine = await createEngine(`openai:student@${server.baseUrl}`, { cache: new RequestCache(run.db), env: {} });
  return { run, engine };
}

describe("evaluateStudent against the test server", () => {
  it("judges known right and wrong answers: accuracy 7/10 with the exact Wilson interval, every item stored", async () => {
    server.handle("completions", studentAnswer);
    const { run, engine } = await setup();
    const events: ProgressEvent[] = [];
    const result = await evaluateStudent(engine, items, run, { onEvent: (event) => events.push(event) });
    expect(result.accuracy.successes).toBe(7);
    expect(result.accuracy.n).toBe(10);
    // scipy reference (src/geometry/reference/statistics-reference.json, Wilson 7 of 10).
    expect(result.accuracy.lower).toBeCloseTo(0.39677814746114537, 12);
    expect(result.accuracy.upper).toBeCloseTo(0.8922087325936989, 12);
    const stored = readEvaluatedItems(run.db, "eval");
    expect(stored.map((item) => item.correct)).toEqual([true, true, true, true, true, true, true, false, false, false]);
    expect(stored[3]).toMatchObject({ extracted: "106", referenceAnswer: "106", extractionMethod: "gsm8k" });
    expect(stored[8]).toMatchObject({ extracted: "117", referenceAnswer: "116", correct: false });
    expect(stored[0].prompt).toContain("Question: What is 0 + 100?\nAnswer:");
    expect(stored[0].output).toContain("#### 100");
    // The greedy answer was asked for greedily, with the template's stop sequences.
    const asks = server.requests.filter((request) => request.body.echo !== true);
    expect(asks).toHaveLength(10);
    expect(asks.every((request) => request.body.temperature === 0 && request.body.max_tokens === 512)).toBe(true);
    // Loss signals: both scored through completions echo, finite and positive.
    expect(result.lossSignals).toBe("scored");
    expect(stored.every((item) => item.referenceLoss !== null && item.referenceLoss > 0 && item.ownLoss !== null && item.ownLoss > 0)).toBe(true);
    expect(server.requests.filter((request) => request.body.echo === true)).toHaveLength(20);
    const ticks = events.filter((event) => event.type === "evaluate-progress");
    expect(ticks.at(-1)).toMatchObject({ done: 10, total: 10, detail: "accuracy 70.0% (7/10)" });
  });

  it("resumes after an interruption: judged items are kept, only the rest are asked, a finished run sends nothing", async () => {
    server.handle("completions", studentAnswer);
    const { run, engine } = await setup();
    const controller = new AbortController();
    const interrupted = evaluateStudent(engine, items, run, {
      concurrency: 1,
      signal: controller.signal,
      onEvent: (event) => event.type === "evaluate-progress" && event.done === 4 && controller.abort(),
    });
    await expect(interrupted).rejects.toThrow();
    expect(readEvaluatedItems(run.db, "eval")).toHaveLength(4);
    const asked = () => server.requests.filter((request) => request.body.echo !== true).map((request) => String(request.body.prompt).match(/What is (\d+) \+/)?.[1]);
    expect(asked()).toEqual(["0", "1", "2", "3"]);

    const resumed = await evaluateStudent(engine, items, run);
    expect(resumed.judgedNow).toBe(6);
    expect(asked().sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(resumed.accuracy.successes).toBe(7);

    const sent = server.requests.length;
    const again = await evaluateStudent(engine, items, run);
    expect(server.requests.length).toBe(sent);
    expect(again.judgedNow).toBe(0);
    expect(again.lossSignals).toBe("scored");
    await expect(evaluateStudent(engine, items, run, { maxTokens: 64 })).rejects.toThrow(/different settings \(maxTokens: 512 → 64\)/);
  });

  it("samples K answers at temperature 0.7 with distinct seeds and stores their entropy", async () => {
    let call = 0;
    server.handle("completions", (request) => {
      if (request.body.echo === true) return "";
      if (request.body.temperature === 0) return studentAnswer(request);
      // Samples alternate 100, 100, 101 for every item: entropy of shares (2/3, 1/3).
      return ` #### ${[100, 100, 101][call++ % 3]}`;
    });
    const { run, engine } = await setup();
    const result = await evaluateStudent(engine, items.slice(0, 2), run, { samples: 3, lossSignals: false, concurrency: 1 });
    const expected = -(2 / 3) * Math.log(2 / 3) - (1 / 3) * Math.log(1 / 3);
    expect(result.items[0].sampleAnswers).toEqual(["100", "100", "101"]);
    expect(result.items[0].sampleEntropy).toBeCloseTo(expected, 12);
    const sampled = server.requests.filter((request) => request.body.temperature === 0.7);
    expect(sampled.map((request) => request.body.seed)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(result.lossSignals).toBe("skipped: turned off");
    expect(result.items[0].referenceLoss).toBeNull();
  });

  it("an engine without the score capability, or a server that cannot echo log-probs, skips the losses with a notice", async () => {
    server.handle("completions", (request) => {
      if (request.body.echo === true) return { id: "x", object: "text_completion", choices: [{ index: 0, text: "", finish_reason: "stop", logprobs: null }] };
      return studentAnswer(request);
    });
    const { run, engine } = await setup();
    const notices: string[] = [];
    const result = await evaluateStudent(engine, items, run, { onEvent: (event) => event.type === "notice" && notices.push(event.message), concurrency: 1 });
    expect(result.lossSignals).toMatch(/^skipped: openai:student@.* could not score a continuation/);
    expect(notices.some((message) => message.includes("answers are still judged"))).toBe(true);
    expect(result.accuracy.successes).toBe(7);
    // A few items are tried before the signals go off; then no item asks again.
    expect(server.requests.filter((request) => request.body.echo === true)).toHaveLength(LOSS_FAILURES_BEFORE_OFF);

    const noScore: Engine = Object.assign(Object.create(engine) as Engine, { capabilities: new Set(["complete", "chat"]) });
    const second = await evaluateStudent(noScore, items, run, { name: "no-score", onEvent: (event) => event.type === "notice" && notices.push(event.message) });
    expect(second.lossSignals).toMatch(/has no token log-probs/);
    expect(notices.some((message) => message.includes('has no token log-probs (the "score" capability)'))).toBe(true);
  });

  it("judges MATH-style items (\\boxed answers, LaTeX forms) with the equivalence checker", async () => {
    const math: Example[] = [
      { id: "m1", question: "Simplify 2/4.", answer: "Divide by 2: $\\boxed{\\frac{1}{2}}$", source: { file: "math.jsonl", line: 1 } },
      { id: "m2", question: "Solve x^2 = 4, x > 0.", answer: "So $x = \\boxed{2}$.", source: { file: "math.jsonl", line: 2 } },
      { id: "m3", question: "Interval where x > 1.", answer: "$\\boxed{(1, \\infty)}$", source: { file: "math.jsonl", line: 3 } },
      { id: "m4", question: "Compute sqrt(8).", answer: "$\\boxed{2\\sqrt{2}}$", source: { file: "math.jsonl", line: 4 } },
    ];
    const outputs: Record<string, string> = {
      "Simplify 2/4.": "The fraction reduces to $\\boxed{0.5}$.",
      "Solve x^2 = 4, x > 0.": "Final answer: $x=2$",
      "Interval where x > 1.": "$\\boxed{[1, \\infty)}$",
      "Compute sqrt(8).": "It is $\\boxed{\\sqrt{8}}$",
    };
    server.handle("completions", (request) => {
      if (request.body.echo === true) return "";
      const question = /Question: (.*)\nAnswer:$/.exec(String(request.body.prompt))?.[1] ?? "";
      return ` ${outputs[question] ?? "?"}`;
    });
    const { run, engine } = await setup();
    const result = await evaluateStudent(engine, math, run, { lossSignals: false });
    expect(result.items.map((item) => [item.referenceAnswer, item.extracted, item.correct])).toEqual([
      ["\\frac{1}{2}", "0.5", true],
      ["2", "x=2", true],
      ["(1, \\infty)", "[1, \\infty)", false],
      ["2\\sqrt{2}", "\\sqrt{8}", true],
    ]);
  });

  it("puts few-shot examples before the question and uses chat when asked", async () => {
    server.handle("chat", (request) => {
      const content = String((request.body.messages as Array<{ content: string }>)[0].content);
      return content.includes("Question: What is 1 + 101?\nAnswer: Add them") ? "#### 100" : "no shots seen";
    });
    const { run, engine } = await setup();
    const result = await evaluateStudent(engine, items.slice(0, 1), run, { style: "chat", shots: items.slice(1, 2), lossSignals: false });
    expect(result.items[0].correct).toBe(true);
    expect(result.items[0].prompt).toMatch(/^Solve the problem below[\s\S]*Question: What is 1 \+ 101\?\nAnswer: Add them[\s\S]*Problem: What is 0 \+ 100\?$/);
  });

  it("an item whose requests keep failing is recorded with its reason, the rest are judged, and a rerun retries it", async () => {
    let broken = true;
    server.handle("completions", (request) => (broken && String(request.body.prompt ?? "").includes("What is 4 + 104?") ? new Reply(500, { error: { message: "boom" } }) : studentAnswer(request)));
    const { run } = await setup();
    const fast = await createEngine(`openai:student@${server.baseUrl}`, { cache: new RequestCache(run.db), env: {}, http: { backoff: { baseMs: 1, maxMs: 2 }, maxAttempts: 2 } });
    const warnings: string[] = [];
    try {
      const first = await evaluateStudent(fast, items, run, { lossSignals: false, onEvent: (event: ProgressEvent) => event.type === "warning" && warnings.push(event.message) });
      expect(first.failed).toBe(1);
      expect(first.items.map((item) => item.id)).not.toContain("q4");
      expect(first.items).toHaveLength(9);
      expect(new ItemFailures(run.db).list("evaluate", first.name)).toMatchObject([{ item: 4, reason: "server-error" }]);
      expect(warnings.join("\n")).toContain("item q4 failed (server-error)");
      expect(readEvaluationRecord(run.db, first.name)?.finishedAt).toBeNull();
      broken = false;
      const second = await evaluateStudent(fast, items, run, { lossSignals: false });
      expect(second).toMatchObject({ failed: 0, judgedNow: 1 });
      expect(second.items).toHaveLength(10);
      expect(new ItemFailures(run.db).list("evaluate", second.name)).toEqual([]);
    } finally {
      await fast.close();
    }
  });
});
