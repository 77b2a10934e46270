import { describe, expect, it } from "vitest";
import { gsm8kSlice } from "../../test/fixtures/data-files.js";
import { contentId } from "./example-id.js";
import { chooseRowsPerBand, findDuplicates, MinHashIndex, normalizeText } from "./near-duplicates.js";

const long =
  "A farmer has 48 chickens and 36 ducks on his farm near the river. Every morning he collects eggs from the chickens " +
  "and sells them at the market in town for three dollars a dozen. On Monday he collected 120 eggs, on Tuesday 132 eggs " +
  "and on Wednesday 108 eggs. He kept two dozen eggs for his family each day and sold the rest. How much money did he " +
  "make from selling eggs over the three days?";

describe("MinHashIndex", () => {
  it("a one-word change is a near duplicate; an unrelated text is not", () => {
    const index = new MinHashIndex();
    expect(index.add("original", long)).toBeNull();
    const changed = long.replace("river", "forest");
    const match = index.match(changed);
    expect(match?.id).toBe("original");
    expect(match?.exact).toBe(false);
    expect(match!.jaccard).toBeGreaterThanOrEqual(0.8);
    expect(match!.jaccard).toBeLessThan(1);
    const unrelated = gsm8kSlice(1)[0].question as string;
    expect(index.match(unrelated)).toBeNull();
  });

  it("case and whitespace differences are exact duplicates", () => {
    const index = new MinHashIndex();
    index.add("a", long);
    expect(index.add("b", `  ${long.toUpperCase().replaceAll(" ", " \n\t ")} `)).toEqual({ id: "a", jaccard: 1, exact: true });
    expect(normalizeText("  Hello\n\n  World ")).toBe("hello world");
  });

  it("rewriting half the text is not a near duplicate at 0.8 but is at a low threshold", () => {
    const words = long.split(" ");
    const half = [...words.slice(0, words.length / 2), ..."the quick brown fox jumps over the lazy dog again and again until the sun goes down behind the hills while the farmer sleeps soundly in his chair by the fire tonight".split(" ")].join(" ");
    const strict = new MinHashIndex();
    strict.add("a", long);
    expect(strict.match(half)).toBeNull();
    const loose = new MinHashIndex({ threshold: 0.2 });
    loose.add("a", long);
    expect(loose.match(half)?.id).toBe("a");
  });

  it("estimates Jaccard within a few points of the truth", () => {
    // Two texts over a shared vocabulary of distinct words: shingle sets with a known overlap.
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
    const a = words.slice(0, 300).join(" ");
    const b = words.slice(100, 400).join(" ");
    // 5-word shingles: a has 296, b has 296, shared are those inside words 100..299: 196.
    const truth = 196 / (296 + 296 - 196);
    const index = new MinHashIndex({ numHashes: 512, threshold: 0.1 });
    index.add("a", a);
    const estimate = index.match(b)!.jaccard;
    expect(Math.abs(estimate - truth)).toBeLessThan(0.06);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const first = new MinHashIndex().signature(long)!;
    expect(Array.from(new MinHashIndex().signature(long)!)).toEqual(Array.from(first));
    expect(Array.from(new MinHashIndex({ seed: 7 }).signature(long)!)).not.toEqual(Array.from(first));
    expect(new MinHashIndex().signature("?! ...")).toBeNull();
  });

  it("picks LSH bands that catch a pair at the threshold with ≥ 99% probability", () => {
    expect(chooseRowsPerBand(128, 0.8)).toBe(6);
    expect(chooseRowsPerBand(128, 0.9)).toBeGreaterThan(6);
    expect(() => new MinHashIndex({ threshold: 0 })).toThrow(/threshold/);
  });
});

describe("findDuplicates", () => {
  it("pairs each later copy with its earlier match, once", () => {
    const examples = [
      { id: "1", question: long },
      { id: "2", question: "Something else entirely about trains leaving stations at different speeds and meeting." },
      { id: "3", question: long.replace("48", "50") },
      { id: "4", question: long.toLowerCase() },
      { id: "5", question: long },
    ];
    const report = findDuplicates(examples);
    expect(report.exact).toEqual([
      ["1", "4"],
      ["1", "5"],
    ]);
    expect(report.near.map(([a, b]) => [a, b])).toEqual([["1", "3"]]);
    expect(report.near[0][2]).toBeGreaterThanOrEqual(0.8);
  });

  it("finds duplicates planted in the GSM8K train questions", () => {
    const rows = gsm8kSlice(7473).map((row) => ({ id: contentId(String(row.question), String(row.answer)), question: String(row.question) }));
    const baseline = findDuplicates(rows);
    const plantedExact = { id: "planted-exact", question: rows[100].question.toUpperCase() };
    // Change one number in a long question (a typical near copy).
    const longOne = rows.find((row) => row.question.split(" ").length >= 70 && /\b\d+\b/.test(row.question))!;
    const plantedNear = { id: "planted-near", question: longOne.question.replace(/\b(\d+)\b/, (n) => String(Number(n) + 1)) };
    const report = findDuplicates([...rows, plantedExact, plantedNear]);
    expect(report.exact).toContainEqual([rows[100].id, "planted-exact"]);
    expect(report.near.find(([, b]) => b === "planted-near")?.[0]).toBe(longOne.id);
    expect(report.exact.length).toBe(baseline.exact.length + 1);
    expect(report.near.length).toBe(baseline.near.length + 1);
    console.log(`GSM8K train questions: ${baseline.exact.length} exact, ${baseline.near.length} near duplicates (k=5, 128 hashes, J≥0.8)`);
  });
});
