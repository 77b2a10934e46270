import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { datasetDigest, digestLines } from "./digest.js";

describe("datasetDigest", () => {
  it("is the first 16 hex of sha256 over the ids joined by newlines (what earlier runs recorded)", () => {
    const ids = ["a1", "b2", "c3"];
    const expected = createHash("sha256").update("a1\nb2\nc3").digest("hex").slice(0, 16);
    expect(datasetDigest(ids.map((id) => ({ id })))).toBe(expected);
    expect(digestLines(ids)).toBe(expected);
  });

  it("changes when rows are reordered, added or removed", () => {
    const base = datasetDigest([{ id: "a" }, { id: "b" }]);
    expect(datasetDigest([{ id: "b" }, { id: "a" }])).not.toBe(base);
    expect(datasetDigest([{ id: "a" }, { id: "b" }, { id: "c" }])).not.toBe(base);
    expect(datasetDigest([{ id: "a" }])).not.toBe(base);
  });
});
