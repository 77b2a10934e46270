import { describe, expect, it } from "vitest";
import { createEmbedSeeds, pairKey, type TargetPair } from "./embed-seeds.js";
import { createRandomSeeds, seededPermutation } from "./random-seeds.js";

const examples = Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, question: `q${i}`, answer: `a${i}` }));

describe("random seeds", () => {
  it("uses every example once before any repeats, the same for the same seed", () => {
    const pick = createRandomSeeds(examples, 3);
    const first = Array.from({ length: 7 }, (_, attempt) => pick(attempt).seeds[0].id);
    expect(new Set(first).size).toBe(7);
    expect(pick(7).seeds[0].id).toBe(first[0]);
    expect(pick(7).variation).toBe(1);
    expect(Array.from({ length: 7 }, (_, attempt) => createRandomSeeds(examples, 3)(attempt).seeds[0].id)).toEqual(first);
    expect([...seededPermutation(7, 4)]).not.toEqual([...seededPermutation(7, 3)]);
    expect(() => createRandomSeeds([], 0)).toThrow("at least one");
  });
});

describe("embed seeds", () => {
  it("goes through the pairs in order, then cycles them as new variations", () => {
    const pairs: TargetPair[] = [0, 1, 2].map((i) => ({ region: i, cell: 10 + i, midpoint: [i, i], seeds: [examples[2 * i], examples[2 * i + 1]] }));
    const pick = createEmbedSeeds(pairs);
    expect([0, 1, 2, 3, 4].map((attempt) => [pick(attempt).pairIndex, pick(attempt).variation])).toEqual([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1]]);
    expect(pick(4)).toMatchObject({ strategy: "embed", region: 1, cell: 11, midpoint: [1, 1] });
    expect(pick(4).seeds.map((seed) => seed.id)).toEqual(["e2", "e3"]);
    expect(pairKey(pick(1).seeds)).toBe(pairKey(pick(4).seeds));
    expect(() => createEmbedSeeds([])).toThrow("at least one seed pair");
  });
});
