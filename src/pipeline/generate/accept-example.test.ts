import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomStrategy } from "../../strategies/random/index.js";
import { openRun } from "../../store/index.js";
import { acceptOutcome } from "./accept-example.js";
import { GenerateStore } from "./generate-store.js";
import { duplicateIndex } from "./generation-setup.js";
import type { AttemptOutcome } from "./teacher-attempt.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-accept-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const usage = { promptTokens: 10, completionTokens: 5, requests: 1, cached: 0 };
const candidate = (question: string): AttemptOutcome => ({
  kind: "candidate",
  example: { question, answer: "2 + 2 = 4\n#### 4", finalAnswer: "4" },
  provenance: {},
  raw: JSON.stringify({ question }),
  usage,
  template: "one-seed",
  templateHash: "0123456789ab",
  verified: null,
});

describe("acceptOutcome when the job is full", () => {
  it("records a duplicate as a rejection still, and leaves a usable example a spare: not written, not decided", async () => {
    const run = await openRun(join(dir, "run"), { command: "test", onNotice: () => undefined });
    try {
      const store = new GenerateStore(run.db);
      const seed = "Mia has 3 apples and buys 4 more. How many apples does she have now?";
      const context = {
        strategy: randomStrategy,
        key: "random",
        store,
        syntheticPath: run.path("synthetic.jsonl"),
        duplicates: duplicateIndex([{ id: "s0", question: seed, answer: "7" }], [], 0.8),
        teacher: { spec: "openai:teacher@http://127.0.0.1:9/v1", model: "teacher" },
        recordId: (attempt: number) => `r-${attempt}`,
      };
      const target = (attempt: number) => ({ strategy: "random", attempt, seeds: [{ id: "s0", question: seed, answer: "7" }], variation: 0 });
      expect(acceptOutcome(context, target(0), candidate(seed), { full: true })).toBe("rejected");
      expect(acceptOutcome(context, target(1), candidate("A train leaves at 9 and arrives at 11. How long is the trip in hours?"), { full: true })).toBe("spare");
      expect([...store.decidedAttempts("random")]).toEqual([0]);
      expect(existsSync(context.syntheticPath)).toBe(false);
      expect(acceptOutcome(context, target(2), candidate("A baker makes 12 rolls and sells 5. How many rolls are left?"))).toBe("accepted");
      expect([...store.decidedAttempts("random")].sort()).toEqual([0, 2]);
    } finally {
      run.close();
    }
  });
});
