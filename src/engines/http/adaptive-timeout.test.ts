import { describe, expect, it } from "vitest";
import { AdaptiveTimeout } from "./adaptive-timeout.js";

/** The timeout computed the plain way: sort the last `window` latencies and read the percentile. */
function naive(latencies: number[], window: number, options = { initialMs: 300_000, floorMs: 10, multiple: 4 }): number {
  const recent = latencies.slice(-window);
  const count = recent.length;
  if (count < 3) return options.initialMs;
  const sorted = [...recent].sort((a, b) => a - b);
  const high = count < 8 ? 2 * sorted[count - 1] : sorted[Math.min(count - 1, Math.ceil(0.95 * count) - 1)];
  return Math.min(options.initialMs, Math.max(options.floorMs, Math.ceil(4 * high)));
}

describe("AdaptiveTimeout", () => {
  it("equals the sorted p95 of the last window latencies at every step, after the window has wrapped many times", () => {
    const window = 32;
    const timeout = new AdaptiveTimeout({ initialMs: 300_000, floorMs: 10, multiple: 4, window });
    let state = 7;
    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      // Repeated values and a slow phase in the middle: removal must take out one copy, the right one.
      const latency = i > 200 && i < 260 ? 1000 + (state % 5) : 20 + (state % 40);
      latencies.push(latency);
      timeout.observe(latency);
      expect(timeout.currentMs()).toBe(naive(latencies, window));
    }
    // The slow phase has left the window: the timeout came back down.
    expect(timeout.currentMs()).toBeLessThan(4 * 60 + 1);
  });

  it("keeps the initial timeout until three answers are known, and stays between the floor and the ceiling", () => {
    const timeout = new AdaptiveTimeout({ initialMs: 5_000, floorMs: 1_000, multiple: 4 });
    timeout.observe(10);
    timeout.observe(10);
    expect(timeout.currentMs()).toBe(5_000);
    timeout.observe(10);
    expect(timeout.currentMs()).toBe(1_000);
    for (let i = 0; i < 20; i++) timeout.observe(60_000);
    expect(timeout.currentMs()).toBe(5_000);
  });
});
