import { describe, expect, it, vi } from "vitest";
import { Writable } from "node:stream";
import { progress } from "../core/events.js";
import { chooseRenderMode, createProgressRenderer, createRateEstimator, formatDuration, formatRate } from "./progress-renderer.js";
import type { RenderMode } from "./progress-renderer.js";

/** A stream that keeps everything written to it. */
function fakeStream() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function setup(mode: RenderMode, extra: { plainIntervalMs?: number; width?: number } = {}) {
  const out = fakeStream();
  const clock = fakeClock();
  const render = createProgressRenderer({ stream: out.stream, mode, now: clock.now, ...extra });
  return { render, clock, text: out.text };
}

/**
 * What a terminal shows after the output: handles exactly the controls the renderer uses
 * (\r, \n, erase line, cursor up one) and fails on any other escape sequence.
 */
function screen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const ch = output[i];
    if (output.startsWith("\x1b[2K", i)) {
      lines[row] = [];
      i += 3;
    } else if (output.startsWith("\x1b[1A", i)) {
      row = Math.max(0, row - 1);
      i += 3;
    } else if (ch === "\x1b") {
      throw new Error(`unexpected escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 6))}`);
    } else if (ch === "\r") {
      col = 0;
    } else if (ch === "\n") {
      row++;
      col = 0;
      lines[row] ??= [];
    } else {
      lines[row][col++] = ch;
    }
  }
  return lines.map((line) => Array.from(line, (c) => c ?? " ").join("").trimEnd());
}

describe("chooseRenderMode", () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it("picks bars only for a capable terminal", () => {
    expect(chooseRenderMode(tty, {}, { TERM: "xterm-256color" })).toBe("tty");
    expect(chooseRenderMode(tty, {}, { TERM: "dumb" })).toBe("plain");
    expect(chooseRenderMode(pipe, {}, {})).toBe("plain");
    expect(chooseRenderMode(tty, { quiet: true }, {})).toBe("quiet");
    expect(chooseRenderMode(pipe, { quiet: true }, {})).toBe("quiet");
  });
});

describe("createRateEstimator", () => {
  it("measures a constant rate exactly, ignoring work done before the first tick", () => {
    const estimator = createRateEstimator();
    estimator.update(5_000, 0); // a resumed stage: 5,000 done by an earlier run
    expect(estimator.rate()).toBeUndefined();
    for (let second = 1; second <= 10; second++) estimator.update(5_000 + 10 * second, second * 1000);
    expect(estimator.rate()).toBeCloseTo(10, 10);
  });

  it("follows a change of speed as an exponential moving average", () => {
    const estimator = createRateEstimator({ timeConstantMs: 10_000 });
    estimator.update(0, 0);
    estimator.update(100, 1000); // 100/s
    estimator.update(120, 2000); // 20/s
    const alpha = 1 - Math.exp(-1000 / 10_000);
    expect(estimator.rate()).toBeCloseTo(100 + alpha * (20 - 100), 10);
  });

  it("waits for a full sample window before measuring", () => {
    const estimator = createRateEstimator({ sampleMs: 250 });
    estimator.update(0, 0);
    estimator.update(5, 100);
    expect(estimator.rate()).toBeUndefined();
    estimator.update(10, 500);
    expect(estimator.rate()).toBeCloseTo(20, 10);
  });
});

describe("plain mode", () => {
  it("prints a start line, throttles progress per stage, and an end line with elapsed time", () => {
    const { render, clock, text } = setup("plain", { plainIntervalMs: 5_000 });
    render(progress.start("embed", 200, "rows"));
    for (let second = 1; second <= 12; second++) {
      clock.advance(1000);
      render(progress.tick("embed", 10 * second, 200, `batch ${second}`));
    }
    render(progress.end("embed", 200, 20));
    expect(text().split("\n")).toEqual([
      "embed: started, 200 rows",
      "embed: 50/200 rows (25%), 10.0 rows/s, ETA 15s, batch 5",
      "embed: 100/200 rows (50%), 10.0 rows/s, ETA 10s, batch 10",
      "embed: done, 200 rows in 20s, 10.0 rows/s",
      "",
    ]);
  });

  it("throttles each stage on its own clock and prints notices and warnings as lines", () => {
    const { render, clock, text } = setup("plain", { plainIntervalMs: 1_000 });
    render(progress.start("generate"));
    clock.advance(600);
    render(progress.start("requests", 10));
    clock.advance(600); // generate: 1.2 s since its start, requests: 0.6 s
    render(progress.tick("generate", 3));
    render(progress.tick("requests", 2, 10));
    render({ type: "notice", stage: "generate", message: "using the lexical embedder" });
    render({ type: "warning", stage: "requests", message: "endpoint slow" });
    const lines = text().trimEnd().split("\n");
    expect(lines).toEqual([
      "generate: started",
      "requests: started, 10 items",
      "generate: 3 items",
      "using the lexical embedder",
      "warning: endpoint slow",
    ]);
  });

  it("writes no escape codes, even when emitters put some in their text", () => {
    const { render, clock, text } = setup("plain", { plainIntervalMs: 0 });
    render(progress.start("map", 4));
    clock.advance(1000);
    render(progress.tick("map", 1, 4, "\x1b[31mred\x1b[0m\nsecond line"));
    render({ type: "warning", stage: "map", message: "\x1b[1mbold\x1b[0m" });
    render(progress.end("map", 4, 2));
    expect(text()).not.toMatch(/[\x1b\r]/);
    expect(text()).toContain("map: 1/4 items (25%), red second line");
    expect(text()).toContain("warning: bold\n");
  });
});

