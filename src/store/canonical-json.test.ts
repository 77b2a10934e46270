import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }, 3], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1},3]}');
  });

  it("gives equal text for objects built in different key orders", () => {
    expect(canonicalJson({ x: 1, y: { q: true, p: "s" } })).toBe(canonicalJson({ y: { p: "s", q: true }, x: 1 }));
  });

  it("is undefined for a bare undefined, like JSON.stringify", () => {
    expect(canonicalJson(undefined)).toBeUndefined();
  });

  it("keeps its exact text, cache keys hash it: integer-like keys first in numeric order, as objects list them", () => {
    expect(canonicalJson({ b: 1, "10": 2, "9": 3, a: [{ z: undefined, y: new Date(Date.UTC(2026, 0, 2)) }], "01": 4 })).toBe(
      '{"9":3,"10":2,"01":4,"a":[{"y":"2026-01-02T00:00:00.000Z"}],"b":1}',
    );
  });
});
