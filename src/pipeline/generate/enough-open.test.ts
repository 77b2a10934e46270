import { describe, expect, it } from "vitest";
import { enoughOpen, YIELD_AFTER_ATTEMPTS } from "./run-generation.js";

describe("enoughOpen", () => {
  it("counts each open attempt as one example until enough attempts are decided", () => {
    const early = { accepted: 2, attempts: YIELD_AFTER_ATTEMPTS - 1 };
    expect(enoughOpen(early, 7, 10)).toBe(false);
    expect(enoughOpen(early, 8, 10)).toBe(true);
  });

  it("then counts each open attempt as the share accepted so far", () => {
    // Half accepted: 10 still needed takes 20 open attempts.
    const half = { accepted: 40, attempts: 80 };
    expect(enoughOpen(half, 19, 50)).toBe(false);
    expect(enoughOpen(half, 20, 50)).toBe(true);
    // Reached: nothing more opens.
    expect(enoughOpen({ accepted: 50, attempts: 80 }, 0, 50)).toBe(true);
  });

  it("never counts an attempt below 5%, so a teacher rejecting nearly everything cannot open without end", () => {
    const none = { accepted: 0, attempts: 100 };
    expect(enoughOpen(none, 199, 10)).toBe(false);
    expect(enoughOpen(none, 200, 10)).toBe(true);
  });
});