describe("quiet mode", () => {
  it("prints nothing at all", () => {
    const { render, clock, text } = setup("quiet");
    render(progress.start("embed", 10));
    clock.advance(10_000);
    render(progress.tick("embed", 5, 10));
    render({ type: "notice", stage: "embed", message: "hello" });
    render({ type: "warning", stage: "embed", message: "careful" });
    render(progress.end("embed", 10, 10));
    render.close();
    expect(text()).toBe("");
  });
});

describe("tty mode", () => {
  it("redraws one line per active stage with bar, counts, percent, rate, ETA and detail", () => {
    const { render, clock, text } = setup("tty", { width: 120 });
    render(progress.start("embed", 1000, "rows"));
    render(progress.start("requests"));
    for (let second = 1; second <= 4; second++) {
      clock.advance(1000);
      render(progress.tick("embed", 50 * second, 1000, "cache 3"));
      render(progress.tick("requests", 7 * second));
    }
    // The last requests tick came within the redraw interval: close() draws the final state.
    render.close();
    expect(screen(text())).toEqual([
      "embed    █████░░░░░░░░░░░░░░░░░░░  200/1,000 rows  20%  50.0 rows/s  ETA 16s  cache 3",
      "requests ⠦  28 items  7.00 items/s  4s",
      "",
    ]);
  });

  it("leaves a summary line for a finished stage and keeps the others live below notices", () => {
    const { render, clock, text } = setup("tty", { width: 120 });
    render(progress.start("generate", 10));
    render(progress.start("requests", 100));
    clock.advance(1000);
    render(progress.tick("generate", 2, 10));
    render({ type: "warning", stage: "requests", message: "429 from 127.0.0.1, backing off" });
    render(progress.end("requests", 100, 125));
    clock.advance(1000);
    render(progress.tick("generate", 4, 10));
    render.close();
    const shown = screen(text());
    expect(shown).toEqual([
      "warning: 429 from 127.0.0.1, backing off",
      "requests: done, 100 items in 2m05s, 0.80 items/s",
      "generate ██████████░░░░░░░░░░░░░░  4/10 items  40%  2.00 items/s  ETA 3s",
      "",
    ]);
    render(progress.tick("generate", 9, 10)); // after close: ignored
    expect(screen(text())).toEqual(shown);
  });

  it("cuts lines to the terminal width so they never wrap", () => {
    const { render, clock, text } = setup("tty", { width: 40 });
    render(progress.start("evaluate", 500));
    clock.advance(1000);
    render(progress.tick("evaluate", 100, 500, "a very long detail that would wrap the terminal"));
    const [line] = screen(text());
    expect(Array.from(line).length).toBeLessThan(40);
    expect(line.endsWith("…")).toBe(true);
  });

  it("throttles redraws between events but always draws start and end", () => {
    const { render, clock, text } = setup("tty");
    render(progress.start("read"));
    const afterStart = text().length;
    clock.advance(10);
    render(progress.tick("read", 1));
    clock.advance(10);
    render(progress.tick("read", 2));
    expect(text().length).toBe(afterStart);
    clock.advance(200);
    render(progress.tick("read", 3));
    expect(screen(text())[0]).toContain("3 items");
    render(progress.end("read", 3, 0.3));
    expect(screen(text())).toEqual(["read: done, 3 items in 0.3s, 10.0 items/s", ""]);
  });
});

describe("tty trailing redraw", () => {
  it("draws a throttled update once the interval has passed, even if no event follows", () => {
    vi.useFakeTimers();
    try {
      const { render, clock, text } = setup("tty");
      render(progress.start("read"));
      clock.advance(10);
      render(progress.tick("read", 7));
      expect(screen(text())[0]).not.toContain("7 items");
      clock.advance(90);
      vi.advanceTimersByTime(90);
      expect(screen(text())[0]).toContain("7 items");
      render.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("formatting", () => {
  it("formats rates and durations compactly", () => {
    expect([formatRate(1234.4), formatRate(56.74), formatRate(0.25)]).toEqual(["1,234", "56.7", "0.25"]);
    expect([0.42, 5, 42, 185, 3720].map(formatDuration)).toEqual(["0.4s", "5s", "42s", "3m05s", "1h02m"]);
  });
});

describe("request retries", () => {
  it("shows retries and timeouts under the bars as they happen (tty)", () => {
    const { render, clock, text } = setup("tty");
    render(progress.start("generate", 10));
    clock.advance(200);
    render(progress.retry("openai:m", { reason: "timeout", attempt: 1, message: "no complete answer within 5000 ms" }));
    clock.advance(200);
    render(progress.retry("openai:m", { reason: "server-error", attempt: 1, message: "HTTP 500" }));
    const lines = screen(text());
    expect(lines[0]).toContain("generate");
    expect(lines[1]).toBe("requests: 2 retries (1 timed out), last: server-error (HTTP 500)");
    render.close();
  });

  it("prints at most one retry line per interval in plain mode", () => {
    const { render, clock, text } = setup("plain", { plainIntervalMs: 1000 });
    render(progress.start("evaluate", 10));
    for (let i = 0; i < 5; i++) {
      render(progress.retry("openai:m", { reason: "timeout", attempt: 1, message: "slow" }));
      clock.advance(300);
    }
    const lines = text().split("\n").filter((line) => line.startsWith("requests:"));
    expect(lines).toEqual(["requests: 1 retry (1 timed out), last: timeout (slow)", "requests: 5 retries (5 timed out), last: timeout (slow)"]);
  });
});
