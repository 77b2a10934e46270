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
});
