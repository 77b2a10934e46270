import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMultiStep } from "../../examples/custom-strategy.js";
import { listStrategies } from "../../src/strategies/registry.js";
import { fakeTeacher } from "../cli/fake-teacher.js";
import { OpenAITestServer } from "../support/openai-test-server.js";

describe("examples/custom-strategy.ts", () => {
  let server: OpenAITestServer;
  beforeAll(async () => {
    server = await OpenAITestServer.start();
    server.handle("chat", fakeTeacher());
  });
  afterAll(async () => {
    await server?.close();
  });

  it("runs its own strategy through the library on the bundled word problems", async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), "gapfill-example-")), "run");
    const result = await generateMultiStep("examples/word-problems.jsonl", runDir, `openai:teacher@${server.baseUrl}`, 5);
    expect(result).toMatchObject({ strategy: "multi-step", accepted: 5, stopped: "budget" });
    const records = readFileSync(join(runDir, "synthetic.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(records).toHaveLength(5);
    // Every seed used had at least two solution steps, the most-step seeds first.
    expect(records.every((record) => record.strategy === "multi-step" && record.seed_steps >= 2)).toBe(true);
    // The example unregisters its strategy when done.
    expect(listStrategies().map((strategy) => strategy.name)).not.toContain("multi-step");
  });
});
