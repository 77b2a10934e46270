import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentId, ownId } from "./example-id.js";

/** The id as first defined: three updates of one sha256 (runs on disk hold ids made this way). */
function threeUpdateId(question: string, answer: string): string {
  return createHash("sha256").update(question).update("\u0000").update(answer).digest("hex").slice(0, 16);
}

describe("contentId", () => {
  it("is the first 16 hex digits of sha256(question NUL answer), as runs already on disk recorded", () => {
    expect(contentId("What is 2+2?", "4")).toBe("0aac1a47b77bf866");
    expect(contentId("Combien fait 2×2 ? 🙂", "quatre")).toBe("b04e8eeadc6754df");
  });

  it("agrees with hashing the parts one by one, lone surrogates and NULs at the edges included", () => {
    const cases: Array<[string, string]> = [
      ["lone \ud800", "\udc00 low"],
      ["", ""],
      ["\u0000", "\u0000"],
      ["q\ud83d", "a"],
      ["é".repeat(10_000), "ü".repeat(3)],
    ];
    for (const [question, answer] of cases) expect(contentId(question, answer)).toBe(threeUpdateId(question, answer));
    expect(contentId("lone \ud800", "\udc00 low")).toBe("c9934a78d1891780");
  });

  it("tells question and answer apart from their concatenation", () => {
    expect(contentId("ab", "c")).not.toBe(contentId("a", "bc"));
  });
});

describe("ownId", () => {
  it("takes non-empty strings, finite numbers and bigints, as strings", () => {
    expect([ownId("x7"), ownId(7), ownId(7n), ownId(""), ownId(Number.NaN), ownId(null), ownId({})]).toEqual(["x7", "7", "7", undefined, undefined, undefined, undefined]);
  });
});
