import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer, type ReceivedRequest } from "../../../test/support/openai-test-server.js";
import { fakeTeacher } from "../../../test/cli/fake-teacher.js";
import { createEngine } from "../../engines/create-engine.js";
import { RequestCache } from "../../engines/request-cache.js";
import { randomStrategy } from "../../strategies/random/index.js";
import { seedExampleTask } from "../../strategies/task/seed-example-task.js";
import { openRun } from "../../store/index.js";
import { GenerateStore } from "./generate-store.js";
import { duplicateIndex, loadStrategyTemplates, SOLVE_TEMPLATE } from "./generation-setup.js";
import { attemptsInFlight, runGeneration } from "./run-generation.js";

const examples = Array.from({ length: 20 }, (_, i) => ({
  id: `s${i}`,
  question: `Ann has ${i + 3} shells and finds ${i + 2} more. How many shells does Ann have now?`,
  answer: `${i + 3} + ${i + 2} = ${2 * i + 5}\n#### ${2 * i + 5}`,
}));

describe("runGeneration's attempts in flight", () => {
  let server: OpenAITestServer;
  let inFlight = 0;
  let peak = 0;
  beforeAll(async () => {
    server = await OpenAITestServer.start();
    const teacher = fakeTeacher();
    // Each answer takes 15 ms; the handler counts the chats the server holds at once.
    server.handle("chat", async (request: ReceivedRequest) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 15));
      inFlight--;
      return teacher(request);
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("by default keeps as many teacher requests in flight as the teacher's concurrency, with or without verify", async () => {
    for (const verify of [false, true]) {
      peak = 0;
      const run = await openRun(mkdtempSync(join(tmpdir(), "gapfill-run-generation-")), { command: "test", onNotice: () => undefined });
      const teacher = await createEngine(`openai:teacher@${server.baseUrl}?concurrency=5`, { cache: new RequestCache(run.db) });
      try {
        expect(attemptsInFlight(teacher)).toBe(10);
        const templates = loadStrategyTemplates([randomStrategy], undefined);
        const result = await runGeneration({
          strategy: randomStrategy,
          key: "random",
          store: new GenerateStore(run.db),
          syntheticPath: run.path("synthetic.jsonl"),
          duplicates: duplicateIndex(examples, [], 0.8),
          teacher,
          recordId: (attempt) => `t-${attempt}`,
          plan: { targetOf: (attempt) => ({ strategy: "random", attempt, seeds: [examples[attempt % examples.length]], variation: 0 }) },
          settings: {
            teacher,
            task: seedExampleTask,
            taskContext: { templates, style: "gsm8k", jsonSchema: true },
            temperature: 0.8,
            maxTokens: 256,
            seed: 0,
            verify: verify ? templates[SOLVE_TEMPLATE.name] : undefined,
          },
          count: 30,
          maxAttempts: 200,
          onEvent: () => undefined,
        });
        expect(result).toMatchObject({ accepted: 30, stopped: "count" });
        // Never more than the engine allows, and never fewer: a fixed 4 attempts sent 4 at a time.
        expect(peak).toBe(5);
      } finally {
        await teacher.close();
        run.close();
      }
    }
  });

  it("falls back to 4 attempts for an engine that declares no concurrency", () => {
    expect(attemptsInFlight({})).toBe(4);
    expect(attemptsInFlight({ concurrency: 16 })).toBe(32);
  });
});
