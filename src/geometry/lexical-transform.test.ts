import { describe, expect, it } from "vitest";
import { lexicalEmbedding } from "./lexical-embedding.js";
import { fitLexicalModel, transformLexical } from "./lexical-transform.js";

const texts = [
  "Tom has 3 apples and buys 5 more apples at the market",
  "Sara has 12 apples and gives 4 apples to Tom",
  "A train travels 60 miles per hour for 3 hours",
  "A car travels 45 miles per hour for 2 hours on the highway",
  "The baker made 24 cookies and sold 10 cookies in the morning",
  "The baker sold 8 cakes and 6 cookies at the market",
  "How many hours does a train need to travel 120 miles",
  "Sara buys 6 cakes for the party and eats 2 cakes",
  "Tom reads 20 pages per hour for 3 hours",
  "The market sells apples for 2 dollars each",
  "A bus travels 30 miles in one hour",
  "Sara reads a book of 120 pages in 4 days",
];

describe("transformLexical", () => {
  it("gives the training texts the same vectors lexicalEmbedding gave them", () => {
    const reference = lexicalEmbedding(texts, { seed: 3 });
    const model = fitLexicalModel(texts, { seed: 3 });
    expect(model.dims).toBe(reference.dims);
    const vectors = transformLexical(model, texts);
    expect(vectors.length).toBe(reference.vectors.length);
    for (let i = 0; i < vectors.length; i++) expect(vectors[i]).toBeCloseTo(reference.vectors[i], 5);
  });

  it("places a new text next to the training text it paraphrases, and an unknown text at zero", () => {
    const model = fitLexicalModel(texts, { seed: 0 });
    const [fresh, unknown] = [transformLexical(model, ["A train travels 50 miles per hour for 4 hours"]), transformLexical(model, ["zzz qqq"])];
    const train = transformLexical(model, texts);
    const dims = model.dims;
    const cosine = (i: number) => {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += fresh[d] * train[i * dims + d];
      return dot;
    };
    const best = texts.map((_, i) => cosine(i)).reduce((bestIndex, value, i, all) => (value > all[bestIndex] ? i : bestIndex), 0);
    expect([2, 3]).toContain(best);
    expect(Math.hypot(...fresh)).toBeCloseTo(1, 5);
    expect([...unknown].every((v) => v === 0)).toBe(true);
  });
});
