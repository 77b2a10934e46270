import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { sharedDataPath } from "../../test/support/shared-data.js";
import { lexicalEmbedding, LEXICAL_LABEL } from "./lexical-embedding.js";
import { idfTable, idfTokenWeights, tfidf, tokenize } from "./tfidf.js";

const readGsm8kQuestions = (): string[] => readFileSync(sharedDataPath("gsm8k-train"), "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { question: string }).question);

function dot(vectors: Float32Array, dims: number, a: number, b: number): number {
  let sum = 0;
  for (let d = 0; d < dims; d++) sum += vectors[a * dims + d] * vectors[b * dims + d];
  return sum;
}

describe("tfidf", () => {
  it("tokenizes words and numbers, lowercased", () => {
    expect(tokenize("Natalia sold 48 clips, then 2.5 more in MAY!")).toEqual(["natalia", "sold", "48", "clips", "then", "2.5", "more", "in", "may"]);
  });

  it("builds l2-normalised sublinear rows over a df-filtered vocabulary", () => {
    const model = tfidf(["apple apple pear", "apple plum", "pear plum plum", "kiwi"], { minDf: 2 });
    expect(model.vocabulary).toEqual(["apple", "pear", "plum"]);
    const { indptr, values, indices } = model.matrix;
    for (let r = 0; r < 3; r++) {
      let norm = 0;
      for (let p = indptr[r]; p < indptr[r + 1]; p++) norm += values[p] ** 2;
      expect(norm).toBeCloseTo(1, 12);
    }
    expect(indptr[4] - indptr[3]).toBe(0);
    // Row 0: apple tf 2 → (1 + ln 2)·idf, pear tf 1 → idf; both idf equal (df 2 of 4).
    expect(Array.from(indices.subarray(0, 2))).toEqual([0, 1]);
    expect(values[0] / values[1]).toBeCloseTo(1 + Math.log(2), 12);
    const table = idfTable(model);
    expect(table.terms.get("apple")).toBeCloseTo(Math.log(5 / 3) + 1, 12);
    const weights = idfTokenWeights(["▁Apple", "Ġkiwi", ",", "plum"], table);
    expect(weights[0]).toBeCloseTo(Math.log(5 / 3) + 1, 12);
    expect(weights[1]).toBe(table.unknownIdf);
    expect(weights[2]).toBeCloseTo(Math.min(...table.terms.values()), 12);
  });
});

describe("lexicalEmbedding on GSM8K train", () => {
  // Read in a hook, not at collection, so a checkout without the data fails only these tests.
  let gsm8kQuestions: string[];
  let embedding: ReturnType<typeof lexicalEmbedding>;
  beforeAll(() => {
    gsm8kQuestions = readGsm8kQuestions();
    embedding = lexicalEmbedding(gsm8kQuestions, { dims: 64 });
  });

  it("has the right shape, unit rows and its label", () => {
    expect(gsm8kQuestions.length).toBe(7473);
    expect(embedding.rows).toBe(7473);
    expect(embedding.dims).toBe(64);
    expect(embedding.vectors.length).toBe(7473 * 64);
    expect(embedding.label).toBe(LEXICAL_LABEL);
    const empty = new Set(embedding.emptyRows);
    expect(empty.size).toBeLessThan(5);
    for (let r = 0; r < embedding.rows; r++) {
      if (!empty.has(r)) expect(Math.abs(dot(embedding.vectors, 64, r, r) - 1)).toBeLessThan(1e-5);
    }
  });

  it("is deterministic", () => {
    const again = lexicalEmbedding(gsm8kQuestions, { dims: 64 });
    expect(Buffer.from(again.vectors.buffer).equals(Buffer.from(embedding.vectors.buffer))).toBe(true);
  });

  it("embeds a near-identical question closer than unrelated ones", () => {
    const base = gsm8kQuestions[0];
    const variant = base.replace("48", "52").replace("Natalia", "Maria");
    const texts = [...gsm8kQuestions.slice(0, 2000), variant];
    const small = lexicalEmbedding(texts, { dims: 64 });
    const variantRow = texts.length - 1;
    const nearest = dot(small.vectors, 64, 0, variantRow);
    expect(nearest).toBeGreaterThan(0.9);
    let closer = 0;
    for (let r = 1; r < 2000; r++) if (dot(small.vectors, 64, r, variantRow) >= nearest) closer++;
    expect(closer).toBe(0);
  });
});
