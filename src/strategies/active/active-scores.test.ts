import { describe, expect, it } from "vitest";
import { activeScore, createActiveSeeds, selectTopScores } from "./active-scores.js";
import { createS3ErrorTargets, createS3SynthesisTargets } from "../s3/s3-targets.js";

const seeds = Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, question: `question ${i}`, answer: `#### ${i}` }));

describe("active selection", () => {
  it("reads the chosen signal; random is a reproducible draw per round", () => {
    const signals = { id: "x", ownLoss: 2.5, referenceLoss: 1.5, sampleEntropy: 0.7 };
    expect(activeScore("own-loss", signals, { seed: 0, round: 1 })).toBe(2.5);
    expect(activeScore("ref-loss", signals, { seed: 0, round: 1 })).toBe(1.5);
    expect(activeScore("disagreement", signals, { seed: 0, round: 1 })).toBe(0.7);
    const draw = activeScore("random", signals, { seed: 0, round: 1 })!;
    expect(draw).toBeGreaterThanOrEqual(0);
    expect(draw).toBeLessThan(1);
    expect(activeScore("random", signals, { seed: 0, round: 1 })).toBe(draw);
    expect(activeScore("random", signals, { seed: 0, round: 2 })).not.toBe(draw);
  });

  it("picks the highest scores, ties in dataset order, missing scores last", () => {
    expect(selectTopScores([0.5, 2, null, 2, 1], 3)).toEqual([1, 3, 4]);
    expect(selectTopScores([null, 0.1, null], 3)).toEqual([1, 0, 2]);
    expect(selectTopScores([1, 2], 0)).toEqual([]);
  });

  it("cycles the selected seeds, best first, as new variations", () => {
    const pick = createActiveSeeds([seeds[3], seeds[1]]);
    expect([0, 1, 2, 3].map((a) => [pick(a).seeds[0].id, pick(a).variation])).toEqual([["s3", 0], ["s1", 0], ["s3", 1], ["s1", 1]]);
    expect(pick(0).strategy).toBe("active");
    expect(() => createActiveSeeds([])).toThrow("selected no seed");
  });
});

describe("s3 targets", () => {
  it("rotates the seed examples shown for synthesis", () => {
    const pick = createS3SynthesisTargets(seeds, 2);
    expect(pick(0).seeds.map((s) => s.id)).toEqual(["s0", "s1"]);
    expect(pick(1).seeds.map((s) => s.id)).toEqual(["s2", "s3"]);
    expect(pick(2).seeds.map((s) => s.id)).toEqual(["s4", "s0"]);
    expect(pick(3).variation).toBe(1);
    expect(pick(0).kind).toBe("synthesize");
  });

  it("extrapolates every error once before any twice", () => {
    const errors = seeds.slice(0, 3).map((seed) => ({ ...seed, studentOutput: "no idea", studentAnswer: null }));
    const pick = createS3ErrorTargets(errors);
    expect([0, 1, 2, 3, 4].map((a) => pick(a).error!.id)).toEqual(["s0", "s1", "s2", "s0", "s1"]);
    expect(pick(4).variation).toBe(1);
    expect(() => createS3ErrorTargets([])).toThrow("no student error");
  });
});
