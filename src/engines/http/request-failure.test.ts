import { describe, expect, it } from "vitest";
import { BatchPendingError, EngineCallError, GapfillError, OptionError } from "../../core/errors.js";
import { AdaptiveTimeout } from "./adaptive-timeout.js";
import { NetworkError, RequestTimeoutError, failureReason, failureScope, isOverload } from "./request-failure.js";

const endpoint = "http://127.0.0.1:1/v1/chat/completions";
const status = (statusCode: number, retryable: boolean) => new EngineCallError(`HTTP ${statusCode}`, { endpoint, statusCode, retryable });

describe("failureScope", () => {
  it("costs the item for exhausted retries, one refused request and a wrong shape", () => {
    expect(failureScope(status(500, true))).toBe("item");
    expect(failureScope(status(429, true))).toBe("item");
    expect(failureScope(status(400, false))).toBe("item");
    expect(failureScope(status(422, false))).toBe("item");
    expect(failureScope(new RequestTimeoutError("slow", { endpoint, timeoutMs: 5 }))).toBe("item");
    expect(failureScope(new GapfillError("bad-response", "no logprobs"))).toBe("item");
  });

  it("stops the stage when every request would fail alike, on a bug, and parks batch requests", () => {
    expect(failureScope(status(401, false))).toBe("stage");
    expect(failureScope(status(404, false))).toBe("stage");
    expect(failureScope(new TypeError("x is undefined"))).toBe("stage");
    expect(failureScope(new OptionError("budget", "must be positive"))).toBe("stage");
    expect(failureScope(new BatchPendingError(3))).toBe("pending");
  });
});

describe("failureReason and isOverload", () => {
  it("names the reason, looking through the give-up wrapper", () => {
    const wrapped = new EngineCallError("gave up", { endpoint, retryable: true, statusCode: 503, cause: new RequestTimeoutError("slow", { endpoint, timeoutMs: 5 }) });
    expect(failureReason(wrapped)).toBe("timeout");
    expect(failureReason(status(503, true))).toBe("overloaded");
    expect(failureReason(status(500, true))).toBe("server-error");
    expect(failureReason(status(413, false))).toBe("refused");
    expect(failureReason(new NetworkError("refused", { endpoint, retryable: true }))).toBe("network");
  });

  it("treats 429, 503, timeouts and network failures as overload, a 500 not", () => {
    expect([429, 503, 504].map((code) => isOverload(status(code, true)))).toEqual([true, true, true]);
    expect(isOverload(status(500, true))).toBe(false);
    expect(isOverload(new RequestTimeoutError("slow", { endpoint, timeoutMs: 5 }))).toBe(true);
  });
});

describe("AdaptiveTimeout", () => {
  it("keeps the initial timeout until it has seen enough, then follows multiple × p95 above the floor", () => {
    const timeout = new AdaptiveTimeout({ initialMs: 300_000, floorMs: 1_000, multiple: 4, minSamples: 4, earlySamples: 2 });
    timeout.observe(100);
    expect(timeout.currentMs()).toBe(300_000);
    // Few samples: twice the multiple of the slowest.
    [200, 300].forEach((ms) => timeout.observe(ms));
    expect(timeout.currentMs()).toBe(2_400);
    timeout.observe(2_000);
    expect(timeout.currentMs()).toBe(8_000);
    const fast = new AdaptiveTimeout({ initialMs: 300_000, floorMs: 1_000, multiple: 4, minSamples: 4 });
    [5, 5, 5, 5].forEach((ms) => fast.observe(ms));
    expect(fast.currentMs()).toBe(1_000);
    const slow = new AdaptiveTimeout({ initialMs: 10_000, floorMs: 1_000, multiple: 4, minSamples: 1, earlySamples: 1 });
    slow.observe(60_000);
    expect(slow.currentMs()).toBe(10_000);
  });
});
