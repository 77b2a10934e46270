import { describe, expect, it } from "vitest";
import { BatchPendingError, EngineCallError } from "../../core/errors.js";
import { judgePending } from "./judge-pending.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("judgePending", () => {
  it("judges every pending position with at most `concurrency` in flight, storing each as it comes", async () => {
    let inFlight = 0;
    let most = 0;
    const stored: number[] = [];
    await judgePending(
      [0, 2, 3, 5, 8, 9],
      async (position) => {
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
        return position * 10;
      },
      { concurrency: 3, onJudged: (position, judged) => stored.push(judged / 10 === position ? position : -1) },
    );
    expect(stored.sort((a, b) => a - b)).toEqual([0, 2, 3, 5, 8, 9]);
    expect(most).toBe(3);
  });

  it("on a failure, stores what the other workers had in hand, starts nothing new, and rethrows it", async () => {
    const started: number[] = [];
    const stored: number[] = [];
    const run = judgePending(
      [0, 1, 2, 3, 4, 5, 6, 7],
      async (position) => {
        started.push(position);
        await tick();
        if (position === 1) throw new Error("server gone");
        await tick();
        return position;
      },
      { concurrency: 2, onJudged: (position) => stored.push(position) },
    );
    await expect(run).rejects.toThrow("server gone");
    // Workers took 0 and 1; 1 failed, 0 was finished and stored; the failure stopped both workers.
    expect(started).toEqual([0, 1]);
    expect(stored).toEqual([0]);
  });

  it("in batch mode leaves pending items unjudged, goes on with the rest, and reports how many are pending", async () => {
    const stored: number[] = [];
    const run = judgePending(
      [0, 1, 2, 3, 4],
      async (position) => {
        if (position % 2 === 1) throw new BatchPendingError(1);
        return position;
      },
      { concurrency: 2, onJudged: (position) => stored.push(position) },
    );
    await expect(run).rejects.toMatchObject({ code: "batch-pending", pending: 2 });
    expect(stored.sort()).toEqual([0, 2, 4]);
  });

  it("stops at an abort between items", async () => {
    const controller = new AbortController();
    const stored: number[] = [];
    const run = judgePending(
      [0, 1, 2, 3],
      async (position) => {
        if (position === 1) controller.abort();
        return position;
      },
      { concurrency: 1, signal: controller.signal, onJudged: (position) => stored.push(position) },
    );
    await expect(run).rejects.toThrow();
    expect(stored).toEqual([0, 1]);
  });

  it("does nothing for nothing pending", async () => {
    await expect(judgePending([], async () => 1, { concurrency: 4, onJudged: () => expect.fail("nothing to store") })).resolves.toBeUndefined();
  });

  it("with onFailed, a request that cannot be answered costs its item only; the others are judged", async () => {
    const stored: number[] = [];
    const failed: number[] = [];
    await judgePending(
      Array.from({ length: 20 }, (_, i) => i),
      async (position) => {
        await tick();
        if (position === 3 || position === 11) throw new EngineCallError("HTTP 500 (gave up after 6 attempts)", { endpoint: "http://127.0.0.1:1/v1", statusCode: 500, retryable: true });
        return position;
      },
      { concurrency: 4, onJudged: (position) => stored.push(position), onFailed: (position) => failed.push(position) },
    );
    expect(failed.sort((a, b) => a - b)).toEqual([3, 11]);
    expect(stored).toHaveLength(18);
  });

  it("with onFailed, stops past the failure rate, and at once on a stage-wide failure (401)", async () => {
    const failing = (statusCode: number) => async () => {
      await tick();
      throw new EngineCallError(`HTTP ${statusCode}`, { endpoint: "http://127.0.0.1:1/v1", statusCode, retryable: statusCode >= 500 });
    };
    const failed: number[] = [];
    const all = Array.from({ length: 50 }, (_, i) => i);
    await expect(judgePending(all, failing(500), { concurrency: 2, onJudged: () => undefined, onFailed: (p) => failed.push(p), maxFailureRate: 0.2 })).rejects.toMatchObject({
      code: "failure-rate",
    });
    // Judged only until the rate was measurable: the minimum sample plus what was in flight.
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.length).toBeLessThanOrEqual(12);
    failed.length = 0;
    await expect(judgePending(all, failing(401), { concurrency: 2, onJudged: () => undefined, onFailed: (p) => failed.push(p) })).rejects.toMatchObject({ statusCode: 401 });
    expect(failed).toEqual([]);
  });
});
