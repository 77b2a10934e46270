import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ProgressEvent, progress } from "../core/events.js";
import { PROGRESS_EVENT, withProgressLog } from "./progress-log.js";
import { openRun } from "./run.js";

describe("withProgressLog", () => {
  it("passes every event on and keeps starts, ends, notices and at most one tick per interval (the last before an end)", async () => {
    const run = await openRun(join(mkdtempSync(join(tmpdir(), "gapfill-progress-")), "run"), { command: "test", onNotice: () => undefined });
    try {
      const seen: ProgressEvent[] = [];
      const onEvent = withProgressLog(run, (event) => seen.push(event), 60_000);
      onEvent(progress.start("generate", 100, "examples"));
      for (let done = 1; done <= 50; done++) onEvent(progress.tick("generate", done, 100, `accepted ${done}`));
      onEvent({ type: "warning", stage: "generate", message: "the teacher refused one request" });
      onEvent(progress.end("generate", 50, 1.5));
      expect(seen).toHaveLength(53);
      const logged = (run.db.prepare("SELECT payload FROM events WHERE type = ? ORDER BY id").pluck().all(PROGRESS_EVENT) as string[]).map((text) => JSON.parse(text) as ProgressEvent);
      expect(logged.map((event) => event.type)).toEqual(["generate-start", "generate-progress", "warning", "generate-progress", "generate-end"]);
      expect(logged[1]).toMatchObject({ done: 1 });
      expect(logged[3]).toMatchObject({ done: 50, detail: "accepted 50" });
    } finally {
      run.close();
    }
  });
});
