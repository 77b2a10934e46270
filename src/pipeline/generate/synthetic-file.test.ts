import { appendFileSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRun } from "../../store/run.js";
import { GenerateStore } from "./generate-store.js";
import { appendAccepted, reconcileSyntheticFile } from "./synthetic-file.js";

const usage = { promptTokens: 10, completionTokens: 5, requests: 1, cached: 0 };
const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).id);

describe("reconcileSyntheticFile", () => {
  it("after a kill between the database and the file: appends what is missing once, cuts a torn line, never doubles", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gapfill-synthetic-"));
    const run = await openRun(join(dir, "run"), { command: "test", onNotice: () => {} });
    try {
      const store = new GenerateStore(run.db);
      const path = run.path("synthetic.jsonl");
      store.recordAccepted("embed", 0, { id: "a", question: "q0" }, "raw", usage);
      appendAccepted(path, store, { id: "a" });
      // Killed after the database row, before the append:
      store.recordAccepted("embed", 1, { id: "b", question: "q1" }, "raw", usage);
      // Killed after the append, before the flag (the record is in the file already):
      store.recordAccepted("embed", 2, { id: "c", question: "q2" }, "raw", usage);
      appendFileSync(path, JSON.stringify({ id: "c", question: "q2" }) + "\n");
      // And a torn write of something never accepted:
      appendFileSync(path, '{"id": "torn", "quest');

      reconcileSyntheticFile(path, store, "embed");
      expect(lines(path)).toEqual(["a", "c", "b"]);
      expect(store.acceptedRecords("embed").every((stored) => stored.appended)).toBe(true);
      reconcileSyntheticFile(path, store, "embed");
      expect(lines(path)).toEqual(["a", "c", "b"]);
      expect(store.totals("embed")).toMatchObject({ attempts: 3, accepted: 3, promptTokens: 30, requests: 3 });
      expect(store.decidedAttempts("embed")).toEqual(new Set([0, 1, 2]));
    } finally {
      run.close();
    }
  });
});
