import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "./retry-after.js";
import { backoffDelay } from "./backoff.js";
import { redact, snippet } from "./redact.js";

describe("parseRetryAfter", () => {
  it("reads delta-seconds, fractional seconds and HTTP dates", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.25", now)).toBe(250);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });
  it("returns undefined for absent or unreadable headers", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("draws uniformly below an exponentially growing, capped ceiling", () => {
    const options = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, options, () => 0.999)).toBe(99);
    expect(backoffDelay(2, options, () => 0.5)).toBe(200);
    expect(backoffDelay(10, options, () => 0.999)).toBe(999);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });
});

describe("redact", () => {
  it("removes secrets and authorization values from text", () => {
    const text = 'echo {"authorization":"Bearer sk-secret-123"} and sk-secret-123 again';
    const out = redact(text, ["sk-secret-123"]);
    expect(out).not.toContain("sk-secret-123");
    expect(out).toContain("[redacted]");
  });
  it("shortens a body to one line", () => {
    expect(snippet("a\n  b", 10)).toBe("a b");
    expect(snippet("x".repeat(20), 5)).toBe("xxxxx…");
  });
});
