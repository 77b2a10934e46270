import { describe, expect, it } from "vitest";
import { NgramIndex } from "./decontamination.js";

const benchmark = "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four.";

describe("NgramIndex", () => {
  it("finds a shared 13-word run regardless of case and punctuation, and names its source", () => {
    const index = new NgramIndex(13);
    index.add("test.jsonl:1", benchmark);
    const copied = "A new problem: JANET'S ducks lay 16 eggs per day; she eats three for breakfast every morning and then sells the rest.";
    expect(index.overlap(copied)).toEqual({ ngram: "janet s ducks lay 16 eggs per day she eats three for breakfast", source: "test.jsonl:1" });
  });

  it("lets shorter overlaps through, and honours a smaller n", () => {
    const index = new NgramIndex(13);
    index.add("t", benchmark);
    const twelve = "Janet's ducks lay 16 eggs per day. She eats three for lunch.";
    expect(index.overlap(twelve)).toBeNull();
    const small = new NgramIndex(5);
    small.add("t", benchmark);
    expect(small.overlap(twelve)?.ngram).toBe("janet s ducks lay 16");
    expect(() => new NgramIndex(0)).toThrow("positive integer");
  });
});
